// Reads and verifies a plan: JSON syntax, schema major version, digest, shape.
#pragma once

#include "runtime/plan/Plan.h"

#include <llvm/Support/Error.h>

namespace pipelang::runtime {

// `origin` names the plan in error messages (a path, or "journal").
llvm::Expected<Plan> parsePlan(const std::string& text, const std::string& origin);
llvm::Expected<Plan> readPlanFile(const std::string& path);

}  // namespace pipelang::runtime
