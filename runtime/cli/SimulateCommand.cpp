#include "runtime/cli/Commands.h"
#include "runtime/cli/HealthyBaseline.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/sim/Simulation.h"
#include "runtime/sim/VersionFlow.h"
#include "runtime/text/JsonText.h"

#include <llvm/Support/raw_ostream.h>

#include <optional>

namespace pipelang::runtime::cli {
namespace {

// A scenario with `versions`: every version's flow, one report (docs/runtime.md
// "Several versions in flight"); the exit status is the worst outcome's.
int simulateVersionsCommand(const Plan& plan, const Scenario& scenario, const std::string& state, bool json) {
  std::optional<VersionFlowReport> report;
  try {
    auto simulated = simulateVersions(plan, scenario, state);
    if (!simulated) {
      llvm::errs() << "piperun: " << llvm::toString(simulated.takeError()) << "\n";
      return kRuntimeError;
    }
    report = std::move(*simulated);
  } catch (const JournalError& e) {  // a kept state DB failed while written
    llvm::errs() << "piperun: " << e.what() << "\n";
    return kRuntimeError;
  }
  if (json)
    llvm::outs() << jsonText(versionFlowJson(*report)) << "\n";
  else
    llvm::outs() << versionFlowText(*report);
  return exitCodeFor(worstOutcome(*report));
}

}  // namespace

int simulateCommand(const std::string& planPath, const std::string& scenarioPath, const std::string& state, bool json) {
  // The plan's digest is checked on a second thread while the plan is
  // converted, the scenario read and the simulation set up in memory; it is
  // waited for before anything is kept, run or said, so its error still wins
  // over every later one (docs/performance.md, issue 18).
  planformat::DigestCheck digest;
  auto digestFailed = [&digest] {
    if (auto error = digest.wait()) {
      llvm::errs() << "piperun: " << llvm::toString(std::move(error)) << "\n";
      return true;
    }
    return false;
  };
  auto plan = readPlanFile(planPath, digest);
  if (!plan) {
    llvm::errs() << "piperun: " << llvm::toString(plan.takeError()) << "\n";
    return kRuntimeError;
  }
  // Without a scenario: what happens when nothing goes wrong.
  bool baseline = scenarioPath.empty();
  auto scenario = baseline ? healthyBaseline(*plan) : readScenarioFile(scenarioPath, *plan);
  if (!scenario) {
    if (digestFailed()) {
      llvm::consumeError(scenario.takeError());
      return kRuntimeError;
    }
    llvm::errs() << "piperun: " << llvm::toString(scenario.takeError()) << "\n";
    return kRuntimeError;
  }
  // A state DB is written from the start: the digest first.
  if ((!scenario->versions.empty() || !state.empty()) && digestFailed()) return kRuntimeError;
  if (!scenario->versions.empty()) return simulateVersionsCommand(*plan, *scenario, state, json);
  std::optional<SimulationReport> report;
  try {
    auto simulated = simulate(*plan, *scenario, state, [&digest] { return digest.wait(); });
    if (!simulated) {
      if (digestFailed()) {
        llvm::consumeError(simulated.takeError());
        return kRuntimeError;
      }
      llvm::errs() << "piperun: " << llvm::toString(simulated.takeError()) << "\n";
      return kRuntimeError;
    }
    report = std::move(*simulated);
  } catch (const JournalError& e) {  // a kept state DB failed while written
    if (digestFailed()) return kRuntimeError;
    llvm::errs() << "piperun: " << e.what() << "\n";
    return kRuntimeError;
  }
  if (digestFailed()) return kRuntimeError;  // already known: simulate() waited for it
  if (json)
    llvm::outs() << jsonText(reportJson(*report)) << "\n";
  else if (baseline)
    llvm::outs() << baselineHeader(*plan, *scenario) << timelineText(*report) << stageSpans(*report);
  else
    llvm::outs() << timelineText(*report);
  return exitCodeFor(report->result.outcome);
}

}  // namespace pipelang::runtime::cli
