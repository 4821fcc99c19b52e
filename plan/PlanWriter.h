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

}  // namespace pipelang::planformat
