// The scenario of `piperun simulate PLAN` without `--scenario`: nothing goes
// wrong (docs/runtime.md "A healthy baseline").
#pragma once

#include "runtime/plan/Plan.h"
#include "runtime/sim/Scenario.h"
#include "runtime/sim/Simulation.h"

#include <llvm/Support/Error.h>

#include <string>

namespace pipelang::runtime::cli {

// Starts when a scenario without `start` does (the next Monday 09:00 in the
// plan's windows timezone); every batch takes the plan's deploy.expected_s;
// every metric of the plan reads, on every host and version, a value that
// keeps every alarm quiet and meets every stage's min_traffic. Errors: none
// expected, but parseScenario's are passed on.
llvm::Expected<Scenario> healthyBaseline(const Plan& plan);

// "baseline: no scenario, nothing goes wrong: batches take 1s; fault_rate
// reads 0.10%" (metric values rendered in their units).
std::string baselineHeader(const Plan& plan, const Scenario& scenario);

// One line per stage that started: "stage wave1: Mon 2026-11-23 09:00 to
// Mon 2026-11-23 10:45 (1h45m)", "... to (not done)" when it never ended.
std::string stageSpans(const SimulationReport& report);

}  // namespace pipelang::runtime::cli
