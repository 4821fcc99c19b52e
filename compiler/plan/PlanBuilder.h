// Builds a pipeline's execution plan (plan.md §2): every step with its hosts,
// ordered by `after` edges into one DAG.
#pragma once

#include "compiler/plan/Plan.h"
#include "compiler/sema/Model.h"
#include "plan/Plan.h"

#include <llvm/Support/JSON.h>

namespace pipelang::plan {

class SharedAnalyses;

// The steps and stages only (no JSON): cheap enough for `pipec check`.
PlanLayout buildPlan(const model::Pipeline& pipeline);

// The one plan model (plan/Plan.h) of the pipeline, analysis figures included:
// what `pipec plan` writes through the shared writer. Not used by `pipec check`.
planformat::Plan buildPlanModel(const model::Pipeline& pipeline);

// buildPlanModel in two halves, so that the analysis (most of its cost: the
// calendar walks) can run on another thread than the one holding the
// pipeline's model (`pipec plan -o`, issue 18): the model's values taken
// from the pipeline (no `stages`, `steps` or `analysis` yet) and the layout;
// then analysePlanModel adds the stages and steps from the layout (most of
// the model's allocations, now made and freed on the same thread) and
// `analysis`. analysePlanModel(buildUnanalysedPlanModel(p)) == buildPlanModel(p).
struct UnanalysedPlan {
  planformat::Plan model;
  PlanLayout layout;
};
// `recycled`, when given, is a plan already written: its steps and exposure
// lists are taken and overwritten (their strings' capacity reused), the rest
// of it left as it is; `shared`, when given, answers the analysis for plans
// whose layouts it has seen (SharedAnalyses.h). The result is the same.
UnanalysedPlan buildUnanalysedPlanModel(const model::Pipeline& pipeline);
planformat::Plan analysePlanModel(UnanalysedPlan plan, planformat::Plan* recycled = nullptr,
                                  SharedAnalyses* shared = nullptr);

// buildPlanModel written by planformat::planToJson: the whole document of
// docs/plan-format.md, analysis and digest included.
llvm::json::Value buildPlanJson(const model::Pipeline& pipeline);

// model windows -> the shared calendar's spec (weekday numbering differs).
planformat::WindowSpec windowSpecFromModel(const model::Windows& windows);

}  // namespace pipelang::plan
