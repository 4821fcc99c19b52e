// The pipelining rules of `piperun serve` (docs/service.md "Versions flow
// through stages") as pure functions of the engines' views, shared by the
// service's lanes and `piperun simulate` with several versions, so the two
// cannot drift apart.
#pragma once

#include "runtime/engine/Engine.h"
#include "runtime/plan/Plan.h"

#include <optional>
#include <string>

namespace pipelang::runtime::service {

// One version per stage, in order: why `stage` stays closed to a newer
// version while the older run `older` has not passed it (its bake not done);
// none once it has, or when its plan has no such stage. The reason is the
// gate's `previous_version` wait text.
std::optional<std::string> olderHoldsStage(const Engine& older, const std::string& stage);

// Whether a run has entered its first stage (a stage active or done, or it is
// rolling back): from then on a newer submission no longer supersedes it.
bool enteredFirstStage(const EngineView& view);

// Whether a new submission supersedes the versions still waiting to enter
// their first stage: the plan's `execution_mode` is not `queued`.
bool supersedesWaiting(const Plan& plan);

}  // namespace pipelang::runtime::service
