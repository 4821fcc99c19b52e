// `pipec diff`: what changed between two plans, stage by stage (bakes,
// regions, tests, alarms, exposure, time to global) — what a template change
// does to every pipeline that inherits it.
#pragma once

#include <llvm/Support/JSON.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pipelang::plan {

// One difference. `before`/`after` are the plan's own values (seconds,
// fractions, expression objects, region lists; nullopt when absent), for
// JSON output; the texts are what a reviewer reads: durations (`2h`),
// percents, alarms and conditions in `.pipe` syntax (PlanDiffSyntax.h).
struct PlanChange {
  std::string pipeline;
  std::string scope;                  // "pipeline", "stage wave1", "alarm high_faults", "analysis"
  std::string field;                  // "bake_s", "regions", "expr", "pipeline" / "stage" (added or removed), ...
  std::string beforeText, afterText;  // empty when absent
  std::optional<llvm::json::Value> before, after;
};

// Either side may be null (a pipeline added or removed).
std::vector<PlanChange> diffPlans(const std::string& pipeline, const llvm::json::Value* before,
                                  const llvm::json::Value* after);

// Plans keyed by pipeline name, compared name by name in sorted order.
std::vector<PlanChange> diffPlanSets(const std::map<std::string, llvm::json::Value>& before,
                                     const std::map<std::string, llvm::json::Value>& after);

// "PIPELINE:\n  SCOPE: FIELD BEFORE -> AFTER\n" lines, or "no changes\n".
std::string renderDiffText(const std::vector<PlanChange>& changes);
// {"changes": [{"pipeline", "scope", "field", "before", "after", "before_text",
// "after_text"}]}: before/after are JSON values (null when absent), never
// JSON inside a string.
std::string renderDiffJson(const std::vector<PlanChange>& changes);

}  // namespace pipelang::plan
