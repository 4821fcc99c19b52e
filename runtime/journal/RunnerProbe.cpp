#include "runtime/journal/RunnerProbe.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace pipelang::runtime {

bool liveRunnerHolds(const std::string& dbPath) {
  int fd = ::open((dbPath + ".lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // A shared lock is refused while a runner holds its exclusive one.
  bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);  // releases the probe's lock, if it got one
  return held;
}

}  // namespace pipelang::runtime
