// Several versions in flight in one simulation (docs/runtime.md "Several
// versions in flight"): the service's pipelining rules on the virtual clock,
// with exact per-version timelines, outcomes and times to global; the
// scenario reader's errors for `versions`; the exit status through the real
// binary; and the simulated throughput of a plan whose first wave is the
// bottleneck.
#include "ProcessHarness.h"

#include "runtime/plan/PlanReader.h"
#include "runtime/sim/VersionFlow.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace pipelang::runtime;

namespace {

constexpr std::int64_t kMinute = 60, kHour = 3600, kDay = 86400;

Plan readPlan(const std::string& name) {
  auto read = readPlanFile(std::string(PIPE_RUNTIME_FIXTURES "/plans/") + name + ".plan.json");
  if (!read) throw std::runtime_error(llvm::toString(read.takeError()));
  return std::move(*read);
}

VersionFlowReport flow(const Plan& plan, const std::string& scenarioName) {
  auto scenario = readScenarioFile(std::string(PIPE_RUNTIME_FIXTURES "/scenarios/") + scenarioName + ".json", plan);
  if (!scenario) throw std::runtime_error(llvm::toString(scenario.takeError()));
  auto report = simulateVersions(plan, *scenario);
  if (!report) throw std::runtime_error(llvm::toString(report.takeError()));
  return std::move(*report);
}

// Each stage a version entered: {stage, start, end (-1: not done)} in seconds after the scenario's start.
struct Span {
  std::string stage;
  std::int64_t from, to;
  bool operator==(const Span& o) const { return stage == o.stage && from == o.from && to == o.to; }
};
std::ostream& operator<<(std::ostream& out, const Span& s) {
  return out << s.stage << " " << s.from << ".." << s.to;
}
std::vector<Span> spans(const VersionFlowReport& report, size_t version) {
  std::vector<Span> out;
  for (const auto& stage : report.versions.at(version).stages)
    out.push_back({stage.stage, stage.startedAt - report.start, stage.doneAt ? *stage.doneAt - report.start : -1});
  return out;
}

std::int64_t timeToGlobal(const VersionOutcome& v) {
  return v.finishedAt - v.submittedAt;
}

// The first event of a version of that type (and stage); null when none.
const EngineEvent* eventOf(const VersionFlowReport& report, size_t version, const std::string& type,
                           const std::string& stage = "") {
  for (const auto& e : report.events)
    if (e.version == version && e.event.type == type && (stage.empty() || e.event.stage == stage)) return &e.event;
  return nullptr;
}

// The good v2 of the global plan, alone or with others behind it: the same days.
const std::vector<Span> kGoodV2 = {{"gamma", 0, 1 * kHour + 45 * kMinute},
                                   {"wave1", 1 * kHour + 45 * kMinute, 17 * kHour + 25 * kMinute},
                                   {"wave2", 24 * kHour, 30 * kHour + 5 * kMinute},
                                   {"wave3", 30 * kHour + 5 * kMinute, 36 * kHour + 5 * kMinute},
                                   {"wave4", 48 * kHour, 52 * kHour},
                                   {"wave5", 52 * kHour, 56 * kHour}};

TEST(VersionFlow, TwoVersionsTheLaterBadOneIsRolledBackInGammaWhileTheFirstGoesOnToGlobal) {
  Plan plan = readPlan("global");
  VersionFlowReport report = flow(plan, "two-versions");
  ASSERT_EQ(report.versions.size(), 2u);
  const VersionOutcome& v2 = report.versions[0];
  const VersionOutcome& v3 = report.versions[1];
  EXPECT_EQ(v2.outcome, "deployed");
  EXPECT_EQ(spans(report, 0), kGoodV2);
  EXPECT_EQ(timeToGlobal(v2), 56 * kHour);

  // v2 left gamma at 10:45, so v3 (submitted 12:00) enters it at once and is caught at its one-box.
  EXPECT_EQ(v3.outcome, "rolled_back");
  EXPECT_EQ(v3.previous, "v1");
  EXPECT_EQ(v3.submittedAt - report.start, 3 * kHour);
  EXPECT_EQ(spans(report, 1), (std::vector<Span>{{"gamma", 3 * kHour, -1}}));
  ASSERT_TRUE(v3.result);
  EXPECT_EQ(v3.result->step, "gamma/us-west-2/onebox");
  EXPECT_EQ(v3.result->trigger, "high_faults");
  EXPECT_EQ(v3.finishedAt - report.start, 3 * kHour + 9 * kMinute);
  // Its one-box host goes back to what it ran before v3: v2, which had passed gamma.
  const EngineEvent* rollback = eventOf(report, 1, "rollback_started");
  ASSERT_TRUE(rollback);
  EXPECT_NE(rollback->message.find("rolling back 1 host to v2 because high_faults"), std::string::npos)
      << rollback->message;
  EXPECT_EQ(worstOutcome(report), Outcome::RolledBack);
}

TEST(VersionFlow, ThreeVersionsTheBadMiddleOneIsRolledBackAndTheThirdTakesGammaThenWaitsForTheFirst) {
  Plan plan = readPlan("global");
  VersionFlowReport report = flow(plan, "three-versions");
  ASSERT_EQ(report.versions.size(), 3u);
  EXPECT_EQ(report.versions[0].outcome, "deployed");
  EXPECT_EQ(spans(report, 0), kGoodV2);

  // v3 (10:00) waits for v2 to pass gamma (10:45), enters it, fails at its one-box.
  const EngineEvent* waits = eventOf(report, 1, "stage_waiting", "gamma");
  ASSERT_TRUE(waits);
  EXPECT_EQ(waits->t - report.start, 1 * kHour);
  EXPECT_EQ(waits->message, "waiting for v2 to pass gamma first (one version per stage, in order)");
  EXPECT_EQ(report.versions[1].outcome, "rolled_back");
  EXPECT_EQ(spans(report, 1), (std::vector<Span>{{"gamma", 1 * kHour + 45 * kMinute, -1}}));
  EXPECT_EQ(report.versions[1].finishedAt - report.start, 1 * kHour + 54 * kMinute);

  // v4 (11:00): gamma is free, it had entered no stage when... it was submitted after v3 entered
  // gamma, so nothing is superseded; it then waits for v2 to pass wave1 and for Tuesday's window.
  const VersionOutcome& v4 = report.versions[2];
  EXPECT_EQ(v4.outcome, "deployed");
  EXPECT_EQ(v4.previous, "v1");
  const EngineEvent* behind = eventOf(report, 2, "stage_waiting", "wave1");
  ASSERT_TRUE(behind);
  EXPECT_EQ(behind->t - report.start, 3 * kHour + 45 * kMinute);
  EXPECT_EQ(behind->message, "waiting for v2 to pass wave1 first (one version per stage, in order)");
  EXPECT_EQ(spans(report, 2), (std::vector<Span>{{"gamma", 2 * kHour, 3 * kHour + 45 * kMinute},
                                                 {"wave1", 24 * kHour, 39 * kHour + 40 * kMinute},
                                                 {"wave2", 48 * kHour, 54 * kHour + 5 * kMinute},
                                                 {"wave3", 54 * kHour + 5 * kMinute, 60 * kHour + 5 * kMinute},
                                                 {"wave4", 72 * kHour, 76 * kHour},
                                                 {"wave5", 76 * kHour, 80 * kHour}}));
  EXPECT_EQ(timeToGlobal(v4), 78 * kHour);
  EXPECT_EQ(worstOutcome(report), Outcome::RolledBack);
}

TEST(VersionFlow, ANewSubmissionSupersedesTheVersionStillWaitingForItsFirstStage) {
  Plan plan = readPlan("global");  // no execution_mode: superseded
  VersionFlowReport report = flow(plan, "superseded-versions");
  ASSERT_EQ(report.versions.size(), 3u);
  EXPECT_EQ(spans(report, 0), kGoodV2);
  const VersionOutcome& v3 = report.versions[1];
  EXPECT_EQ(v3.outcome, "superseded");
  EXPECT_EQ(v3.supersededBy, "v4");
  EXPECT_EQ(v3.finishedAt - report.start, 1 * kHour);
  EXPECT_TRUE(v3.stages.empty());
  const VersionOutcome& v4 = report.versions[2];
  EXPECT_EQ(v4.outcome, "deployed");
  EXPECT_EQ(spans(report, 2).front(), (Span{"gamma", 1 * kHour + 45 * kMinute, 3 * kHour + 30 * kMinute}));
  EXPECT_EQ(timeToGlobal(v4), 79 * kHour);
  EXPECT_EQ(worstOutcome(report), Outcome::Deployed);
  std::string text = versionFlowText(report);
  EXPECT_NE(text.find("outcome: 3 versions submitted: 2 deployed, 1 superseded\n"), std::string::npos) << text;
  EXPECT_NE(text.find("version v3 (submitted Mon 2026-11-23 09:30, previous v1): superseded by v4 at Mon "
                      "2026-11-23 10:00 before it entered its first stage\n"),
            std::string::npos)
      << text;
}

TEST(VersionFlow, QueuedModeRunsEveryVersionInOrderAndNoneOvertakes) {
  Plan plan = readPlan("global");
  plan.executionMode = "queued";
  VersionFlowReport report = flow(plan, "superseded-versions");
  ASSERT_EQ(report.versions.size(), 3u);
  for (const auto& v : report.versions) EXPECT_EQ(v.outcome, "deployed") << v.version;
  // Each stage holds one version at a time, in submission order.
  for (size_t later = 1; later < 3; ++later) {
    auto before = spans(report, later - 1), after = spans(report, later);
    ASSERT_EQ(before.size(), after.size());
    for (size_t s = 0; s < after.size(); ++s) EXPECT_GE(after[s].from, before[s].to) << after[s];
  }
  EXPECT_EQ(spans(report, 1).front(), (Span{"gamma", 1 * kHour + 45 * kMinute, 3 * kHour + 30 * kMinute}));
  EXPECT_EQ(spans(report, 2).front(), (Span{"gamma", 3 * kHour + 30 * kMinute, 5 * kHour + 15 * kMinute}));
}

VersionFlowReport flowOf(const Plan& plan, const std::string& text) {
  auto scenario = parseScenario(text, plan);
  if (!scenario) throw std::runtime_error(llvm::toString(scenario.takeError()));
  auto report = simulateVersions(plan, *scenario);
  if (!report) throw std::runtime_error(llvm::toString(report.takeError()));
  return std::move(*report);
}

// An entry's faults and deploy failures are that version's only: v2, then in
// wave1's us-west-1 (and through gamma's b1 before), is untouched by them.
TEST(VersionFlow, AVersionsOwnFaultsAndDeployFailuresHitOnlyTheHostsAndStepsOfThatVersion) {
  Plan plan = readPlan("global");
  const std::string head =
      "{\"start\": \"2026-11-23T09:00:00\", \"batch_time\": \"5m\", "
      "\"baseline\": {\"fault_rate\": 0.001, \"latency_p99\": 0.12, \"requests\": 600}, \"versions\": "
      "[{\"version\": \"v2\", \"at\": \"+0h\"}, {\"version\": \"v3\", \"at\": \"+3h\", ";
  VersionFlowReport faulty = flowOf(
      plan,
      head + "\"faults\": [{\"metric\": \"fault_rate\", \"value\": 0.08, \"from\": \"+3h\", \"to\": \"+4h\"}]}]}");
  EXPECT_EQ(spans(faulty, 0), kGoodV2);
  EXPECT_EQ(faulty.versions[0].outcome, "deployed");
  EXPECT_EQ(faulty.versions[1].outcome, "rolled_back");
  EXPECT_EQ(faulty.versions[1].result->trigger, "high_faults");
  EXPECT_EQ(faulty.versions[1].finishedAt - faulty.start, 3 * kHour + 9 * kMinute);

  VersionFlowReport failing = flowOf(plan, head + "\"deploy_failures\": [\"gamma/us-west-2/usw2-az1/b1\"]}]}");
  EXPECT_EQ(spans(failing, 0), kGoodV2);
  EXPECT_EQ(failing.versions[1].outcome, "rolled_back");
  EXPECT_EQ(failing.versions[1].result->step, "gamma/us-west-2/usw2-az1/b1");
  EXPECT_EQ(failing.versions[1].result->trigger, "deploy_failed");
}

TEST(VersionFlow, TheTextReportGivesEachVersionItsStagesOutcomeAndTimeToGlobal) {
  Plan plan = readPlan("global");
  std::string text = versionFlowText(flow(plan, "two-versions"));
  EXPECT_NE(text.find("Mon 2026-11-23 12:00  v3  gamma                                 started: window allow core, "
                      "no blocker firing\n"),
            std::string::npos)
      << text;
  std::string tail = text.substr(text.find("outcome: "));
  EXPECT_EQ(tail,
            "outcome: 2 versions submitted: 1 deployed, 1 rolled back\n"
            "version v2 (submitted Mon 2026-11-23 09:00, previous v1): deployed everywhere; time to global 2d8h "
            "(waiting included)\n"
            "  gamma  Mon 2026-11-23 09:00 to Mon 2026-11-23 10:45\n"
            "  wave1  Mon 2026-11-23 10:45 to Tue 2026-11-24 02:25\n"
            "  wave2  Tue 2026-11-24 09:00 to Tue 2026-11-24 15:05\n"
            "  wave3  Tue 2026-11-24 15:05 to Tue 2026-11-24 21:05\n"
            "  wave4  Wed 2026-11-25 09:00 to Wed 2026-11-25 13:00\n"
            "  wave5  Wed 2026-11-25 13:00 to Wed 2026-11-25 17:00\n"
            "version v3 (submitted Mon 2026-11-23 12:00, previous v1): rolled back at gamma/us-west-2/onebox "
            "(high_faults) 9m after its submission; detected in 2m, recovered in 4m; max global exposure 0.00%\n"
            "  gamma  Mon 2026-11-23 12:00 to (not done)\n");
}

TEST(VersionFlow, TheJsonReportGivesEachVersionItsOutcomeStagesAndTimeToGlobal) {
  Plan plan = readPlan("global");
  llvm::json::Value json = versionFlowJson(flow(plan, "two-versions"));
  const auto* root = json.getAsObject();
  ASSERT_TRUE(root);
  EXPECT_EQ(root->getString("outcome"), llvm::Optional<llvm::StringRef>("rolled_back"));
  EXPECT_EQ(root->getInteger("elapsed_s"), llvm::Optional<int64_t>(56 * kHour));
  const auto* versions = root->getArray("versions");
  ASSERT_TRUE(versions && versions->size() == 2);
  const auto* v2 = (*versions)[0].getAsObject();
  EXPECT_EQ(v2->getString("outcome"), llvm::Optional<llvm::StringRef>("deployed"));
  EXPECT_EQ(v2->getInteger("time_to_global_s"), llvm::Optional<int64_t>(56 * kHour));
  EXPECT_EQ(v2->getArray("stages")->size(), 6u);
  const auto* wave2 = (*v2->getArray("stages"))[2].getAsObject();
  EXPECT_EQ(wave2->getString("started_at"), llvm::Optional<llvm::StringRef>("2026-11-24T09:00:00"));
  EXPECT_EQ(wave2->getInteger("done_s"), llvm::Optional<int64_t>(30 * kHour + 5 * kMinute));
  const auto* v3 = (*versions)[1].getAsObject();
  EXPECT_EQ(v3->getString("outcome"), llvm::Optional<llvm::StringRef>("rolled_back"));
  EXPECT_EQ(v3->getString("step"), llvm::Optional<llvm::StringRef>("gamma/us-west-2/onebox"));
  EXPECT_EQ(v3->getString("trigger"), llvm::Optional<llvm::StringRef>("high_faults"));
  EXPECT_EQ(v3->getInteger("submitted_s"), llvm::Optional<int64_t>(3 * kHour));
  EXPECT_TRUE(v3->get("time_to_global_s")->getAsNull());
  EXPECT_TRUE((*(*v3->getArray("stages"))[0].getAsObject()).get("done_s")->getAsNull());
  const auto* first = (*root->getArray("events"))[0].getAsObject();
  EXPECT_EQ(first->getString("version"), llvm::Optional<llvm::StringRef>("v2"));
}

// A plan whose bottleneck is its first wave: one-box (5m deploy, 1h bake), one
// batch (5m), then a 24h bake: a version holds wave1 for 25h10m, and wave2
// takes 2h10m. Versions submitted every 6h (faster than the bottleneck), queued:
// once the pipeline is full one reaches global every 25h10m, never sooner, so
// the weekly capacity is 7d / 25h10m = 6.68 versions, what the static
// analysis should call the bottleneck's occupancy.
TEST(VersionFlow, VersionsSubmittedFasterThanTheBottleneckReachGlobalAtItsCapacityAndNeverFaster) {
  Plan plan = readPlan("throughput");
  ASSERT_EQ(plan.executionMode, "queued");
  VersionFlowReport report = flow(plan, "throughput-versions");
  ASSERT_EQ(report.versions.size(), 8u);
  constexpr std::int64_t occupancy = 25 * kHour + 10 * kMinute;  // wave1, by hand
  std::vector<Instant> deployed;
  for (const auto& v : report.versions) {
    EXPECT_EQ(v.outcome, "deployed") << v.version;
    deployed.push_back(v.finishedAt);
    EXPECT_EQ(v.stages.at(0).doneAt.value_or(0) - v.stages.at(0).startedAt, occupancy) << v.version;
  }
  EXPECT_EQ(deployed.front() - report.start, occupancy + 2 * kHour + 10 * kMinute);
  for (size_t i = 1; i < deployed.size(); ++i) EXPECT_EQ(deployed[i] - deployed[i - 1], occupancy) << i;
  double perWeek =
      7.0 * kDay * static_cast<double>(deployed.size() - 1) / static_cast<double>(deployed.back() - deployed.front());
  EXPECT_DOUBLE_EQ(perWeek, 7.0 * kDay / occupancy);  // 6.68
  // In any week that starts with a version reaching global: never more than the capacity allows.
  for (size_t i = 0; i < deployed.size(); ++i) {
    size_t inWeek = 0;
    for (size_t j = i; j < deployed.size(); ++j) inWeek += deployed[j] - deployed[i] < 7 * kDay;
    EXPECT_LE(inWeek, static_cast<size_t>(7 * kDay / occupancy) + 1);
  }
}

// The static figures (pipec's analysis.throughput, docs/plan.md "Throughput")
// and the simulated ones agree: on the plan pipec wrote for the golden test
// `plan/throughput-no-windows` (bottleneck wave1, 12.7 versions a week,
// rounded down to 0.1), versions submitted every hour (far faster than the
// bottleneck) reach global exactly one bottleneck occupancy apart, so the
// simulated weekly count reaches the static capacity and never exceeds it by
// more than its rounding.
TEST(VersionFlow, SimulatedVersionsAWeekAgreeWithThePlansStaticThroughput) {
  auto read =
      readPlanFile(std::string(PIPE_RUNTIME_FIXTURES) + "/../golden/plan/throughput-no-windows.Unwindowed.plan.json");
  ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
  const Plan& plan = *read;
  ASSERT_TRUE(plan.analysis && plan.analysis->throughput);
  const auto& statics = *plan.analysis->throughput;
  ASSERT_TRUE(statics.versionsPerWeek.has_value());
  std::int64_t bottleneck = 0;
  for (const auto& stage : statics.occupancy)
    if (stage.stage == statics.bottleneck) bottleneck = stage.occupancyS;
  ASSERT_GT(bottleneck, 0);

  std::string versions;
  for (int i = 0; i < 60; ++i)
    versions += fmt::format("{}{{\"version\": \"v{}\", \"at\": \"+{}h\"}}", i ? ", " : "", i + 2, i);
  auto scenario = parseScenario(
      "{\"start\": \"2026-11-23T09:00:00\", \"previous\": \"v1\", \"baseline\": "
      "{\"faults\": 0}, \"versions\": [" +
          versions + "]}",
      plan);
  ASSERT_TRUE(bool(scenario)) << llvm::toString(scenario.takeError());
  auto report = simulateVersions(plan, *scenario);
  ASSERT_TRUE(bool(report)) << llvm::toString(report.takeError());
  std::vector<Instant> deployed;
  for (const auto& v : report->versions)
    if (v.outcome == "deployed") deployed.push_back(v.finishedAt);
  ASSERT_GE(deployed.size(), 3u);
  for (size_t i = 1; i < deployed.size(); ++i) EXPECT_EQ(deployed[i] - deployed[i - 1], bottleneck) << i;
  double simulated = 7.0 * kDay / static_cast<double>(bottleneck);
  EXPECT_GE(simulated, *statics.versionsPerWeek);
  EXPECT_LT(simulated, *statics.versionsPerWeek + 0.1);
  // In any week starting when a version reaches global, at most the capacity (rounded up) more do.
  for (size_t i = 0; i < deployed.size(); ++i) {
    size_t inWeek = 0;
    for (size_t j = i; j < deployed.size(); ++j) inWeek += deployed[j] - deployed[i] < 7 * kDay;
    EXPECT_LE(static_cast<double>(inWeek), std::ceil(*statics.versionsPerWeek) + 1);
  }
}

llvm::Error readError(const std::string& text) {
  static const Plan plan = readPlan("global");
  auto scenario = parseScenario(text, plan);
  if (scenario) return llvm::Error::success();
  return scenario.takeError();
}

std::string errorOf(const std::string& versions, const std::string& extra = "") {
  llvm::Error error = readError("{\"start\": \"2026-11-23T09:00:00\", " + extra + "\"versions\": " + versions + "}");
  return error ? llvm::toString(std::move(error)) : "(no error)";
}

TEST(VersionFlow, ScenarioErrorsForVersionsNameTheEntryAndTheField) {
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"soon\"}]"),
            "scenario: versions[0]: 'at': bad offset 'soon' (expected e.g. +0h, +3h or +1h30m after start)");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": 3}]"),
            "scenario: versions[0]: 'at': bad offset (not a string) (expected e.g. +0h, +3h or +1h30m after start)");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\"}]"),
            "scenario: versions[0]: 'at' is missing: when the version is submitted, e.g. \"+3h\" after start");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+0h\"}, {\"version\": \"v3\", \"at\": \"+1h\"}, "
                    "{\"version\": \"v2\", \"at\": \"+2h\"}]"),
            "scenario: versions[2]: v2 is listed twice (versions[0] and versions[2]); a version is submitted once");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+3h\"}, {\"version\": \"v3\", \"at\": \"+1h\"}]"),
            "scenario: versions[1]: v3 at 1h is listed after v2 at 3h: list versions in the order they are submitted");
  EXPECT_EQ(errorOf("[{\"version\": \"v1\", \"at\": \"+0h\"}]"),
            "scenario: versions[0]: v1 is the previous version, which the fleet runs already");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+0h\", \"new_verison\": {}}]"),
            "scenario: versions[0]: unknown field 'new_verison' (known: version, at, new_version, faults, "
            "deploy_failures, emergency, overrides, approvals, rollbacks)");
  EXPECT_EQ(errorOf("[{\"version\": \"\", \"at\": \"+0h\"}]"),
            "scenario: versions[0]: 'version' must be a string of 1 to 128 characters without control characters");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+400d\"}]"),
            "scenario: versions[0]: 'at': +400d is more than 365 days after start");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+99999999999999999999h\"}]"),
            "scenario: versions[0]: 'at': bad offset '+99999999999999999999h' (expected e.g. +0h, +3h or +1h30m "
            "after start)");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+0h\", \"new_version\": {\"fault_rat\": 0.05}}]"),
            "scenario: versions[0]: new_version names metric 'fault_rat' that the plan does not have");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+0h\", \"deploy_failures\": [\"nope\"]}]"),
            "scenario: versions[0]: deploy_failures names unknown step 'nope'");
  EXPECT_EQ(errorOf("[]"), "scenario: 'versions' is empty: list at least one version, or leave 'versions' out");
  EXPECT_EQ(errorOf("{}"),
            "scenario: 'versions' must be a list of objects such as {\"version\": \"v2\", \"at\": \"+0h\"}");
  EXPECT_EQ(errorOf("[\"v2\"]"),
            "scenario: versions[0]: not an object (expected {\"version\": \"v2\", \"at\": \"+0h\"})");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+0h\"}]", "\"version\": \"v2\", "),
            "scenario: 'version' and 'versions' together: with 'versions', each entry carries its own 'version'");
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+0h\"}]", "\"approvals\": [], "),
            "scenario: 'approvals' and 'versions' together: with 'versions', each entry carries its own 'approvals'");
  // Equal times are allowed: submitted in the order listed.
  EXPECT_EQ(errorOf("[{\"version\": \"v2\", \"at\": \"+0h\"}, {\"version\": \"v3\", \"at\": \"+0h\"}]"), "(no error)");
}

// Offsets and durations anywhere in a scenario: a number too long for the
// clock is a bad offset with the field's name, never an internal error.
TEST(VersionFlow, OffsetsTooLongForTheClockAreBadOffsetsNotInternalErrors) {
  auto error = [](const std::string& text) {
    llvm::Error e = readError(text);
    return e ? llvm::toString(std::move(e)) : "(no error)";
  };
  EXPECT_EQ(error("{\"faults\": [{\"metric\": \"fault_rate\", \"from\": \"+99999999999999999999h\"}]}"),
            "scenario: 'from': bad offset '+99999999999999999999h' (expected e.g. +26h or +1h30m)");
  EXPECT_EQ(error("{\"external_alarms\": [{\"name\": \"x\", \"to\": \"+999999999d999999999d\"}]}"),
            "scenario: 'to': bad offset '+999999999d999999999d' (expected e.g. +26h or +1h30m)");
  EXPECT_EQ(error("{\"batch_time\": \"9999999999999999999999s\"}"),
            "scenario: 'batch_time': bad duration '9999999999999999999999s'");
  EXPECT_EQ(error("{\"faults\": [{\"metric\": \"fault_rate\", \"from\": \"+99999999h\"}]}"), "(no error)");
}

TEST(VersionFlow, PiperunSimulateExitsWithTheWorstOutcomeAndSaysWhyABadScenarioIsRefused) {
  pipelang::runtime::testing::Sandbox box;
  auto bad = box.piperun({"simulate", box.plan("global"), "--scenario",
                          std::string(PIPE_RUNTIME_FIXTURES "/scenarios/two-versions.json")});
  EXPECT_EQ(bad.exitCode, 3) << bad.err;
  EXPECT_NE(bad.out.find("outcome: 2 versions submitted: 1 deployed, 1 rolled back\n"), std::string::npos);
  auto good =
      box.piperun({"simulate", box.plan("global"), "--scenario",
                   std::string(PIPE_RUNTIME_FIXTURES "/scenarios/superseded-versions.json"), "--format", "json"});
  EXPECT_EQ(good.exitCode, 0) << good.err;
  auto parsed = llvm::json::parse(good.out);
  ASSERT_TRUE(bool(parsed)) << good.out;
  EXPECT_EQ(parsed->getAsObject()->getString("outcome"), llvm::Optional<llvm::StringRef>("deployed"));
  // A bad entry: exit 1, one sentence naming the file, the entry and the field; nothing simulated.
  box.write("late.json",
            "{\"versions\": [{\"version\": \"v2\", \"at\": \"+3h\"}, "
            "{\"version\": \"v3\", \"at\": \"+1h\"}]}");
  auto refused = box.piperun({"simulate", box.plan("global"), "--scenario", (box.dir() / "late.json").string()});
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_NE(refused.err.find("late.json: scenario: versions[1]: v3 at 1h is listed after v2 at 3h: list versions in "
                             "the order they are submitted\n"),
            std::string::npos)
      << refused.err;
}

}  // namespace
