// `piperun simulate` at the size of a real organisation (issue 18): 30
// regions, 5 waves, 4,110 hosts, 3.5 simulated days. The timelines were
// recorded before the engine's inner loop was made cheap, so they prove the
// faster engine decides exactly what the slower one did, at the same times.
#include "runtime/plan/PlanReader.h"
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

