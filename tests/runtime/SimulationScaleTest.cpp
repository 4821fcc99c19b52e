// `piperun simulate` at the size of a real organisation (issue 18): 30
// regions, 5 waves, 4,110 hosts, 3.5 simulated days. The timelines were
// recorded before the engine's inner loop was made cheap, so they prove the
// faster engine decides exactly what the slower one did, at the same times.
#include "runtime/engine/FleetModel.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/sim/SimulatedFleet.h"
#include "runtime/sim/Simulation.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace pipelang::runtime;

namespace {

const Plan& region30Plan() {
  static Plan plan = [] {
    auto read = readPlanFile(PIPE_RUNTIME_FIXTURES "/plans/region30.plan.json");
    if (!read) throw std::runtime_error(llvm::toString(read.takeError()));
    return std::move(*read);
  }();
  return plan;
}

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

SimulationReport simulateRegion30(const std::string& scenarioName) {
  auto scenario =
      readScenarioFile(std::string(PIPE_RUNTIME_FIXTURES "/scenarios/") + scenarioName + ".json", region30Plan());
  if (!scenario) throw std::runtime_error(llvm::toString(scenario.takeError()));
  auto report = simulate(region30Plan(), *scenario);
  if (!report) throw std::runtime_error(llvm::toString(report.takeError()));
  return std::move(*report);
}

}  // namespace

TEST(SimulationScale, PlanHasTheSizeTheTargetIsFor) {
  size_t hosts = 0;
  for (const auto& step : region30Plan().steps) hosts += step.hosts.size();
  EXPECT_EQ(region30Plan().regions.size(), 30u);
  EXPECT_EQ(hosts, 4110u);
}

TEST(SimulationScale, GoodVersionTimelineIsUnchanged) {
  SimulationReport report = simulateRegion30("region30-good");
  EXPECT_EQ(timelineText(report), readText(PIPE_RUNTIME_FIXTURES "/timelines/region30-good.txt"));
}

TEST(SimulationScale, ZoneFaultTimelineIsUnchanged) {
  SimulationReport report = simulateRegion30("region30-zone-fault");
  EXPECT_EQ(timelineText(report), readText(PIPE_RUNTIME_FIXTURES "/timelines/region30-zone-fault.txt"));
}

TEST(SimulationScale, FourThousandHostsDeployInThreeAndAHalfSimulatedDays) {
  // How fast this runs is measured by bench/simulate.sh (docs/performance.md),
  // never by a timed test; this one holds the outcome the benchmark relies on.
  SimulationReport report = simulateRegion30("region30-good");
  EXPECT_EQ(report.result.outcome, Outcome::Deployed);
  EXPECT_EQ(report.result.finishedAt - report.start, 3 * 86400 + 12 * 3600 + 10 * 60);
}

TEST(SimulationScale, AScopeReadingIsComputedOncePerChangeOfItsRegionOrFaults) {
  // Every watched scope is read every period; its hosts are mixed again only
  // when a host of its region changes version or a fault starts or ends.
  auto scenario = readScenarioFile(PIPE_RUNTIME_FIXTURES "/scenarios/region30-zone-fault.json", region30Plan());
  ASSERT_TRUE(static_cast<bool>(scenario)) << llvm::toString(scenario.takeError());
  SimulatedFleet fleet(region30Plan(), *scenario);
  FleetModel model(region30Plan());
  Scope zone = model.zoneScope("prod", "r29", "r29-az2");
  ASSERT_EQ(zone.hosts.size(), 30u);
  const MetricDef& requests = region30Plan().metrics.at("requests");
  const MetricDef& faults = region30Plan().metrics.at("fault_rate");
  auto read = [&](const MetricDef& metric, Instant at) {
    return fleet.read(MetricRequest{metric, zone, "v2", at, 0}).value.value_or(-1);
  };
  Instant start = scenario->start;
  double before = read(requests, start);  // the zone's share of the region's requests
  ASSERT_GT(before, 0);
  for (int period = 1; period < 100; ++period) EXPECT_EQ(read(requests, start + 60 * period), before);
  EXPECT_EQ(fleet.readingsComputed(), 1u);

  fleet.setVersion("prod", {"r28-az1-h05"}, "v2");  // another region: nothing to compute again
  EXPECT_EQ(read(requests, start + 6000), before);
  EXPECT_EQ(fleet.readingsComputed(), 1u);

  fleet.setVersion("prod", zone.hosts, "v2");  // the whole zone on the new version: 590 instead of 600
  double after = read(requests, start + 6060);
  EXPECT_NEAR(after, before * 590 / 600, before * 1e-12);
  EXPECT_EQ(read(requests, start + 6120), after);
  EXPECT_EQ(fleet.readingsComputed(), 2u);

  EXPECT_DOUBLE_EQ(read(faults, start + 49 * 3600), 0.001);
  EXPECT_DOUBLE_EQ(read(faults, start + 50 * 3600), 0.08);  // the fault starts
  EXPECT_DOUBLE_EQ(read(faults, start + 51 * 3600), 0.08);
  EXPECT_DOUBLE_EQ(read(faults, start + 52 * 3600), 0.001);  // and ends
  EXPECT_EQ(fleet.readingsComputed(), 5u);
}
