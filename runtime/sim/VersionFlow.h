// `piperun simulate` with a scenario's `versions` (docs/runtime.md "Several
// versions in flight"): each version submitted at its time, each a run of the
// real engine, all on one virtual clock, one simulated fleet and one journal,
// with the service's pipelining rules between them (runtime/service/
// PipeliningRules.h): one version per stage, in order, waiting versions
// superseded or queued per the plan's execution_mode.
#pragma once

#include "runtime/sim/Simulation.h"

#include <llvm/Support/JSON.h>

#include <optional>
#include <string>
#include <vector>

namespace pipelang::runtime {

// What became of one submitted version.
struct VersionOutcome {
  std::string version, previous;  // previous: the known-good version when it was submitted
  Instant submittedAt = 0;
  // "deployed", "rolled_back", "superseded", "blocked" or "failed".
  std::string outcome;
  std::optional<EngineResult> result;  // the engine's end; none when superseded
  std::string supersededBy;
  Instant finishedAt = 0;
  struct StageTimes {
    std::string stage;
    Instant startedAt = 0;
    std::optional<Instant> doneAt;
  };
  std::vector<StageTimes> stages;  // the stages it entered, in the order it entered them
};

struct VersionFlowReport {
  Instant start = 0;
  std::optional<planformat::WindowCalendar> calendar;
  ClockPrecision precision = ClockPrecision::Minutes;
  std::vector<VersionOutcome> versions;  // submission order
  struct Event {
    size_t version = 0;  // index into versions
    EngineEvent event;
  };
  std::vector<Event> events;  // in the order they happened
};

// Runs every version of `scenario.versions` (not empty) against the plan. The
// journal lives in memory unless `statePath` names a state DB (as simulate()).
// Errors: those of simulate().
llvm::Expected<VersionFlowReport> simulateVersions(const Plan& plan, const Scenario& scenario,
                                                   const std::string& statePath = "");

// The timeline, one line per event with the version it concerns, then one
// block per version: its stages' start times, its outcome, its time to global.
std::string versionFlowText(const VersionFlowReport& report);
// The `--format json` report of a versions scenario (shape in docs/runtime.md).
llvm::json::Value versionFlowJson(const VersionFlowReport& report);
// The exit status: the worst outcome of any version (failed 1 > blocked 4 >
// rolled back 3 > deployed 0); superseded versions count as deployed.
Outcome worstOutcome(const VersionFlowReport& report);

}  // namespace pipelang::runtime
