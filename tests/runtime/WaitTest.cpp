// Nothing waits silently or forever (docs/runtime.md): every wait says why, in
// the timeline at most every 10 minutes; a simulation that cannot progress for
// 30 simulated days ends `blocked`, naming the stage, step and reason, at once.
#include "runtime/engine/WaitNotice.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/sim/Simulation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

using namespace pipelang::runtime;

namespace {

SimulationReport simulateScenario(const std::string& planName, const std::string& name) {
  auto plan = readPlanFile(std::string(PIPE_RUNTIME_FIXTURES "/plans/") + planName + ".plan.json");
  if (!plan) throw std::runtime_error(llvm::toString(plan.takeError()));
  auto scenario = readScenarioFile(std::string(PIPE_RUNTIME_FIXTURES "/scenarios/") + name + ".json", *plan);
  if (!scenario) throw std::runtime_error(llvm::toString(scenario.takeError()));
  auto report = simulate(*plan, *scenario);
  if (!report) throw std::runtime_error(llvm::toString(report.takeError()));
  return std::move(*report);
}

TEST(Wait, ZeroTrafficEndsBlockedAfterThirtySimulatedDaysInWellUnderASecond) {
  std::clock_t cpuBefore = std::clock();
  // The quiet plan has no alarm on traffic: zero requests only hold wave1's bake.
  SimulationReport report = simulateScenario("quiet", "zero-traffic");
  double cpuMs = 1000.0 * static_cast<double>(std::clock() - cpuBefore) / CLOCKS_PER_SEC;
  const EngineResult& r = report.result;
  EXPECT_EQ(r.outcome, Outcome::Blocked);
  EXPECT_EQ(r.stage, "wave1");
  EXPECT_EQ(r.step, "wave1/bake");
  EXPECT_EQ(r.trigger, "min_traffic");
  EXPECT_EQ(r.message, "could not proceed for 30d: bake extended: requests over the bake is 0 (needs >= 50000)");
  std::string text = timelineText(report);
  EXPECT_NE(text.find("outcome: blocked at wave1/bake (min_traffic) after "), std::string::npos) << text;
  // The reason is said when the wait starts; it never changes, so it is not repeated.
  int said = 0;
  for (const auto& e : report.events) said += e.type == "bake_extended";
  EXPECT_EQ(said, 1);
#ifndef PIPE_SANITIZE
  EXPECT_LT(cpuMs, 1000);
#endif
}

// The simulation skips quiet periods of a zero-traffic wait, but never a fault.
TEST(Wait, SkippingAQuietWaitNeverSkipsAFault) {
  SimulationReport report = simulateScenario("quiet", "zero-traffic-fault");  // us-west-1 faulty from +40h
  EXPECT_EQ(report.result.outcome, Outcome::RolledBack);
  EXPECT_EQ(report.result.trigger, "high_faults");
  EXPECT_EQ(report.result.step, "wave1/bake");
  EXPECT_EQ(report.result.detectS, 2 * 60);  // 3 of 5 every 1m: the third breaching minute
}

TEST(Wait, AChangingReasonIsRepeatedAtMostEveryTenMinutes) {
  SimulationReport report =
      simulateScenario("global", "low-traffic");  // the traffic sum grows every minute for 834 minutes
  std::vector<Instant> said;
  for (const auto& e : report.events)
    if (e.type == "bake_extended" && e.step == "wave1/bake") said.push_back(e.t);
  ASSERT_GE(said.size(), 2u);
  for (size_t i = 1; i < said.size(); ++i) EXPECT_GE(said[i] - said[i - 1], 600) << i;
  // The extension lasts 834 - 720 = 114 minutes: said at its start, then every 10 minutes.
  EXPECT_EQ(said.size(), 12u);
  EXPECT_EQ(report.result.outcome, Outcome::Deployed);
}

TEST(Wait, NoticeSaysANewKindAtOnceAndAChangedTextAfterTenMinutes) {
  WaitNotice notice;
  EXPECT_TRUE(notice.update("window", "window closed, opens Mon 09:00", 0));
  EXPECT_FALSE(notice.update("window", "window closed, opens Mon 09:00", 60));
  EXPECT_FALSE(notice.update("window", "window closed, opens Tue 09:00", 120));
  EXPECT_EQ(notice.due(), 600);
  EXPECT_TRUE(notice.update("window", "window closed, opens Tue 09:00", 600));
  EXPECT_TRUE(notice.update("org_event", "blocker org_event firing", 660));
  EXPECT_EQ(notice.since(), 0);
  notice.clear();
  EXPECT_FALSE(notice.waiting());
}

}  // namespace
