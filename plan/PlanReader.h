// Reads and verifies a plan (docs/plan-format.md): JSON syntax, schema major
// version, digest, shape. Errors are "ORIGIN: JSON-PATH: what is wrong".
#pragma once

#include "plan/Plan.h"

#include <llvm/Support/Error.h>

namespace pipelang::planformat {

// `origin` names the plan in error messages (a path, or "journal").
llvm::Expected<Plan> parsePlan(const std::string& text, const std::string& origin);
llvm::Expected<Plan> readPlanFile(const std::string& path);

}  // namespace pipelang::planformat
