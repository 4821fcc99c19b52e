// A held call (docs/runtime.md "Calls are recorded before they run") runs its
// command only once its gate opens, never when piperun drops it first, in a
// process group of its own with nothing but stdio open: through piperun-gate
// (posix_spawn, what piperun and piperun serve use) and through the fork
// fallback (a binary without piperun-gate beside it, such as this test).
#include "runtime/deploy/ChildProcess.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace pipelang::runtime;
namespace fs = std::filesystem;

namespace {

class HeldCall : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ChildProcess::useGateProgram(GetParam());
    dir_ = fs::temp_directory_path() / ("piperun-held-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    ChildProcess::useGateProgram(PIPERUN_GATE_BINARY);
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
  if (*GetParam()) {
    EXPECT_NE(cmdline(group).find("piperun-gate"), std::string::npos) << cmdline(group);
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

INSTANTIATE_TEST_SUITE_P(Start, HeldCall, ::testing::Values(PIPERUN_GATE_BINARY, ""),
                         [](const auto& info) { return *info.param ? std::string("Gate") : std::string("Fork"); });

TEST(HeldCallGate, RefusesToRunByHand) {
  std::string command = std::string(PIPERUN_GATE_BINARY) + " /bin/true true 2>&1 3<&-";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[256] = {};
  size_t n = fread(buffer, 1, sizeof buffer - 1, pipe);
  int status = pclose(pipe);
  EXPECT_EQ(std::string(buffer, n), "piperun-gate: an internal helper of piperun, not for direct use\n");
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
