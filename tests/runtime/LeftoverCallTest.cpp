// One call per step, also across crashes (runtime.md, "One call per step"):
// after kill -9, `resume` waits for the dead runner's call still running on
// the step's hosts, or stops it once its timeout has passed, and only then
// runs the step again. The identity check tells the call's group from a
// recycled pid.
#include "ProcessHarness.h"
#include "runtime/deploy/ProcessIdentity.h"

#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

using namespace pipelang::runtime::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A deploy script that logs each call's start and end; SLOW_STEP sleeps SLOW_S.
void loggingDeploy(const Sandbox& box) {
  box.write("deploy.sh",
            "#!/bin/sh\n"
            "mkdir -p hosts\n"
            "echo \"start $PIPE_STEP\" >> calls.log\n"
            "trap 'echo \"end $PIPE_STEP (stopped)\" >> calls.log; exit 143' TERM\n"
            "if [ \"$PIPE_STEP\" = \"$SLOW_STEP\" ]; then echo $$ > slow.pid; sleep \"$SLOW_S\"; fi\n"
            "for host in $PIPE_HOSTS; do printf '%s\\n' \"$PIPE_VERSION\" > \"hosts/$host\"; done\n"
            "echo \"end $PIPE_STEP\" >> calls.log\n");
  chmod((box.dir() / "deploy.sh").c_str(), 0755);
}

// Every call of calls.log; fails when a step starts while a call of it runs.
std::string overlaps(const std::string& log) {
  std::map<std::string, int> open;
  std::istringstream in(log);
  for (std::string word, step, rest; in >> word >> step && std::getline(in, rest);) {
    if (word == "start" && open[step]++ > 0) return "two calls of " + step + " at once:\n" + log;
    if (word == "end") --open[step];
  }
  return "";
}

int killDuringSlowCall(const Sandbox& box, const std::string& seconds) {
  int runner = box.start({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()},
                         {{"SLOW_STEP", "wave1/lab-east/le-a/b1"}, {"SLOW_S", seconds}});
  for (int i = 0; i < 400 && !std::filesystem::exists(box.dir() / "slow.pid"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  kill(runner, SIGKILL);
  Sandbox::wait(runner, 10);
  return std::stoi(box.read("slow.pid"));
}

TEST(LeftoverCall, ResumeWaitsForTheDeadRunnersCallBeforeRunningTheStepAgain) {
  Sandbox box;
  loggingDeploy(box);
  killDuringSlowCall(box, "2");  // within the plan's 3s timeout
  ProcessResult resumed = box.piperun({"resume", "--state", box.db(), "--quiet"});
  EXPECT_EQ(resumed.exitCode, 0) << resumed.out << resumed.err;
  EXPECT_TRUE(has(resumed.err, "the deploy call of wave1/lab-east/le-a/b1 (process group ")) << resumed.err;
  EXPECT_TRUE(has(resumed.err, "still runs: waiting for it to end (at most ")) << resumed.err;
  EXPECT_TRUE(has(resumed.err, "the leftover deploy call of wave1/lab-east/le-a/b1 ended after")) << resumed.err;
  std::string log = box.read("calls.log");
  EXPECT_EQ(overlaps(log), "");
  EXPECT_TRUE(has(log, "end wave1/lab-east/le-a/b1\nstart wave1/lab-east/le-a/b1\n")) << log;
  ProcessResult journal = box.piperun({"log", "--state", box.db()});
  EXPECT_TRUE(has(journal.out, "the leftover deploy call of wave1/lab-east/le-a/b1 ended after")) << journal.out;
}

TEST(LeftoverCall, ResumeStopsALeftoverCallPastItsTimeout) {
  Sandbox box;
  loggingDeploy(box);
  int call = killDuringSlowCall(box, "60");
  ProcessResult resumed = box.piperun({"resume", "--state", box.db(), "--quiet"}, {}, 60);
  EXPECT_EQ(resumed.exitCode, 0) << resumed.out << resumed.err;
  EXPECT_TRUE(has(resumed.err,
                  "stopped the leftover deploy call of wave1/lab-east/le-a/b1 (SIGTERM): it ran past its "
                  "timeout of 3s"))
      << resumed.err;
  EXPECT_NE(kill(call, 0), 0);
  std::string log = box.read("calls.log");
  EXPECT_EQ(overlaps(log), "");
  EXPECT_TRUE(has(log, "end wave1/lab-east/le-a/b1 (stopped)\nstart wave1/lab-east/le-a/b1\n")) << log;
  EXPECT_EQ(box.read("hosts/le-a-h2"), "v2\n");
}

// The gated start (fork + execve) says why a command cannot run, as posix_spawnp did.
TEST(LeftoverCall, GatedStartSaysWhyACommandCannotRun) {
  Sandbox box;
  chmod((box.dir() / "deploy.sh").c_str(), 0644);
  ProcessResult run =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()});
  EXPECT_EQ(run.exitCode, 1) << run.out << run.err;
  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_TRUE(has(log.out, "cannot start: cannot run ./deploy.sh: Permission denied")) << log.out;
}

TEST(ProcessIdentity, AGroupIsTheCallsOnlyWithTheRecordedStartTime) {
  pid_t child = fork();
  if (child == 0) {
    setpgid(0, 0);
    pause();
    _exit(0);
  }
  setpgid(child, child);
  auto ticks = pipelang::runtime::processStartTicks(child);
  ASSERT_TRUE(ticks.has_value());
  EXPECT_TRUE(pipelang::runtime::callGroupAlive(child, *ticks));
  EXPECT_FALSE(pipelang::runtime::callGroupAlive(child, *ticks + 1)) << "a recycled pid is not the call";
  kill(child, SIGKILL);
  for (int i = 0; i < 100 && pipelang::runtime::callGroupAlive(child, *ticks); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(pipelang::runtime::callGroupAlive(child, *ticks)) << "a zombie is not running";
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(pipelang::runtime::callGroupAlive(child, *ticks));
}

// A command's name in /proc/PID/stat may hold spaces and parentheses (here
// "x) 1 2 (y"): the start time is field 22 counted after the last ')', the
// same number `ps -o lstart` is made from.
TEST(ProcessIdentity, TheStartTimeIsReadPastANameWithSpacesAndParentheses) {
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_NAME, "x) 1 2 (y");
    setpgid(0, 0);
    pause();
    _exit(0);
  }
  setpgid(child, child);
  std::string expected;
  for (int i = 0; i < 100; ++i) {  // the child names itself just after the fork
    std::ifstream in("/proc/" + std::to_string(child) + "/stat");
    std::string line;
    std::getline(in, line);
    if (line.find("(x) 1 2 (y)") == std::string::npos) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    std::istringstream fields(line.substr(line.rfind(')') + 1));
    for (int field = 3; field <= 22; ++field) fields >> expected;
    break;
  }
  ASSERT_FALSE(expected.empty()) << "the child never took its name";
  auto ticks = pipelang::runtime::processStartTicks(child);
  ASSERT_TRUE(ticks.has_value());
  EXPECT_EQ(std::to_string(*ticks), expected);
  EXPECT_TRUE(pipelang::runtime::callGroupAlive(child, *ticks));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(pipelang::runtime::processStartTicks(child).has_value()) << "a reaped process has no start time";
}

}  // namespace
