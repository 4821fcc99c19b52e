// `piperun serve`'s calls die with the instance that started them
// (docs/service.md "Several instances on PostgreSQL", never two calls for the
// same hosts): a runner process is killed with SIGKILL, and its call's
// command must be gone at once, not left for the next owner to wait for.
#include "runtime/deploy/ChildProcess.h"
#include "runtime/deploy/ProcessIdentity.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace pipelang::runtime {
namespace {

// Starts a runner process that starts `sleep 30` as a recorded call (with
// dieWithParent as given) and waits; returns the runner and the call's pid.
// `start`: how the held call starts (HeldChild.h, or the fork fallback).
std::pair<pid_t, pid_t> startRunner(bool dieWithParent,
                                    ChildProcess::HeldStart start = ChildProcess::HeldStart::SharedMemory) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t runner = fork();
  if (runner == 0) {
    close(fds[0]);
    ChildProcess::useHeldStart(start);
    ChildProcess call;
    call.dieWithParent(dieWithParent);
    call.start({"sleep", "30"}, {}, [&](pid_t pid) {
      if (write(fds[1], &pid, sizeof pid) != sizeof pid) _exit(2);
    });
    for (;;) pause();
  }
  close(fds[1]);
  pid_t pid = 0;
  EXPECT_EQ(read(fds[0], &pid, sizeof pid), static_cast<ssize_t>(sizeof pid));
  close(fds[0]);
  return {runner, pid};
}

bool endsWithin(pid_t pid, unsigned long long ticks, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (callGroupAlive(pid, ticks)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(DieWithRunner, ACallOfAKilledRunnerEndsAtOnce) {
  auto [runner, call] = startRunner(true);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the call has exec'd
  auto ticks = processStartTicks(call);
  ASSERT_TRUE(ticks.has_value());
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  EXPECT_TRUE(endsWithin(call, *ticks, std::chrono::milliseconds(2000)));
  kill(-call, SIGKILL);
}

TEST(DieWithRunner, ACallStartedByForkEndsAtOnceToo) {
  auto [runner, call] = startRunner(true, ChildProcess::HeldStart::Fork);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto ticks = processStartTicks(call);
  ASSERT_TRUE(ticks.has_value());
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  EXPECT_TRUE(endsWithin(call, *ticks, std::chrono::milliseconds(2000)));
  kill(-call, SIGKILL);
}

TEST(DieWithRunner, WithoutItTheCallOutlivesItsRunner) {
  auto [runner, call] = startRunner(false);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto ticks = processStartTicks(call);
  ASSERT_TRUE(ticks.has_value());
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  EXPECT_FALSE(endsWithin(call, *ticks, std::chrono::milliseconds(500)));  // `piperun run`: resume waits for it
  kill(-call, SIGKILL);
}

}  // namespace
}  // namespace pipelang::runtime
