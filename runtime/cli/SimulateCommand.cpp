#include "runtime/cli/Commands.h"
#include "runtime/cli/HealthyBaseline.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/sim/Simulation.h"

#include <llvm/Support/raw_ostream.h>

namespace pipelang::runtime::cli {

int simulateCommand(const std::string& planPath, const std::string& scenarioPath, bool json) {
  auto plan = readPlanFile(planPath);
  if (!plan) {
    llvm::errs() << "piperun: " << llvm::toString(plan.takeError()) << "\n";
    return kRuntimeError;
  }
  // Without a scenario: what happens when nothing goes wrong.
  bool baseline = scenarioPath.empty();
  auto scenario = baseline ? healthyBaseline(*plan) : readScenarioFile(scenarioPath, *plan);
  if (!scenario) {
    llvm::errs() << "piperun: " << llvm::toString(scenario.takeError()) << "\n";
    return kRuntimeError;
  }
  auto report = simulate(*plan, *scenario);
  if (!report) {
    llvm::errs() << "piperun: " << llvm::toString(report.takeError()) << "\n";
    return kRuntimeError;
  }
  if (json)
    llvm::outs() << reportJson(*report) << "\n";
  else if (baseline)
    llvm::outs() << baselineHeader(*plan, *scenario) << timelineText(*report) << stageSpans(*report);
  else
    llvm::outs() << timelineText(*report);
  switch (report->result.outcome) {
    case Outcome::Deployed: return kDeployed;
    case Outcome::RolledBack: return kRolledBack;
    case Outcome::Blocked: return kStopped;
    case Outcome::Failed: return kRuntimeError;
  }
  return kRuntimeError;
}

}  // namespace pipelang::runtime::cli
