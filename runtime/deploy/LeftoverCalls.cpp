#include "runtime/deploy/LeftoverCalls.h"

#include "runtime/deploy/ProcessIdentity.h"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <thread>

namespace pipelang::runtime {
namespace {

Instant wallNow() {
  return static_cast<Instant>(std::time(nullptr));
}

// Polls until the group has ended or `deadline` (wall clock) has passed.
bool waitForEnd(const CallRecord& call, Instant deadline) {
  while (callGroupAlive(static_cast<pid_t>(call.pgid), call.startTicks)) {
    if (wallNow() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

}  // namespace

std::vector<CallRecord> leftoverCallsRunning(Journal& journal, Instant now) {
  std::vector<CallRecord> running;
  for (const auto& call : journal.openCalls()) {
    Instant deadline = call.startedAt + std::max(1, call.timeoutS);
    if (call.elsewhere ? now < deadline : callGroupAlive(static_cast<pid_t>(call.pgid), call.startTicks))
      running.push_back(call);
  }
  return running;
}

void settleLeftoverCalls(Journal& journal, std::int64_t runId, const std::function<void(const std::string&)>& say) {
  for (const auto& call : journal.openCalls()) {
    if (call.elsewhere) {
      Instant deadline = call.startedAt + std::max(1, call.timeoutS);
      while (wallNow() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::string message = fmt::format(
          "the {} call of {} was started on another machine by an instance that stopped; its deadline has passed "
          "(timeout {}s): now running the step again",
          call.action, call.step, call.timeoutS);
      say(message);
      journal.event(runId, {0, runId, wallNow(), "leftover_call", "", call.step, message, ""});
      journal.callEnded(call.pgid, wallNow());
      continue;
    }
    auto group = static_cast<pid_t>(call.pgid);
    if (!callGroupAlive(group, call.startTicks)) {
      journal.callEnded(call.pgid, wallNow());
      continue;
    }
    Instant start = wallNow();
    Instant deadline = std::max(start, call.startedAt + std::max(1, call.timeoutS));
    std::string what = fmt::format("the {} call of {} (process group {}) that the dead runner started {}s ago",
                                   call.action, call.step, call.pgid, std::max<Instant>(0, start - call.startedAt));
    auto tell = [&](const std::string& message) {
      say(message);
      journal.event(runId, {0, runId, wallNow(), "leftover_call", "", call.step, message, ""});
    };
    tell(fmt::format("{} still runs: waiting for it to end (at most {}s, its timeout) before running {} again", what,
                     deadline - start, call.step));
    if (waitForEnd(call, deadline)) {
      tell(fmt::format("the leftover {} call of {} ended after {}s; now running the step again", call.action, call.step,
                       wallNow() - start));
    } else {
      kill(-group, SIGTERM);
      bool ended = waitForEnd(call, wallNow() + 10);
      if (!ended) {
        kill(-group, SIGKILL);
        waitForEnd(call, wallNow() + 5);
      }
      tell(
          fmt::format("stopped the leftover {} call of {} ({}): it ran past its timeout of {}s; now running the "
                      "step again",
                      call.action, call.step, ended ? "SIGTERM" : "SIGTERM, then SIGKILL", call.timeoutS));
    }
    journal.callEnded(call.pgid, wallNow());
  }
}

}  // namespace pipelang::runtime
