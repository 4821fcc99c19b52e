// What an operator may name in `override --blocker NAME`, and the exact
// command `status` prints for a waiting stage (runtime.md, "Operator commands").
#pragma once

#include "runtime/plan/Plan.h"

#include <optional>
#include <string>
#include <vector>

namespace pipelang::runtime {

// The blocker NAME stands for: "window" (when the plan has windows), a
// `block_on` alarm by its name, or by the name of an external alarm it reads
// or an alarm it refers to (the name `status` shows when it fires). None: not
// a blocker of the plan.
std::optional<std::string> resolveBlocker(const Plan& plan, const std::string& name);

// Every name `override --blocker` accepts, for the refusal message:
// "org_event (external alarm org-event), window".
std::vector<std::string> overridableNames(const Plan& plan);

// For a stage waiting with `reason` (its stage_waiting line): the command that
// lets it start, e.g. "piperun override --blocker org_event --reason TEXT --by
// WHO --state DB"; empty when no command helps (waiting for data).
std::string waitHint(const Plan& plan, const std::string& reason, const std::string& dbPath);

}  // namespace pipelang::runtime
