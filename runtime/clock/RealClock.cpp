#include "runtime/clock/Clock.h"

#include <chrono>
#include <ctime>
#include <thread>

namespace pipelang::runtime {

Instant RealClock::now() { return static_cast<Instant>(std::time(nullptr)); }

void RealClock::waitUntil(Instant until, bool busy) {
  using namespace std::chrono;
  auto slice = busy ? milliseconds(20) : milliseconds(250);
  auto remaining = seconds(until - now());
  std::this_thread::sleep_for(remaining <= milliseconds(0) ? milliseconds(5) : std::min<milliseconds>(slice, remaining));
}

}  // namespace pipelang::runtime
