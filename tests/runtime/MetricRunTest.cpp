// Metrics, timeouts and waits with the real piperun binary: a `command()` metric
// printing NaN, Prometheus answers that are not data (non-200 with a success
// body, hanging) from a loopback server, slow but healthy answers, and `status`
// after the runner died.
#include "ProcessHarness.h"
#include "runtime/journal/Journal.h"
#include "tests/live/LoopbackHttpServer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <thread>

using namespace pipelang::runtime::testing;

namespace {

const char* kHealthy =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.001"]}]}})";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

long secondsSince(std::chrono::steady_clock::time_point begin) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - begin).count();
}

ProcessResult runPrometheusPlan(const Sandbox& box, const std::string& url,
                                const std::map<std::string, std::string>& env = {}) {
  return box.piperun(
      {"run", box.plan("prometheus"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--prometheus", url},
      env, 60);
}

TEST(BlindDataRun, CommandMetricPrintingNaNIsRolledBackNotDeployed) {
  Sandbox box;
  box.write("fault_rate", "NaN\n");
  ProcessResult run =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()});
  EXPECT_EQ(run.exitCode, 3) << run.out << run.err;
  EXPECT_TRUE(contains(run.out, "failed reading: fault_rate at host le-a-h1: not a finite number: 'NaN'")) << run.out;
  EXPECT_TRUE(contains(run.out, "ALARM high_faults: fault_rate: metrics source failing for 3 periods at")) << run.out;
  EXPECT_TRUE(contains(run.out, "outcome: rolled_back v2 at wave1/lab-east/onebox (high_faults)")) << run.out;
  EXPECT_EQ(box.read("hosts/le-a-h1"), "v1\n");
  EXPECT_EQ(box.read("hosts/le-a-h2"), "");  // never promoted past the one-box
  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_TRUE(contains(log.out, "failed reading (not a finite number: 'NaN')")) << log.out;
}

TEST(BlindDataRun, PrometheusNon200WithASuccessBodyIsNoData) {
  for (int status : {404, 302}) {
    Sandbox box;
    LoopbackHttpServer lying([status](const std::string&) { return std::pair<int, std::string>{status, kHealthy}; });
    ProcessResult run = runPrometheusPlan(box, lying.url());
    EXPECT_EQ(run.exitCode, 3) << status << run.out << run.err;
    EXPECT_TRUE(contains(
        run.out, "failed reading: fault_rate at host le-a-h1: prometheus answered HTTP " + std::to_string(status)))
        << run.out;
    EXPECT_TRUE(contains(run.out, "(high_faults)")) << run.out;
  }
}

TEST(BlindDataRun, HangingPrometheusIsAnAlarmInAboutThreePeriods) {
  Sandbox box;
  LoopbackHttpServer hanging([](const std::string&) { return std::pair<int, std::string>{200, kHealthy}; });
  hanging.setDelayMs(-1);
  auto begin = std::chrono::steady_clock::now();
  ProcessResult run = runPrometheusPlan(box, hanging.url());
  EXPECT_EQ(run.exitCode, 3) << run.out << run.err;
  EXPECT_TRUE(contains(run.out, "prometheus did not answer within 1000ms (timeout)")) << run.out;
  EXPECT_TRUE(contains(run.out, "metrics source failing for 3 periods")) << run.out;
  // Periods of 1 s: 3 failing periods, the rollback call, and slack for a busy machine.
  EXPECT_LE(secondsSince(begin), 9) << run.out;
}

// Answers take 0.6 s (less than the 1 s period): a healthy deploy whose calls
// take 1.5 s of their 3 s timeout. A deadline taken before the reads would
// kill them.
TEST(DeadlineRun, SlowButHealthyMetricsNeverFailADeploy) {
  Sandbox box;
  LoopbackHttpServer slow([](const std::string&) { return std::pair<int, std::string>{200, kHealthy}; });
  slow.setDelayMs(600);
  ProcessResult run = runPrometheusPlan(box, slow.url(), {{"DEPLOY_SLEEP", "1.5"}});
  EXPECT_EQ(run.exitCode, 0) << run.out << run.err;
  EXPECT_FALSE(contains(run.out, "timed out")) << run.out;
  EXPECT_TRUE(contains(run.out, "outcome: deployed v2")) << run.out;
}

// A run of the crash plan killed after 12 commits: its DB says running and no runner holds it.
void runKilledMidRun(const Sandbox& box) {
  ProcessResult crashed =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--quiet"},
                  {{"PIPERUN_TEST_CRASH_AFTER_COMMITS", "12"}});
  ASSERT_EQ(crashed.signal, SIGKILL) << crashed.out << crashed.err;
}

TEST(WaitRun, StatusAfterTheRunnerDiedSaysSoInsteadOfCountingDown) {
  Sandbox box;
  ASSERT_NO_FATAL_FAILURE(runKilledMidRun(box));
  ProcessResult status = box.piperun({"status", "--state", box.db()});
  EXPECT_EQ(status.exitCode, 0) << status.err;
  EXPECT_TRUE(contains(status.out, "runner: none: no live runner holds the DB; run `piperun resume`")) << status.out;
  llvm::json::Value json = box.status();
  EXPECT_EQ(json.getAsObject()->getString("runner").getValueOr(""),
            "no live runner holds the DB; run `piperun resume`");
  // With a live runner (held in a 30 s deploy call), status says nothing of the kind.
  int runner = box.start({"resume", "--state", box.db(), "--quiet"}, {{"DEPLOY_SLEEP", "30"}});
  box.waitForText("deploy.pid");
  ProcessResult live = box.piperun({"status", "--state", box.db()});
  EXPECT_FALSE(contains(live.out, "no live runner")) << live.out;
  kill(runner, SIGTERM);
  Sandbox::wait(runner, 20);
}

// "live alarms" is one line per scope and condition (its newest breaching
// datapoint, in the metric's unit, and how many there were), not one per datapoint.
TEST(WaitRun, StatusListsEachLiveAlarmOnceWithItsNewestValue) {
  Sandbox box;
  ASSERT_NO_FATAL_FAILURE(runKilledMidRun(box));
  {
    auto journal = pipelang::runtime::Journal::open(box.db(), true);
    ASSERT_TRUE(static_cast<bool>(journal)) << llvm::toString(journal.takeError());
    auto runs = (*journal)->activeRuns();
    ASSERT_EQ(runs.size(), 1u);
    pipelang::runtime::Instant now = std::time(nullptr);
    const char* condition = "fault_rate > 0.05 for 2 of 3 every 1m";
    for (int i = 0; i < 5; ++i)
      (*journal)->evaluation(
          runs[0].id, {now - 300 + 60 * i, "host lw-a-h1", condition, "fault_rate", "q", "", 0.10 + 0.01 * i, true});
    (*journal)->evaluation(runs[0].id, {now - 60, "zone lw-a", condition, "fault_rate", "q", "", 0.07, true});
    (*journal)->evaluation(runs[0].id, {now - 30, "zone lw-a", condition, "fault_rate", "q", "", 0.01, false});
  }
  ProcessResult status = box.piperun({"status", "--state", box.db()});
  EXPECT_EQ(status.exitCode, 0) << status.err;
  auto at = status.out.find("live alarms (last 10 minutes):\n");
  ASSERT_NE(at, std::string::npos) << status.out;
  std::string lines = status.out.substr(at);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 3) << lines;
  EXPECT_TRUE(contains(lines, "  zone lw-a  fault_rate > 0.05 for 2 of 3 every 1m  value 7.00%\n")) << lines;
  EXPECT_TRUE(contains(lines, "  host lw-a-h1  fault_rate > 0.05 for 2 of 3 every 1m  value 14.00% (5 datapoints)\n"))
      << lines;
  llvm::json::Value json = box.status();
  const llvm::json::Array* alarms = json.getAsObject()->getArray("alarms");
  ASSERT_TRUE(alarms);
  ASSERT_EQ(alarms->size(), 2u);
  EXPECT_EQ((*alarms)[1].getAsObject()->getString("scope").getValueOr(""), "host lw-a-h1");
  EXPECT_EQ((*alarms)[1].getAsObject()->getInteger("datapoints").getValueOr(0), 5);
}

TEST(WaitRun, StatusSaysAStepWaitsForApproval) {
  Sandbox box;
  ProcessResult run = box.piperun(
      {"run", box.plan("approval"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--until-blocked"});
  EXPECT_EQ(run.exitCode, 4) << run.out << run.err;
  ProcessResult status = box.piperun({"status", "--state", box.db()});
  EXPECT_TRUE(contains(status.out, "wave2/approval waiting for approval (piperun approve --by WHO)")) << status.out;
}

TEST(WaitRun, SimulateWithZeroTrafficEndsBlockedAtOnce) {
  Sandbox box;
  box.write("zero.json", R"({"start": "2026-11-23T09:00:00", "version": "v2", "previous": "v1", "batch_time": "5m",
    "baseline": {"fault_rate": 0.001, "latency_p99": 0.12, "requests": 0}})");
  auto begin = std::chrono::steady_clock::now();
  ProcessResult sim = box.piperun({"simulate", box.plan("quiet"), "--scenario", (box.dir() / "zero.json").string()});
  EXPECT_EQ(sim.exitCode, 4) << sim.out << sim.err;
  EXPECT_TRUE(contains(sim.out, "outcome: blocked at wave1/bake (min_traffic)")) << sim.out;
  EXPECT_TRUE(contains(sim.out, "could not proceed for 30d")) << sim.out;
  EXPECT_TRUE(contains(sim.out, "bake extended: requests over the bake is 0 (needs >= 50000)")) << sim.out;
  EXPECT_LE(secondsSince(begin), 3);
}

}  // namespace
