// The analysis on a case computed by hand (see PlanFixtures.h for the pipeline):
//
// Monday 09:00 UTC. gamma (r1, 2 zones of 4 batches of 5m): 09:40; test 20m:
// 10:00; bake 1h: 11:00. wave1 starts at once: one-box 5m + 1h bake: 12:05;
// a1 (hosts 2-10, 3 batches): 12:20; a2 (4 batches): 12:40; the 12h bake
// starts outside 09:00-12:00, so it doubles: Tuesday 12:40. wave2 cannot
// start until the window opens on Wednesday 09:00; one-box: 10:05; b1 (3
// batches): 10:20; b2, b3 (4 each): 11:00; bake 4h (started inside): 15:00.
// Time to global = 54h = 194400 s; business days 2.25.
// Recovery: 3 x 1m to detect + 4 batches (floor(10 x 33%) = 3 hosts) x 2m = 11m.
#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanBounds.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanExplain.h"
#include "tests/compiler/PlanFixtures.h"

#include <gtest/gtest.h>

#include <chrono>

using namespace pipelang;
using namespace pipelang::plan;

namespace {

int64_t hours(int64_t h, int64_t m = 0) {
  return h * 3600 + m * 60;
}

double exposureOf(const PlanLayout& plan, const Analysis& analysis, const std::string& id) {
  for (const StepExposure& entry : analysis.exposure)
    if (stepId(plan, plan.steps[entry.step]) == id) return entry.globalTraffic;
  ADD_FAILURE() << "no exposure for " << id;
  return -1;
}

// The fixture with a third region r3 (68% of traffic, one zone c1 of 10 hosts):
// the topology's traffic adds up to 100%.
void addThirdRegion(plantest::TwoWaveFixture& f) {
  f.topology.regions.push_back({"r3", 0.68, 10, {"c1"}, {}});
  f.pipeline.topology = &f.topology;
}

}  // namespace

TEST(PlanAnalysis, TimeToGlobalWaitsOvernightAndDoublesOffHoursBakes) {
  plantest::TwoWaveFixture f;
  PlanLayout plan = buildPlan(f.pipeline);
  Analysis analysis = analyzePlan(plan);
  ASSERT_EQ(analysis.schedule.size(), 3u);
  EXPECT_EQ(analysis.schedule[0].startS, 0);
  EXPECT_EQ(analysis.schedule[0].endS, hours(2));
  EXPECT_EQ(analysis.schedule[1].startS, hours(2));
  EXPECT_EQ(analysis.schedule[1].endS, hours(24 + 3, 40));  // Tuesday 12:40
  EXPECT_EQ(analysis.schedule[2].startS, hours(48));        // Wednesday 09:00
  EXPECT_TRUE(analysis.stageWaitedForWindow[2]);
  EXPECT_FALSE(analysis.stageWaitedForWindow[1]);
  EXPECT_EQ(analysis.schedule[2].endS, hours(48 + 6));
  EXPECT_EQ(analysis.timeToGlobalS, hours(54));
  EXPECT_DOUBLE_EQ(analysis.timeToGlobalBusinessDays, 2.25);
}

TEST(PlanAnalysis, RecoveryIsDetectionPlusRollbackBatches) {
  plantest::TwoWaveFixture f;
  Analysis analysis = analyzePlan(buildPlan(f.pipeline));
  EXPECT_EQ(analysis.detectionS, 180);
  EXPECT_EQ(analysis.rollbackBatches, 4);
  EXPECT_EQ(analysis.rollbackS, 480);
  EXPECT_EQ(analysis.worstRecoveryS, 660);  // the spec's example: 11 minutes
  EXPECT_EQ(batchesFor(10, 0.33), 4);
  EXPECT_EQ(batchesFor(100, 0.33), 4);  // 33, 33, 33, 1
  EXPECT_EQ(batchesFor(2, 0.33), 2);
  EXPECT_EQ(batchesFor(10, 1.0), 1);
}

TEST(PlanAnalysis, DetectionFollowsReferencesToTheSlowestCondition) {
  plantest::TwoWaveFixture f;
  model::AlarmExpr slow;
  slow.op = model::AlarmExpr::Op::Cond;
  slow.metric = "fault_rate";
  slow.m = 5;
  slow.n = 5;
  slow.periodMs = 120'000;
  f.pipeline.alarms.push_back({"slow", slow, {}});
  model::AlarmExpr either;
  either.op = model::AlarmExpr::Op::Or;
  either.args.resize(2);
  either.args[0].alarm = "high_faults";
  either.args[1].alarm = "slow";
  f.pipeline.rollbackOn = either;
  EXPECT_EQ(detectionSeconds(f.pipeline), 600);
}

TEST(PlanAnalysis, ExposureGrowsWithEachStep) {
  plantest::TwoWaveFixture f;
  PlanLayout plan = buildPlan(f.pipeline);
  Analysis analysis = analyzePlan(plan);
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave1/r1/onebox"), 0.002);  // 2% x 10%
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave1/r1/a1/b1"), 0.004);   // 4 of 20 hosts
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave1/r1/a2/b4"), 0.02);
  EXPECT_DOUBLE_EQ(analysis.maxExposureBeforeWave2, 0.02);
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave2/r2/onebox"), 0.05);  // 2% + 30% x 10%
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave2/r2/b3/b4"), 0.32);
}

TEST(PlanBounds, S218AndS219WhenOverThePolicy) {
  plantest::TwoWaveFixture f;
  DiagnosticSink sink;
  checkPlanBounds(f.pipeline, sink);
  EXPECT_EQ(sink.diagnostics().size(), 0u);
  f.policy.maxTimeToGlobal->value = 2LL * 86400 * 1000;
  f.policy.maxRecovery->value = 10LL * 60 * 1000;
  checkPlanBounds(f.pipeline, sink);
  ASSERT_EQ(sink.diagnostics().size(), 2u);
  EXPECT_EQ(sink.diagnostics()[0].code, DiagCode::S218);
  EXPECT_NE(sink.diagnostics()[0].message.find("2d 6h"), std::string::npos) << sink.diagnostics()[0].message;
  EXPECT_EQ(sink.diagnostics()[1].code, DiagCode::S219);
  EXPECT_NE(sink.diagnostics()[1].message.find("11m"), std::string::npos) << sink.diagnostics()[1].message;
  EXPECT_FALSE(sink.diagnostics()[1].notes.empty());
}

TEST(PlanBounds, NoneTurnsTheChecksOff) {
  plantest::TwoWaveFixture f;
  f.policy.maxTimeToGlobal.reset();
  f.policy.maxRecovery.reset();
  f.pipeline.deploy.rollbackTimeMs = 3600'000;
  DiagnosticSink sink;
  checkPlanBounds(f.pipeline, sink);
  EXPECT_TRUE(sink.diagnostics().empty());
}

// Regions of one wave run in parallel: when r2's one-box is done, r3 may
// already be done in full. The worst case counts it (plan.md, exposure).
TEST(PlanAnalysis, ExposureCountsParallelRegionsOfTheWaveAsAWorstCase) {
  plantest::TwoWaveFixture f;
  addThirdRegion(f);
  f.pipeline.prod->waves[1].regions.value = {"r2", "r3"};
  PlanLayout plan = buildPlan(f.pipeline);
  Analysis analysis = analyzePlan(plan);
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave2/r2/onebox"), 0.73);   // 2% + r3 68% + 30% x 10%
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave2/r3/onebox"), 0.388);  // 2% + r2 30% + 68% x 10%
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave2/r2/b3/b4"), 1.0);
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave2/r3/c1/b3"), 1.0);
  EXPECT_DOUBLE_EQ(analysis.finalExposure, 1.0);
  EXPECT_TRUE(analysis.reachesGlobal);
  EXPECT_TRUE(analysis.regionsInNoWave.empty());
}

// Zones of parallel lanes do not wait for each other: with parallel_zones = 2,
// zone b2 may be done before b1's first batch is.
TEST(PlanAnalysis, ExposureCountsZonesOfOtherLanes) {
  plantest::TwoWaveFixture f;
  f.pipeline.prod->waves[1].parallelZones.value = 2;
  PlanLayout plan = buildPlan(f.pipeline);
  Analysis analysis = analyzePlan(plan);
  // one-box (1) + b1/b1 (3) + all of b2 (10) of 30 hosts: 2% + 30% x 14/30.
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave2/r2/b1/b1"), 0.16);
  EXPECT_DOUBLE_EQ(exposureOf(plan, analysis, "wave2/r2/b3/b4"), 0.32);
}

// Waves that leave r3 out: no time to global, the final exposure, and the
// regions left out, in the analysis, the plan and --explain.
TEST(PlanAnalysis, WavesThatDoNotCoverTheTopologyNeverReachGlobal) {
  plantest::TwoWaveFixture f;
  addThirdRegion(f);
  PlanLayout plan = buildPlan(f.pipeline);
  Analysis analysis = analyzePlan(plan);
  EXPECT_FALSE(analysis.reachesGlobal);
  EXPECT_EQ(analysis.regionsInNoWave, std::vector<std::string>{"r3"});
  EXPECT_DOUBLE_EQ(analysis.trafficInNoWave, 0.68);
  EXPECT_DOUBLE_EQ(analysis.finalExposure, 0.32);

  llvm::json::Value json = buildPlanJson(f.pipeline);
  const llvm::json::Object* a = json.getAsObject()->getObject("analysis");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->get("time_to_global_s")->kind(), llvm::json::Value::Null);
  EXPECT_EQ(a->get("time_to_global_business_days")->kind(), llvm::json::Value::Null);
  EXPECT_EQ(a->getNumber("final_exposure"), 0.32);
  std::string text = explainPlan(json);
  EXPECT_NE(text.find("Svc: never reaches global: r3 (68%) in no wave; final exposure 32%"), std::string::npos) << text;

  // A policy bound on time to global has nothing to bound (S209 names the regions).
  f.policy.maxTimeToGlobal->value = 1000;
  DiagnosticSink sink;
  checkPlanBounds(f.pipeline, sink);
  for (const Diagnostic& d : sink.diagnostics()) EXPECT_NE(d.code, DiagCode::S218) << d.message;
}

TEST(PlanAnalysis, WavesThatCoverTheTopologyReachGlobalAtFullExposure) {
  plantest::TwoWaveFixture f;
  f.topology.regions[1].traffic = 0.98;  // r1 + r2 = 100%
  PlanLayout plan = buildPlan(f.pipeline);
  Analysis analysis = analyzePlan(plan);
  EXPECT_TRUE(analysis.reachesGlobal);
  EXPECT_DOUBLE_EQ(analysis.finalExposure, 1.0);
  EXPECT_DOUBLE_EQ(analysis.exposure.back().globalTraffic, 1.0);
  llvm::json::Value json = buildPlanJson(f.pipeline);
  EXPECT_EQ(json.getAsObject()->getObject("analysis")->getInteger("time_to_global_s"), hours(54));
}

// A walk of centuries (1000 waves of 30-day bakes, ten times longer off
// hours) is counted by weeks, not by days.
TEST(PlanAnalysis, LongWalksAreCountedArithmetically) {
  plantest::TwoWaveFixture f;
  model::Wave wave = f.pipeline.prod->waves[1];
  wave.bakeMs.value = 30LL * 86400 * 1000;
  f.pipeline.windows->offHoursBake = 10;
  for (int n = 3; n <= 1000; ++n) {
    wave.number = n;
    f.pipeline.prod->waves.push_back(wave);
  }
  auto start = std::chrono::steady_clock::now();
  Analysis analysis = analyzePlan(buildPlan(f.pipeline));
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsed, 5.0);
  double days = static_cast<double>(analysis.timeToGlobalS) / 86400;
  EXPECT_GT(days, 30.0 * 998);
  EXPECT_NEAR(analysis.timeToGlobalBusinessDays, days * 5 / 7, 3.0);
}
