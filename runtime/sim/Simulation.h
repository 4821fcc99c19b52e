// `piperun simulate`: the real engine on a virtual clock against a simulated
// fleet, with an in-memory journal. Renders a readable timeline or the JSON
// report of runtime.md §7.
#pragma once

#include "runtime/engine/Engine.h"
#include "runtime/engine/TimeText.h"
#include "runtime/sim/Scenario.h"

#include <llvm/Support/JSON.h>

#include <functional>
#include <optional>
#include <vector>

namespace pipelang::runtime {

struct SimulationReport {
  EngineResult result;
  Instant start = 0;
  std::vector<EngineEvent> events;
  std::optional<planformat::WindowCalendar> calendar;
  ClockPrecision precision = ClockPrecision::Minutes;  // of the timeline's clock
};

// Runs the plan against the scenario. The journal lives in memory unless
// `statePath` names a state DB to keep it in (docs/runtime.md, "Simulation
// performance"); either way the whole run is one transaction. Errors: the
// DB cannot be opened, belongs to another plan, or fails while written.
// `beforeRun`, when given, is asked just before the engine runs, once the
// fleet and the engine are set up in memory; its error ends the simulation
// there (piperun simulate waits for the plan's digest so: DigestCheck).
llvm::Expected<SimulationReport> simulate(const Plan& plan, const Scenario& scenario, const std::string& statePath = "",
                                          const std::function<llvm::Error()>& beforeRun = nullptr);

// One line per event: local clock time, stage or step, what happened and why;
// then a one-line outcome.
std::string timelineText(const SimulationReport& report);
llvm::json::Value reportJson(const SimulationReport& report);
// "2026-11-23T09:00:00" in the plan's windows timezone.
std::string localIso(const std::optional<planformat::WindowCalendar>& calendar, Instant t);

}  // namespace pipelang::runtime
