// The engine end to end on the simulator: one scenario file per behaviour a
// user relies on, with exact outcomes, places, triggers and (simulated) times.
#include "runtime/plan/PlanReader.h"
#include "runtime/sim/SimulatedFleet.h"
#include "runtime/sim/Simulation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

using namespace pipelang::runtime;

namespace {

constexpr std::int64_t kMinute = 60, kHour = 3600;

const Plan& globalPlan() {
  static Plan plan = [] {
    auto read = readPlanFile(PIPE_RUNTIME_FIXTURES "/plans/global.plan.json");
    if (!read) throw std::runtime_error(llvm::toString(read.takeError()));
    return std::move(*read);
  }();
  return plan;
}

class Simulated {
 public:
  explicit Simulated(const std::string& name) {
    auto scenario = readScenarioFile(std::string(PIPE_RUNTIME_FIXTURES "/scenarios/") + name + ".json", globalPlan());
    if (!scenario) throw std::runtime_error(llvm::toString(scenario.takeError()));
    auto simulated = simulate(globalPlan(), *scenario);
    if (!simulated) throw std::runtime_error(llvm::toString(simulated.takeError()));
    report = std::move(*simulated);
  }
  const EngineResult& result() const { return report.result; }
  // The first event of a type (and stage/step, when given); null if none.
  const EngineEvent* find(const std::string& type, const std::string& stage = "", const std::string& step = "") const {
    for (const auto& e : report.events)
      if (e.type == type && (stage.empty() || e.stage == stage) && (step.empty() || e.step == step)) return &e;
    return nullptr;
  }
  // Seconds from the scenario's start to that event (-1 when it never happened).
  std::int64_t at(const std::string& type, const std::string& stage = "", const std::string& step = "") const {
    const EngineEvent* e = find(type, stage, step);
    return e ? e->t - report.start : -1;
  }
  std::vector<const EngineEvent*> all(const std::string& type) const {
    std::vector<const EngineEvent*> out;
    for (const auto& e : report.events)
      if (e.type == type) out.push_back(&e);
    return out;
  }
  std::int64_t elapsed() const { return report.result.finishedAt - report.start; }
  SimulationReport report;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Scenario, GoodVersionIsDeployedEverywhere) {
  Simulated sim("good");
  EXPECT_EQ(sim.result().outcome, Outcome::Deployed);
  EXPECT_EQ(sim.result().trigger, "");
  EXPECT_EQ(sim.at("stage_started", "gamma"), 0);
  EXPECT_EQ(sim.at("stage_started", "wave1"), 1 * kHour + 45 * kMinute);
  // wave1 finishes at 02:25 on Tuesday, outside the window: wave2 waits for Tuesday 09:00.
  EXPECT_EQ(sim.at("stage_waiting", "wave2"), 17 * kHour + 25 * kMinute);
  EXPECT_TRUE(contains(sim.find("stage_waiting", "wave2")->message, "window closed"));
  EXPECT_EQ(sim.at("stage_started", "wave2"), 24 * kHour);
  for (const char* stage : {"wave3", "wave4", "wave5"}) EXPECT_GE(sim.at("stage_done", stage), 0) << stage;
  EXPECT_EQ(sim.elapsed(), 56 * kHour);
  EXPECT_NEAR(sim.result().maxGlobalExposure, 1.0, 1e-9);
  EXPECT_TRUE(sim.all("alarm").empty());
  EXPECT_TRUE(contains(timelineText(sim.report), "outcome: deployed v2 everywhere in 2d8h"));
}

TEST(Scenario, BadVersionIsCaughtAtTheGammaOneBox) {
  Simulated sim("bad-version");
  EXPECT_EQ(sim.result().outcome, Outcome::RolledBack);
  EXPECT_EQ(sim.result().stage, "gamma");
  EXPECT_EQ(sim.result().step, "gamma/us-west-2/onebox");
  EXPECT_EQ(sim.result().trigger, "high_faults");
  // Deployed at 09:05, three breaching datapoints at 09:05, 09:06, 09:07.
  EXPECT_EQ(sim.at("alarm"), 7 * kMinute);
  const EngineEvent* alarm = sim.find("alarm");
  EXPECT_TRUE(contains(alarm->message, "fault_rate = 5.00% > 1.00%"));
  EXPECT_TRUE(contains(alarm->message, "gamma host usw2-az1-h1"));  // the one-box scope, not its zone
  EXPECT_EQ(sim.at("rollback_batch", "gamma"), 7 * kMinute + 2 * kMinute);
  EXPECT_EQ(sim.at("stage_started", "wave1"), -1);
  EXPECT_EQ(sim.result().maxGlobalExposure, 0.0);  // never reached production
  EXPECT_EQ(sim.result().detectS, 2 * kMinute);
}

TEST(Scenario, RegionalFaultRollsBackTheWaveHoldingThatRegion) {
  Simulated sim("regional-fault");
  EXPECT_EQ(sim.result().outcome, Outcome::RolledBack);
  EXPECT_EQ(sim.result().stage, "wave2");
  EXPECT_EQ(sim.result().trigger, "high_faults");
  EXPECT_TRUE(contains(sim.result().step, "wave2/us-east-1/"));
  EXPECT_EQ(sim.at("alarm"), 26 * kHour + 2 * kMinute);  // fault from +26h, 3 of 5 every 1m
  EXPECT_TRUE(contains(sim.find("alarm")->message, "8.00%"));
  EXPECT_EQ(sim.at("stage_done", "wave1"), 17 * kHour + 25 * kMinute);  // wave1 passed before and stays
  for (const auto* batch : sim.all("rollback_batch")) EXPECT_TRUE(contains(batch->step, "rollback/us-east-1/"));
  EXPECT_EQ(sim.at("stage_started", "wave3"), -1);
}

TEST(Scenario, DeployFailureRollsBackInBatchesOfAtMostMaxBatch) {
  Simulated sim("deploy-failure");
  EXPECT_EQ(sim.result().outcome, Outcome::RolledBack);
  EXPECT_EQ(sim.result().stage, "wave2");
  EXPECT_EQ(sim.result().step, "wave2/us-east-1/use1-az2/b1");
  EXPECT_EQ(sim.result().trigger, "deploy_failed");
  EXPECT_EQ(sim.at("rollback_started"), 25 * kHour + 30 * kMinute);
  const auto batches = sim.all("rollback_batch");
  ASSERT_FALSE(batches.empty());
  size_t hosts = 0;
  for (const auto* batch : batches) {
    size_t n = std::stoul(batch->message);  // "6 hosts back on v1 (...)"
    EXPECT_LE(n, 6u) << batch->message;     // floor(20 x 0.33): at most a third of a zone at once
    hosts += n;
  }
  EXPECT_EQ(hosts, 26u);  // all of use1-az1 and the failed batch of use1-az2
  // Zones in parallel: use1-az1 needs 4 rollback batches of 2m each.
  EXPECT_EQ(sim.result().recoveryS - sim.result().detectS, 4 * 2 * kMinute);
}

TEST(Scenario, ExternalAlarmDelaysTheStageStartUntilItClears) {
  Simulated sim("external-alarm");
  EXPECT_EQ(sim.result().outcome, Outcome::Deployed);
  EXPECT_EQ(sim.at("stage_waiting", "wave1"), 1 * kHour + 45 * kMinute);
  EXPECT_TRUE(contains(sim.find("stage_waiting", "wave1")->message, "blocker org/large-scale-event firing"));
  EXPECT_EQ(sim.at("stage_started", "wave1"), 5 * kHour);
}

TEST(Scenario, ClosedWindowDelaysTheStartToTheNextAllowedDay) {
  Simulated sim("closed-window");  // Friday 11:00; gamma ends 12:45, after Friday's cutoff
  EXPECT_EQ(sim.at("stage_started", "gamma"), 0);
  EXPECT_EQ(sim.at("stage_waiting", "wave1"), 1 * kHour + 45 * kMinute);
  EXPECT_TRUE(contains(sim.find("stage_waiting", "wave1")->message, "opens Mon 2026-11-30 09:00"));
  EXPECT_EQ(sim.at("stage_started", "wave1"), 70 * kHour);  // Monday 09:00
  EXPECT_EQ(sim.result().outcome, Outcome::Deployed);
}

TEST(Scenario, DenyDatesHoldTheRolloutUntilAfterNewYear) {
  Simulated sim("xmas");  // Wednesday 2026-12-23
  EXPECT_TRUE(contains(sim.find("stage_waiting", "wave2")->message, "deny xmas"));
  EXPECT_EQ(sim.at("stage_started", "wave2"), 12 * 24 * kHour);  // Monday 2027-01-04 09:00
}

TEST(Scenario, OverrideWithAReasonLetsTheStageStart) {
  Simulated sim("override");
  const EngineEvent* override = sim.find("override", "wave1");
  ASSERT_NE(override, nullptr);
  EXPECT_TRUE(contains(override->message, "oncall-alice"));
  EXPECT_TRUE(contains(override->message, "customer escalation"));
  EXPECT_EQ(sim.at("stage_started", "wave1"), 2 * kHour);
  EXPECT_TRUE(contains(sim.find("stage_started", "wave1")->message, "window overridden"));
  // The override is for that stage only: wave2 still waits for its window (Monday 09:00).
  EXPECT_EQ(sim.at("stage_started", "wave2") % (24 * kHour), 22 * kHour);
}

TEST(Scenario, EmergencyShortensBakesButNeverToZeroAndWaitsForApproval) {
  Simulated sim("emergency");
  EXPECT_EQ(sim.at("stage_waiting", "gamma"), 0);
  EXPECT_TRUE(contains(sim.find("stage_waiting", "gamma")->message, "principal-engineers"));
  EXPECT_EQ(sim.at("approval"), 30 * kMinute);
  EXPECT_EQ(sim.at("stage_started", "gamma"), 30 * kMinute);
  auto bakeOf = [&](const std::string& step) {
    const EngineEvent* e = sim.find("bake_started", "", step);
    return e ? e->detail.getInteger("bake_s").getValueOr(-1) : -1;
  };
  EXPECT_EQ(bakeOf("gamma/us-west-2/onebox"), 15 * kMinute);  // 25% of 30m is under the 15m floor
  EXPECT_EQ(bakeOf("gamma/bake"), 15 * kMinute);
  EXPECT_EQ(bakeOf("wave1/bake"), 3 * kHour);  // 25% of 12h
  for (const auto* bake : sim.all("bake_started"))
    EXPECT_GT(bake->detail.getInteger("bake_s").getValueOr(0), 0) << bake->step;
  // Same stages, same one-boxes: every wave ran.
  for (const char* stage : {"gamma", "wave1", "wave2", "wave3", "wave4", "wave5"})
    EXPECT_GE(sim.at("stage_done", stage), 0) << stage;
  EXPECT_EQ(sim.result().outcome, Outcome::Deployed);
}

TEST(Scenario, EmergencyWithoutApprovalNeverStarts) {
  Simulated sim("emergency-unapproved");
  EXPECT_EQ(sim.result().outcome, Outcome::Blocked);
  EXPECT_EQ(sim.result().stage, "gamma");
  EXPECT_EQ(sim.result().trigger, "approval");
  EXPECT_EQ(sim.at("stage_started"), -1);
}

TEST(Scenario, BakeWithTooLittleTrafficIsExtendedNotPassed) {
  Simulated sim("low-traffic");  // us-west-1 serves 60 requests a minute; wave1 needs 50000 over its bake
  std::int64_t started = sim.at("bake_started", "", "wave1/bake");
  ASSERT_GE(started, 0);
  EXPECT_EQ(sim.at("bake_extended", "", "wave1/bake") - started, 12 * kHour);
  EXPECT_TRUE(contains(sim.find("bake_extended", "", "wave1/bake")->message, "needs >= 50000"));
  // 834 one-minute samples of 60 requests: 50040 >= 50000.
  EXPECT_EQ(sim.at("bake_passed", "", "wave1/bake") - started, 834 * kMinute);
  EXPECT_EQ(sim.result().outcome, Outcome::Deployed);
}

TEST(Scenario, JsonReportHasTheDocumentedShape) {
  Simulated sim("bad-version");
  llvm::json::Value json = reportJson(sim.report);
  const auto* o = json.getAsObject();
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->getString("outcome"), llvm::StringRef("rolled_back"));
  EXPECT_EQ(o->getString("stage"), llvm::StringRef("gamma"));
  EXPECT_EQ(o->getString("trigger"), llvm::StringRef("high_faults"));
  EXPECT_EQ(o->getString("started_at"), llvm::StringRef("2026-11-23T09:00:00"));
  EXPECT_EQ(o->getString("finished_at"), llvm::StringRef("2026-11-23T09:09:00"));
  EXPECT_EQ(o->getInteger("elapsed_s").getValueOr(-1), 540);
  ASSERT_NE(o->getArray("events"), nullptr);
  const auto* first = (*o->getArray("events"))[0].getAsObject();
  EXPECT_EQ(first->getInteger("t_s").getValueOr(-1), 0);

  Simulated good("good");
  llvm::json::Value goodJson = reportJson(good.report);
  const auto* deployed = goodJson.getAsObject();
  EXPECT_EQ(deployed->getString("outcome"), llvm::StringRef("deployed"));
  EXPECT_EQ(deployed->get("stage")->kind(), llvm::json::Value::Null);
  EXPECT_EQ(deployed->get("trigger")->kind(), llvm::json::Value::Null);
}

TEST(Scenario, GlobalPipelineSimulatesWellUnderASecond) {
  // CPU time, not wall time: the shared machine's load must not fail the test.
  std::clock_t begin = std::clock();
  Simulated sim("good");
  double cpuMs = 1000.0 * static_cast<double>(std::clock() - begin) / CLOCKS_PER_SEC;
  EXPECT_EQ(sim.result().outcome, Outcome::Deployed);
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(cpuMs, 5000);  // instrumented build
#else
  EXPECT_LT(cpuMs, 1000);
#endif
}

// A metric source with no provider (prometheus in this build) must never look healthy.
TEST(Scenario, MetricsSourceWithoutProviderFailsSafe) {
  auto scenario = readScenarioFile(PIPE_RUNTIME_FIXTURES "/scenarios/good.json", globalPlan());
  ASSERT_TRUE(bool(scenario));
  auto journal = Journal::open(":memory:", false);
  ASSERT_TRUE(bool(journal));
  ASSERT_FALSE(bool((*journal)->bindPlan(globalPlan(), false)));
  VirtualClock clock(scenario->start);
  SimulatedFleet fleet(globalPlan(), *scenario);
  SimulatedDeployer deployer(globalPlan(), *scenario, fleet);
  MetricRouter blind;  // no provider for "prometheus"
  struct Sink : EventSink {
    std::vector<std::string> messages;
    void onEvent(const EngineEvent& e) override { messages.push_back(e.message); }
  } sink;
  EngineOptions options;
  options.giveUpAfterS = 2 * 3600;
  RunRecord run;
  run.version = "v2";
  run.previous = "v1";
  run.status = "queued";
  Engine engine(globalPlan(), **journal, clock, deployer, blind, fleet, sink, options);
  EngineResult result = engine.execute((*journal)->createRun(run));
  EXPECT_EQ(result.outcome, Outcome::Blocked);
  EXPECT_EQ(result.stage, "gamma");
  EXPECT_EQ(result.trigger, "high_faults");
  EXPECT_TRUE(contains(result.message, "metrics source failing"));
  EXPECT_TRUE(contains(result.message, "no provider for metric source 'prometheus'"));
}

}  // namespace

// A config pipeline shifts traffic in canary steps, naming no hosts: a fault
// during a canary rolls back the one-box host and moves the region's
// traffic back to the previous version.
TEST(Scenario, FaultDuringACanaryShiftsTheRegionsTrafficBack) {
  auto plan = readPlanFile(PIPE_RUNTIME_FIXTURES "/plans/canary.plan.json");
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  auto scenario = readScenarioFile(PIPE_RUNTIME_FIXTURES "/scenarios/canary-fault.json", *plan);
  ASSERT_TRUE(bool(scenario)) << llvm::toString(scenario.takeError());
  auto report = simulate(*plan, *scenario);
  ASSERT_TRUE(bool(report)) << llvm::toString(report.takeError());
  EXPECT_EQ(report->result.outcome, Outcome::RolledBack);
  EXPECT_EQ(report->result.step, "wave1/lab-east/canary1");
  EXPECT_EQ(report->result.trigger, "high_faults");
  std::vector<std::string> messages;
  for (const auto& e : report->events)
    if (e.type == "step_done" || e.type == "rollback_started" || e.type == "rollback_batch")
      messages.push_back(e.step + ": " + e.message);
  EXPECT_EQ(messages,
            (std::vector<std::string>{
                "wave1/lab-east/onebox: 1 host on v2",
                "wave1/lab-east/canary1: 10% of lab-east's traffic on v2",
                "wave1/lab-east/canary1: rolling back 1 host and the canary traffic of lab-east to v1 because "
                "high_faults; 1 zone in parallel, at most 34% of a zone at once",
                "rollback/lab-east/le-a/r1: 1 host back on v1 (le-a-h1)",
                "rollback/lab-east/traffic: all of lab-east's traffic back on v1",
            }));
}

// Every field of a scenario is read or refused: a misspelt field, a value of
// the wrong type, a metric, region or zone the plan does not have, a start
// that is not a real time or a fault that ends before it starts would
// otherwise make a scenario that tests nothing and passes.
TEST(Scenario, EveryMistakeInAScenarioIsNamed) {
  auto error = [](const std::string& text) {
    auto scenario = parseScenario(text, globalPlan());
    return scenario ? std::string("(accepted)") : llvm::toString(scenario.takeError());
  };
  const std::string known =
      "(known: start, version, previous, batch_time, baseline, new_version, faults, deploy_failures, "
      "external_alarms, emergency, overrides, approvals, rollbacks, versions)";
  EXPECT_EQ(error(R"({"new_versoin": {"fault_rate": 0.5}})"), "scenario: unknown field 'new_versoin' " + known);
  EXPECT_EQ(error(R"({"new_version": {"fualt_rate": 0.5}})"),
            "scenario: new_version names metric 'fualt_rate' that the plan does not have");
  EXPECT_EQ(error(R"({"new_version": {"fault_rate": "0.5"}})"), "scenario: new_version: 'fault_rate' is not a number");
  EXPECT_EQ(error(R"({"baseline": [0.1]})"),
            "scenario: 'baseline' must be an object of metric values such as {\"fault_rate\": 0.001}");
  EXPECT_EQ(error(R"({"faults": [{"metric": "nosuch", "value": 1}]})"),
            "scenario: faults[0]: 'metric' 'nosuch' is not a metric of the plan");
  EXPECT_EQ(error(R"({"faults": [{"metric": "fault_rate", "value": 1, "region": "mars-1"}]})"),
            "scenario: faults[0]: region 'mars-1' is not a region of the plan");
  EXPECT_EQ(error(R"({"faults": [{"metric": "fault_rate", "value": 1, "zone": "usw1-az9"}]})"),
            "scenario: faults[0]: zone 'usw1-az9' is not a zone of the plan");
  EXPECT_EQ(error(R"({"faults": [{"metric": "fault_rate", "value": "high"}]})"),
            "scenario: faults[0]: 'value' must be a number (the metric's value during the fault)");
  EXPECT_EQ(error(R"({"faults": [{"metric": "fault_rate", "value": 1, "from": "+5h", "to": "+2h"}]})"),
            "scenario: faults[0]: 'to' (2h) is before 'from' (5h)");
  EXPECT_EQ(error(R"({"faults": [{"metric": "fault_rate", "value": 1, "regoin": "us-east-1"}]})"),
            "scenario: faults[0]: unknown field 'regoin' (known: metric, value, region, zone, from, to)");
  EXPECT_EQ(error(R"({"start": "2026-02-30T09:00:00"})"),
            "scenario: 'start': expected a local time YYYY-MM-DDTHH:MM[:SS] that exists, got '2026-02-30T09:00:00'");
  EXPECT_EQ(error(R"({"start": "2026-12-07T25:00:00"})"),
            "scenario: 'start': expected a local time YYYY-MM-DDTHH:MM[:SS] that exists, got '2026-12-07T25:00:00'");
  EXPECT_EQ(error(R"({"start": "2026-12-07T09:00:00junk"})"),
            "scenario: 'start': expected a local time YYYY-MM-DDTHH:MM[:SS] that exists, got "
            "'2026-12-07T09:00:00junk'");
  EXPECT_EQ(error(R"({"version": ""})"), "scenario: 'version' must be 1 to 128 characters without control characters");
  EXPECT_EQ(error(R"({"version": 2})"), "scenario: 'version' must be a string");
  EXPECT_EQ(error(R"({"external_alarms": [{"name": "x", "form": "+1h"}]})"),
            "scenario: external_alarms: unknown field 'form' (known: name, from, to)");
  EXPECT_EQ(error(R"({"overrides": [{"blocker": "window", "reason": "r", "when": "+1h"}]})"),
            "scenario: overrides: unknown field 'when' (known: blocker, all, reason, by, stage, at)");
  EXPECT_EQ(error(R"({"emergency": {"reason": "r", "approved": ["a"]}})"),
            "scenario: emergency: unknown field 'approved' (known: reason, approved_at, approved_by)");
  // What is right still reads: a leap day, a whole-minute start, a fault in a zone.
  EXPECT_EQ(error(R"({"start": "2028-02-29T09:00", "version": "v2", "faults": [{"metric": "fault_rate",
                      "value": 0.2, "region": "us-east-1", "zone": "use1-az2", "from": "+1h", "to": "+2h"}]})"),
            "(accepted)");
}
