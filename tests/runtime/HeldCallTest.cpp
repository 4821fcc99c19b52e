// A held call (docs/runtime.md "One call per step, also across crashes") runs
// its command only once its gate opens, never when piperun drops it first, in
// a process group of its own with nothing but stdio open, default signal
// handling and no signal blocked: as a child sharing piperun's memory (what
// piperun and piperun serve use, HeldChild.h) and through the fork fallback.
#include "runtime/deploy/ChildProcess.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstddef>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace pipelang::runtime;
namespace fs = std::filesystem;

namespace {

class HeldCall : public ::testing::TestWithParam<ChildProcess::HeldStart> {
 protected:
  void SetUp() override {
    ChildProcess::useHeldStart(GetParam());
    dir_ = fs::temp_directory_path() / ("piperun-held-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    ChildProcess::useHeldStart(ChildProcess::HeldStart::SharedMemory);
    fs::remove_all(dir_);
  }
  int finish(ChildProcess& child) {
    for (int i = 0; i < 1000; ++i) {
      if (auto status = child.poll()) return *status;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }
  std::string cmdline(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
    std::stringstream text;
    text << in.rdbuf();
    std::string line = text.str();
    for (auto& c : line)
      if (c == '\0') c = ' ';
    return line;
  }
  size_t openDescriptors(pid_t pid) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
    return n;
  }
  fs::path dir_;
};

TEST_P(HeldCall, RunsOnlyOnceItsGateOpens) {
  fs::path marker = dir_ / "ran";
  ChildProcess child;
  pid_t group = -1;
  std::string error = child.start(
      {"touch", marker.string()}, {}, [&](pid_t pgid) { group = pgid; }, true);
  ASSERT_EQ(error, "");
  ASSERT_GT(group, 0);
  EXPECT_EQ(getpgid(group), group) << "the call leads a process group of its own";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(fs::exists(marker)) << "the command ran before its record was durable";
  EXPECT_FALSE(child.poll().has_value());
  // While it waits: no copy of this process's memory (one exec a call, and
  // no fork of a large service), and none of its descriptors but the three
  // (the fork fallback keeps them until its exec).
  // (kcmp needs ptrace rights: a container's seccomp profile may refuse it.)
  long same = syscall(SYS_kcmp, getpid(), group, KCMP_VM, 0, 0);
  if (same >= 0) {
    EXPECT_EQ(same == 0, GetParam() == ChildProcess::HeldStart::SharedMemory);
  }
  if (GetParam() == ChildProcess::HeldStart::SharedMemory) {
    EXPECT_EQ(openDescriptors(group), 3u) << "the gate and the two capture files, nothing of this process's";
  }
  child.openGate();
  EXPECT_EQ(finish(child), 0);
  EXPECT_TRUE(fs::exists(marker));
}

TEST_P(HeldCall, NeverRunsWhenDroppedBeforeItsGateOpens) {
  fs::path marker = dir_ / "ran";
  {
    ChildProcess child;
    ASSERT_EQ(child.start(
                  {"touch", marker.string()}, {}, [](pid_t) {}, true),
              "");
  }  // a pass that was never committed: its calls go with it
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(fs::exists(marker));
}

TEST_P(HeldCall, GetsItsArgumentsEnvironmentAndStdioOnly) {
  ChildProcess child;
  // printf through env: the argument with spaces stays one argument, the
  // variable arrives, and fd 3 (the gate) is closed before the command runs.
  ASSERT_EQ(child.start(
                {"env", "printf", "%s|%s\\n", "one arg with spaces", "x"}, {{"PIPE_STEP", "wave1/one-box"}},
                [](pid_t) {}, false),
            "");
  EXPECT_EQ(finish(child), 0);
  EXPECT_EQ(child.output(), "one arg with spaces|x\n");

  ChildProcess env;
  ASSERT_EQ(env.start(
                {"printenv", "PIPE_STEP"}, {{"PIPE_STEP", "wave1/one-box"}}, [](pid_t) {}, false),
            "");
  EXPECT_EQ(finish(env), 0);
  EXPECT_EQ(env.output(), "wave1/one-box\n");

  ChildProcess fds;
  ASSERT_EQ(fds.start(
                {"test", "-e", "/proc/self/fd/3"}, {}, [](pid_t) {}, false),
            "");
  EXPECT_EQ(finish(fds), 1) << "the command inherited a descriptor beyond stdio";
}

TEST_P(HeldCall, ExitStatusIsTheCommands) {
  ChildProcess child;
  ASSERT_EQ(child.start(
                {"sh", "-c", "exit 7"}, {}, [](pid_t) {}, false),
            "");
  EXPECT_EQ(finish(child), 7);
}

// piperun's own handlers and blocked signals are not the command's: a
// command that inherited them would ignore the SIGTERM that stops it.
TEST_P(HeldCall, StartsWithDefaultSignalsAndNoneBlocked) {
  struct sigaction handled {};
  handled.sa_handler = [](int) {};
  struct sigaction oldTerm {};
  sigaction(SIGTERM, &handled, &oldTerm);
  signal(SIGHUP, SIG_IGN);
  sigset_t blocked, before;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &blocked, &before);
  ChildProcess child;
  std::string error = child.start(
      {"cat", "/proc/self/status"}, {}, [](pid_t) {}, true);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  sigaction(SIGTERM, &oldTerm, nullptr);
  signal(SIGHUP, SIG_DFL);
  ASSERT_EQ(error, "");
  child.openGate();
  EXPECT_EQ(finish(child), 0);
  std::string status = child.output();
  for (const char* line :
       {"\nSigBlk:\t0000000000000000\n", "\nSigIgn:\t0000000000000000\n", "\nSigCgt:\t0000000000000000\n"})
    EXPECT_NE(status.find(line), std::string::npos) << line << "not in\n" << status;
}

// A command that cannot be executed says why on the call's stderr (kept with
// the call), not only "exit 127".
TEST_P(HeldCall, ACommandThatCannotBeExecutedSaysWhy) {
  fs::path text = dir_ / "deploy.txt";
  std::ofstream(text) << "not a program\n";
  fs::permissions(text, fs::perms::owner_all);
  ChildProcess child;
  ASSERT_EQ(child.start(
                {text.string()}, {}, [](pid_t) {}, false),
            "");
  EXPECT_EQ(finish(child), 127);
  EXPECT_EQ(child.errors(), "piperun: cannot execute " + text.string() +
                                ": not a program this machine can run (a script without a #! line?)\n");
}

// A waiting call is stopped as its command would be (piperun's stop, a
// leftover call stopped on resume): SIGTERM to its group ends it at once,
// whatever handler piperun has for SIGTERM, and it never runs.
TEST_P(HeldCall, SigtermEndsItWhileItWaits) {
  fs::path marker = dir_ / "ran";
  struct sigaction handled {};
  handled.sa_handler = [](int) {};
  struct sigaction oldTerm {};
  sigaction(SIGTERM, &handled, &oldTerm);
  ChildProcess child;
  pid_t group = -1;
  std::string error = child.start(
      {"touch", marker.string()}, {}, [&](pid_t pgid) { group = pgid; }, true);
  ASSERT_EQ(error, "");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // waiting for its gate by now
  ASSERT_EQ(kill(-group, SIGTERM), 0);
  int status = finish(child);
  sigaction(SIGTERM, &oldTerm, nullptr);
  EXPECT_EQ(status, 128 + SIGTERM);
  EXPECT_FALSE(fs::exists(marker));
}

// close_range refused (Linux before 5.9, a container's seccomp profile that
// does not know it): the call still runs, with stdio only.
TEST_P(HeldCall, RunsWhereCloseRangeIsRefused) {
  // In a fresh process (gtest's threadsafe death test re-runs this binary):
  // the seccomp filter stays with the process, and a fork of this
  // multi-threaded one would share its capture files.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto refusedRun = [] {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 436 /* close_range */, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{sizeof filter / sizeof filter[0], filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0)
      _exit(3);
    int inherited = open("/dev/null", O_RDONLY);  // not close-on-exec: only closing keeps it from the command
    if (inherited < 0) _exit(3);
    std::string check = "test ! -e /proc/self/fd/" + std::to_string(inherited) + " && echo ran";
    ChildProcess child;
    if (!child
             .start(
                 {"sh", "-c", check}, {}, [](pid_t) {}, false)
             .empty())
      _exit(4);
    int status = child.waitBlocking();
    _exit(status == 0 && child.output() == "ran\n" ? 0 : 5);
  };
  // 3: no seccomp here, 4: not started, 5: the command failed or saw more than stdio.
  EXPECT_EXIT(refusedRun(), ::testing::ExitedWithCode(0), "");
}

INSTANTIATE_TEST_SUITE_P(Start, HeldCall,
                         ::testing::Values(ChildProcess::HeldStart::SharedMemory, ChildProcess::HeldStart::Fork),
                         [](const auto& info) {
                           return info.param == ChildProcess::HeldStart::SharedMemory ? std::string("SharedMemory")
                                                                                      : std::string("Fork");
                         });

}  // namespace
