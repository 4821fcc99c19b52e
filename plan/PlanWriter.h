// Writes the one plan model (plan/Plan.h) as the document of
// docs/plan-format.md: the inverse of plan/PlanReader.h, field for field, so
// the format's names and nulls are spelled in this folder only.
#pragma once

#include "plan/Plan.h"

#include <llvm/Support/JSON.h>

#include <string>

namespace pipelang::planformat {

// The document with its "digest" computed from the content (plan.digest and
// plan.text are ignored). Empty region, zone and unit are written as null;
// a step's "run" and "timeout_s" only for test steps; "analysis" only when set.
llvm::json::Value planToJson(const Plan& plan);

// The bytes of a plan file: writePlanText(planToJson(plan)), byte for byte,
// written straight from the model with the digest hashed as the canonical
// form is produced (plan/PlanStream.cpp, issue 18).
std::string writePlan(const Plan& plan);

// writePlan into `text` (its bytes replaced), keeping its capacity: a caller that
// writes many plans reuses one buffer instead of allocating (and faulting in)
// a fresh one per plan (`pipec plan -o`, issue 18). The same bytes.
void writePlan(const Plan& plan, std::string& text);

}  // namespace pipelang::planformat
