// plan::analyzeTimes (S218/S219's figures without building the plan's steps)
// against analyzePlan(buildPlan(p)) on every pipeline of examples/ and
// tests/golden/, and on hand-made shapes that stress each branch of the
// layout: parallel zones, zone bakes, canaries, empty zones, off-hours bakes,
// stages that wait for their window. And plan::timesKey: equal for inputs
// that cannot change the figures, different for each one that can.
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanTimes.h"
#include "compiler/sema/Model.h"
#include "tests/compiler/PlanFixtures.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace pipelang;
using namespace pipelang::plan;

namespace {

void expectSameTimes(const model::Pipeline& pipeline, const std::string& where) {
  SCOPED_TRACE(where + ": " + pipeline.name);
  Analysis full = analyzePlan(buildPlan(pipeline));
  Analysis fast = analyzeTimes(pipeline);
  EXPECT_EQ(fast.referenceStart, full.referenceStart);
  EXPECT_EQ(fast.reachesGlobal, full.reachesGlobal);
  EXPECT_EQ(fast.timeToGlobalS, full.timeToGlobalS);
  EXPECT_EQ(fast.timeToGlobalBusinessDays, full.timeToGlobalBusinessDays);
  ASSERT_EQ(fast.schedule.size(), full.schedule.size());
  for (size_t i = 0; i < full.schedule.size(); ++i) {
    EXPECT_EQ(fast.schedule[i].stage, full.schedule[i].stage);
    EXPECT_EQ(fast.schedule[i].startS, full.schedule[i].startS) << "stage " << i;
    EXPECT_EQ(fast.schedule[i].endS, full.schedule[i].endS) << "stage " << i;
  }
  EXPECT_EQ(fast.stageWaitedForWindow, full.stageWaitedForWindow);
  EXPECT_EQ(fast.regionsInNoWave, full.regionsInNoWave);
  EXPECT_EQ(fast.trafficInNoWave, full.trafficInNoWave);
  EXPECT_EQ(fast.detectionS, full.detectionS);
  EXPECT_EQ(fast.rollbackS, full.rollbackS);
  EXPECT_EQ(fast.worstRecoveryS, full.worstRecoveryS);
  EXPECT_EQ(fast.rollbackBatches, full.rollbackBatches);
  EXPECT_EQ(fast.rollbackZone, full.rollbackZone);
}

size_t compareAll(const std::vector<fs::path>& inputs, const std::string& where) {
  FrontendOptions options;
  options.inputs = inputs;
  options.root = PIPE_SOURCE_DIR;
  options.upto = Phase::Check;
  auto compilation = Frontend::run(options);
  if (!compilation->program) return 0;
  for (const model::Pipeline* pipeline : compilation->program->pipelines) expectSameTimes(*pipeline, where);
  return compilation->program->pipelines.size();
}

}  // namespace

TEST(PlanTimes, EqualTheFullAnalysisOnEveryExampleAndGoldenPipeline) {
  fs::path root = PIPE_SOURCE_DIR;
  size_t pipelines = compareAll({root / "examples/services", root / "examples/templates"}, "examples");
  for (const fs::path& folder : {root / "examples/unsafe", root / "tests/golden"})
    for (const auto& entry : fs::recursive_directory_iterator(folder))
      if (entry.path().extension() == ".pipe")
        pipelines += compareAll({entry.path()}, fs::relative(entry.path(), root).string());
  EXPECT_GE(pipelines, 40u);
}

TEST(PlanTimes, EqualTheFullAnalysisOnEveryLayoutBranch) {
  plantest::TwoWaveFixture f;
  expectSameTimes(f.pipeline, "fixture");

  model::Wave& wave2 = f.pipeline.prod->waves[1];
  wave2.parallelZones.value = 2;
  expectSameTimes(f.pipeline, "two zones at a time");
  wave2.zoneBakeMs.value = 50 * 60'000;
  expectSameTimes(f.pipeline, "zone bakes, some off hours");
  wave2.parallelZones.value = 5;
  expectSameTimes(f.pipeline, "more lanes than zones");
  wave2.onebox.reset();
  expectSameTimes(f.pipeline, "no one-box");

  model::Canary canary;
  canary.steps.value = {0.05, 0.25, 0.5};
  canary.bakeMs.value = 30 * 60'000;
  f.pipeline.prod->waves[0].canary = canary;
  expectSameTimes(f.pipeline, "canary");
  f.pipeline.prod->waves[0].canary->steps.value.clear();
  expectSameTimes(f.pipeline, "canary without steps");

  f.pipeline.hostsPerZone = 1;
  expectSameTimes(f.pipeline, "one host per zone");
  f.pipeline.hostsPerZone = 0;
  expectSameTimes(f.pipeline, "empty zones");
  f.pipeline.hostsPerZone = 37;
  f.pipeline.policy = nullptr;
  expectSameTimes(f.pipeline, "no policy: whole-zone batches");

  f.pipeline.stages[0].regions.value.clear();
  f.pipeline.stages[0].tests.push_back({"smoke", "smoke.sh", 45 * 60'000, {}});
  model::Onebox onebox;
  onebox.bakeMs.value = 20 * 60'000;
  f.pipeline.stages[0].onebox = onebox;
  expectSameTimes(f.pipeline, "pre-production in the first wave's regions, two tests, a one-box");

  f.topology.regions.push_back({"r3", 0.68, 10, {"c1"}, {}});
  expectSameTimes(f.pipeline, "a region in no wave");
  f.pipeline.prod->waves[1].regions.value = {"r2", "r3", "r2"};
  expectSameTimes(f.pipeline, "a region named twice");

  f.pipeline.windows->deny.push_back({"friday", std::vector<int>{4}, std::nullopt, std::nullopt, {}});
  f.pipeline.windows->timezone = "America/New_York";
  expectSameTimes(f.pipeline, "a deny and another zone");
  f.pipeline.windows.reset();
  expectSameTimes(f.pipeline, "no windows");
  f.pipeline.prod.reset();
  expectSameTimes(f.pipeline, "no prod");
  f.pipeline.topology = nullptr;
  expectSameTimes(f.pipeline, "no topology");
}

TEST(PlanTimes, KeyIgnoresWhatCannotChangeTheFiguresAndNamesWhatCan) {
  plantest::TwoWaveFixture a, b;
  b.pipeline.name = "Other";
  b.pipeline.artifact = "other";
  b.pipeline.deploy.run = "other.sh";
  b.pipeline.alarms[0].expr.value = 0.05;                 // a threshold: same M x period
  b.pipeline.prod->waves[0].minTraffic->value = 5000;     // a traffic floor
  b.pipeline.prod->waves[0].onebox->traffic.value = 0.2;  // the one-box's share of traffic
  b.topology = a.topology;
  b.pipeline.topology = a.pipeline.topology;  // the same declaration
  EXPECT_EQ(timesKey(a.pipeline), timesKey(b.pipeline));

  auto differs = [&](const char* what, auto change) {
    plantest::TwoWaveFixture c;
    c.pipeline.topology = a.pipeline.topology;
    change(c.pipeline);
    EXPECT_NE(timesKey(a.pipeline), timesKey(c.pipeline)) << what;
  };
  differs("hosts per zone", [](model::Pipeline& p) { p.hostsPerZone = 11; });
  differs("expected", [](model::Pipeline& p) { p.deploy.expectedMs = 60'000; });
  differs("rollback time", [](model::Pipeline& p) { p.deploy.rollbackTimeMs = 60'000; });
  differs("detection", [](model::Pipeline& p) { p.alarms[0].expr.m = 4; });
  differs("time zone", [](model::Pipeline& p) { p.windows->timezone = "Europe/Paris"; });
  differs("off-hours bake", [](model::Pipeline& p) { p.windows->offHoursBake = 3; });
  differs("allow hours", [](model::Pipeline& p) { p.windows->allow[0].hours->second = 13 * 60; });
  differs("stage name", [](model::Pipeline& p) { p.stages[0].name = "beta"; });
  differs("test timeout", [](model::Pipeline& p) { p.stages[0].tests[0].timeoutMs = 1000; });
  differs("wave bake", [](model::Pipeline& p) { p.prod->waves[1].bakeMs.value = 1000; });
  differs("wave regions", [](model::Pipeline& p) { p.prod->waves[1].regions.value = {"r1"}; });
  differs("rolling batch", [](model::Pipeline& p) { p.prod->waves[1].rolling->batch.value = 0.5; });
  differs("parallel zones", [](model::Pipeline& p) { p.prod->waves[1].parallelZones.value = 2; });
  differs("one-box bake", [](model::Pipeline& p) { p.prod->waves[0].onebox->bakeMs.value = 1000; });
  differs("max batch", [](model::Pipeline& p) { p.policy = nullptr; });
}
