// `pipec plan --explain`: a plan's schedule, exposure and recovery as a table,
// read from the plan document itself (so it also works on a plan file).
#pragma once

#include <llvm/Support/JSON.h>

#include <string>

namespace pipelang::plan {

std::string explainPlan(const llvm::json::Value& plan);

}  // namespace pipelang::plan
