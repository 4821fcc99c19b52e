// kill -9 at many points of a real `piperun run` (the journal stops the process
// after N commits), then `piperun resume`: nothing recorded done is redone, the
// run ends as it would have, and the DB and the hosts agree on every version.
#include "ProcessHarness.h"

#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <set>
#include <thread>

using namespace pipelang::runtime::testing;

namespace {

const std::vector<std::string> kHosts = {"le-a-h1", "le-a-h2", "le-a-h3", "le-b-h1", "le-b-h2",
                                         "le-b-h3", "lw-a-h1", "lw-a-h2", "lw-a-h3"};

std::map<std::string, std::string> stepStates(const llvm::json::Value& status) {
  std::map<std::string, std::string> out;
  if (const auto* steps = status.getAsObject()->getArray("steps"))
    for (const auto& s : *steps)
      out[s.getAsObject()->getString("id")->str()] = s.getAsObject()->getString("state")->str();
  return out;
}

// Every host: the DB's version, and nothing left "moving".
std::map<std::string, std::string> dbVersions(const llvm::json::Value& status) {
  std::map<std::string, std::string> out;
  for (const auto& h : *status.getAsObject()->getArray("hosts")) {
    const auto* o = h.getAsObject();
    std::string version = o->getString("version")->str();
    if (o->get("moving_to")->kind() != llvm::json::Value::Null) version += " -> " + o->getString("moving_to")->str();
    out[o->getString("host")->str()] = version;
  }
  return out;
}

struct CrashOutcome {
  std::string failure;  // empty when every check held
  bool killed = false;  // the Nth commit came before the end of the run
};

CrashOutcome crashThenResume(int commits, bool faulty) {
  Sandbox box;
  auto fail = [&](const std::string& what) {
    return CrashOutcome{"after " + std::to_string(commits) + " commits: " + what};
  };
  if (faulty) box.write("fault_rate", "0.05\n");  // every scope breaches: the first stage rolls back
  ProcessResult crashed =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--quiet"},
                  {{"PIPERUN_TEST_CRASH_AFTER_COMMITS", std::to_string(commits)}}, 60);
  int expected = faulty ? 3 : 0;
  if (crashed.signal == 0) {
    // The run ended before the Nth commit: nothing to resume.
    if (crashed.exitCode != expected)
      return fail("uninterrupted run exited " + std::to_string(crashed.exitCode) + ": " + crashed.out + crashed.err +
                  box.piperun({"log", "--state", box.db()}).out);
  } else if (crashed.signal != SIGKILL) {
    return fail("died of signal " + std::to_string(crashed.signal) + ": " + crashed.err);
  }
  size_t logBefore = box.deployLog().size();
  std::map<std::string, std::string> before =
      crashed.signal ? stepStates(box.status()) : std::map<std::string, std::string>{};

  if (crashed.signal && !box.status().getAsObject()->get("run")) {
    // Killed before the run was recorded: nothing is in flight, the user submits again.
    ProcessResult resumed = box.piperun({"resume", "--state", box.db()});
    if (resumed.exitCode != 0 || resumed.out.find("nothing in flight") == std::string::npos)
      return fail("resume of an unrecorded run: " + resumed.out + resumed.err);
    ProcessResult again =
        box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--quiet"});
    if (again.exitCode != expected) return fail("second submission exited " + std::to_string(again.exitCode));
  } else if (crashed.signal) {
    ProcessResult resumed = box.piperun({"resume", "--state", box.db(), "--quiet"}, {}, 60);
    // Killed after the run's last commit, before it exited: the run is over, nothing to resume.
    bool alreadyOver =
        resumed.exitCode == 0 && resumed.out.find(std::string("nothing in flight (last run: v2 ") +
                                                  (faulty ? "rolled_back" : "deployed") + ")") != std::string::npos;
    if (resumed.exitCode != expected && !alreadyOver)
      return fail("resume exited " + std::to_string(resumed.exitCode) + ": " + resumed.out + resumed.err);
  }
  llvm::json::Value after = box.status();
  std::string want = faulty ? "v1" : "v2";
  auto versions = dbVersions(after);
  for (const auto& host : kHosts) {
    if (versions[host] != want) return fail("DB says " + host + " runs '" + versions[host] + "', want " + want);
    std::string file = box.read("hosts/" + host);
    if (!file.empty() && file != want + "\n") return fail(host + " actually runs " + file);
    if (file.empty() && !faulty) return fail(host + " was never deployed");
  }
  // Nothing recorded done before the crash was deployed again by the resume.
  std::vector<std::string> log = box.deployLog();
  for (size_t i = logBefore; i < log.size(); ++i) {
    std::string step = log[i].substr(0, log[i].rfind(' '));
    step = step.substr(step.rfind(' ') + 1);
    if (log[i].rfind("deploy ", 0) == 0 && before.count(step) && before[step] == "done")
      return fail("resume redid " + step + " which the journal had recorded done");
  }
  std::map<std::string, int> calls;
  for (const auto& line : log)
    if (line.rfind("deploy ", 0) == 0) ++calls[line];
  for (const auto& [line, count] : calls)
    if (count > 2) return fail("deployed " + std::to_string(count) + " times: " + line);
  return {"", crashed.signal == SIGKILL};
}

void crashAtManyPoints(bool faulty, const std::vector<int>& points) {
  std::vector<std::future<CrashOutcome>> runs;
  for (int commits : points) runs.push_back(std::async(std::launch::async, crashThenResume, commits, faulty));
  size_t killed = 0;
  for (auto& run : runs) {
    CrashOutcome outcome = run.get();
    EXPECT_EQ(outcome.failure, "");
    killed += outcome.killed;
  }
  EXPECT_GE(killed, points.size() * 3 / 4) << "most points must land inside the run";
}

TEST(CrashResume, KilledAnywhereDuringADeployResumesToDeployed) {
  crashAtManyPoints(false, {1, 2, 4, 7, 11, 16, 22, 29, 37, 46, 56, 67, 80, 95});
}

TEST(CrashResume, KilledAnywhereDuringARollbackResumesToRolledBack) {
  crashAtManyPoints(true, {3, 6, 9, 12, 15, 18, 22, 27, 33});
}

TEST(CrashResume, KilledDuringABakeContinuesWithTheTimeLeft) {
  Sandbox box;
  int runner =
      box.start({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--quiet"});
  bool baking = false;
  for (int i = 0; i < 400 && !baking; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (!std::filesystem::exists(box.db())) continue;
    baking = stepStates(box.status())["wave1/bake"] == "started";
  }
  ASSERT_TRUE(baking);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  kill(runner, SIGKILL);  // a real kill -9, from outside
  Sandbox::wait(runner, 10);
  ProcessResult resumed = box.piperun({"resume", "--state", box.db()});
  EXPECT_EQ(resumed.exitCode, 0) << resumed.out << resumed.err;
  // The 3s bake had run about a second: it continues with what was left, not from zero.
  EXPECT_TRUE(resumed.out.find("bake resumed after restart: 2s of 3s left") != std::string::npos ||
              resumed.out.find("bake resumed after restart: 1s of 3s left") != std::string::npos)
      << resumed.out;
  EXPECT_EQ(dbVersions(box.status())["lw-a-h3"], "v2");
}

TEST(RunCommand, ExecDeployFailureRollsBackTheStage) {
  Sandbox box;
  box.write("fail-step", "wave1/lab-east/le-a/b2");
  ProcessResult run =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()});
  EXPECT_EQ(run.exitCode, 3) << run.out << run.err;
  EXPECT_NE(run.out.find("deploy_failed"), std::string::npos) << run.out;
  for (const auto& host : {"le-a-h1", "le-a-h2", "le-a-h3"}) EXPECT_EQ(box.read(std::string("hosts/") + host), "v1\n");
  // wave2 never started: its hosts were never touched.
  EXPECT_EQ(box.read("hosts/lw-a-h1"), "");
  // The log keeps the failing command's stderr.
  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_NE(log.out.find("simulated failure of wave1/lab-east/le-a/b2"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("rolled back (deploy_failed)"), std::string::npos) << log.out;
  // The failed version was not promoted: the known-good one is still the one given as --previous.
  EXPECT_EQ(box.status().getAsObject()->getString("known_good").getValueOr(""), "v1");
}

TEST(RunCommand, CommandMetricAlarmRollsBackAndLogSaysWhy) {
  Sandbox box;
  box.write("fault_rate", "0.05\n");
  ProcessResult run =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()});
  EXPECT_EQ(run.exitCode, 3) << run.out << run.err;
  EXPECT_NE(run.out.find("ALARM high_faults: fault_rate = 5.00% > 1.00% in 2 of last 2 at host le-a-h1"),
            std::string::npos)
      << run.out;
  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_NE(log.out.find("query: ./metric.sh fault_rate"), std::string::npos) << log.out;
}

TEST(RunCommand, DeployTimeoutKillsTheProcessGroup) {
  Sandbox box;
  auto begin = std::chrono::steady_clock::now();
  ProcessResult run = box.piperun(
      {"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()}, {{"DEPLOY_SLEEP", "30"}});
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(run.exitCode, 3) << run.out << run.err;
  EXPECT_NE(run.out.find("timed out after 3s"), std::string::npos) << run.out;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(took).count(), 15);
  // The killed call never reached its log line; the rollback call did.
  for (const auto& line : box.deployLog()) EXPECT_EQ(line.rfind("rollback ", 0), 0u) << line;
}

// A parent that ignores SIGCHLD (the kernel would reap every call before
// piperun reads its status: each call "exit 255", the run failed) or blocks
// SIGTERM (a run nobody could stop) does not decide how piperun's runs end.
TEST(RunCommand, ACarelessParentsSignalsChangeNothing) {
  Sandbox box;
  box.carelessParent = true;
  ProcessResult run =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()});
  EXPECT_EQ(run.exitCode, 0) << run.out << run.err;

  Sandbox stopped;
  stopped.carelessParent = true;
  int runner = stopped.start(
      {"run", stopped.plan("crash"), "--version", "v2", "--previous", "v1", "--state", stopped.db(), "--quiet"},
      {{"DEPLOY_SLEEP", "30"}});
  ASSERT_FALSE(stopped.waitForText("deploy.pid").empty()) << "the deploy call never started";
  kill(runner, SIGTERM);
  ProcessResult result = Sandbox::wait(runner, 20);
  EXPECT_EQ(result.signal, SIGTERM) << result.out << result.err;
}

TEST(RunCommand, StoppedBySigtermStopsItsDeployCallAndResumes) {
  Sandbox box;
  int runner =
      box.start({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--quiet"},
                {{"DEPLOY_SLEEP", "30"}});
  std::string pid = box.waitForText("deploy.pid");
  ASSERT_FALSE(pid.empty()) << "the deploy call never started";
  pid_t deploy = std::stoi(pid);
  kill(runner, SIGTERM);
  ProcessResult stopped = Sandbox::wait(runner, 20);
  EXPECT_EQ(stopped.signal, SIGTERM) << stopped.out << stopped.err;
  // The deploy call was stopped with piperun, not left running on its own.
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = kill(deploy, 0) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone) << "deploy call " << deploy << " outlived piperun";
  // The journal is as after a kill: resume re-runs the interrupted step and finishes.
  ProcessResult resumed = box.piperun({"resume", "--state", box.db()});
  EXPECT_EQ(resumed.exitCode, 0) << resumed.out << resumed.err;
  EXPECT_EQ(dbVersions(box.status())["lw-a-h3"], "v2");
}

// A canary step moves a share of a region's traffic, not hosts: a rollback
// during the canary must move that traffic back, not only the one-box host.
TEST(RunCommand, RollbackDuringACanaryShiftsTheTrafficBack) {
  Sandbox box;
  int runner = box.start({"run", box.plan("canary"), "--version", "v2", "--previous", "v1", "--state", box.db()});
  std::string shifted;
  for (int i = 0; i < 600 && shifted.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    shifted = box.read("traffic/lab-east");
  }
  ASSERT_EQ(shifted, "v2 0.1\n") << "the first canary step never shifted traffic";
  box.write("fault_rate", "0.05\n");  // v2 turns bad once it takes canary traffic
  ProcessResult run = Sandbox::wait(runner, 60);
  EXPECT_EQ(run.exitCode, 3) << run.out << run.err;
  EXPECT_EQ(box.read("traffic/lab-east"), "v1 1\n");
  EXPECT_EQ(box.read("hosts/le-a-h1"), "v1\n");
  EXPECT_NE(run.out.find("all of lab-east's traffic back on v1"), std::string::npos) << run.out;
  bool logged = false;
  for (const auto& line : box.deployLog())
    logged = logged || line.rfind("rollback v1 v2 rollback/lab-east/traffic", 0) == 0;
  EXPECT_TRUE(logged);
}

TEST(RunCommand, PlanValuesCannotInjectCommands) {
  Sandbox box;
  std::string evil = "v2;touch${IFS}pwned$(touch pwned2)";
  ProcessResult run =
      box.piperun({"run", box.plan("crash"), "--version", evil, "--previous", "v1", "--state", box.db(), "--quiet"});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(box.read("hosts/le-a-h1"), evil + "\n");
  EXPECT_FALSE(std::filesystem::exists(box.dir() / "pwned"));
  EXPECT_FALSE(std::filesystem::exists(box.dir() / "pwned2"));
}

TEST(RunCommand, SecondRunnerOnAHeldDbExitsOne) {
  Sandbox box;
  int first =
      box.start({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--quiet"},
                {{"DEPLOY_SLEEP", "0.3"}});
  // Wait until the first runner holds the lock and has started deploying.
  for (int i = 0; i < 200 && box.deployLog().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ProcessResult second = box.piperun({"resume", "--state", box.db()});
  EXPECT_EQ(second.exitCode, 1);
  EXPECT_NE(second.err.find("held by another live piperun (pid " + std::to_string(first) + ")"), std::string::npos)
      << second.err;
  // A different version submitted meanwhile is queued, then deployed after v2.
  ProcessResult queued = box.piperun({"run", box.plan("crash"), "--version", "v3", "--state", box.db()});
  EXPECT_EQ(queued.exitCode, 1);
  EXPECT_NE(queued.err.find("v3 is queued and will start after v2 ends"), std::string::npos) << queued.err;
  ProcessResult done = Sandbox::wait(first, 90);
  EXPECT_EQ(done.exitCode, 0) << done.out << done.err;
  EXPECT_EQ(box.read("hosts/lw-a-h3"), "v3\n");  // the queued version followed
  EXPECT_EQ(box.status().getAsObject()->getString("known_good").getValueOr(""), "v3");
}

TEST(RunCommand, DbFromAnotherPlanIsRefused) {
  Sandbox box;
  ProcessResult first =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--quiet"});
  ASSERT_EQ(first.exitCode, 0) << first.err;
  // (--prometheus: a plan whose metrics have no provider is refused before any DB is looked at.)
  ProcessResult other = box.piperun(
      {"run", box.plan("global"), "--version", "v3", "--prometheus", "http://127.0.0.1:9", "--state", box.db()});
  EXPECT_EQ(other.exitCode, 1);
  EXPECT_NE(other.err.find("state DB was written for plan sha256:"), std::string::npos) << other.err;
}

TEST(RunCommand, UsageErrorsExitTwo) {
  Sandbox box;
  EXPECT_EQ(box.piperun({"run", box.plan("crash")}).exitCode, 2);                                    // no --version
  EXPECT_EQ(box.piperun({"run", box.plan("crash"), "--version", "v2", "--emergency"}).exitCode, 2);  // no --reason
  EXPECT_EQ(box.piperun({"override", "--blocker", "window"}).exitCode, 2);
  EXPECT_EQ(box.piperun({"bogus"}).exitCode, 2);
  ProcessResult help = box.piperun({"run", "--help"});
  EXPECT_NE(help.out.find("--version"), std::string::npos);
  EXPECT_EQ(help.out.find("--print-all-options"), std::string::npos);  // LLVM's own options stay hidden
}

}  // namespace
