// `pipec diff`: what changed between two plans, stage by stage (bakes,
// regions, tests, alarms, exposure, time to global) — what a template change
// does to every pipeline that inherits it.
#pragma once

#include <llvm/Support/JSON.h>

#include <map>
#include <string>
#include <vector>

namespace pipelang::plan {

struct PlanChange {
  std::string pipeline;
  std::string scope;  // "pipeline", "stage wave1", "alarm high_faults", "analysis"
  std::string field;  // "bake_s", "regions", "added", "removed", ...
  std::string before, after;  // readable values; empty when absent
};

// Either side may be null (a pipeline added or removed).
std::vector<PlanChange> diffPlans(const std::string& pipeline, const llvm::json::Value* before,
                                  const llvm::json::Value* after);

// Plans keyed by pipeline name, compared name by name in sorted order.
std::vector<PlanChange> diffPlanSets(const std::map<std::string, llvm::json::Value>& before,
                                     const std::map<std::string, llvm::json::Value>& after);

std::string renderDiffText(const std::vector<PlanChange>& changes);
std::string renderDiffJson(const std::vector<PlanChange>& changes);

}  // namespace pipelang::plan
