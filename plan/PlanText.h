// Writes a plan document with its keys in the order of docs/plan-format.md
// (llvm::json sorts keys, which reads badly): one line per flat object, so a
// step is one line and plan diffs read step by step.
#pragma once

#include <llvm/Support/JSON.h>

#include <string>

namespace pipelang::planformat {

std::string writePlanText(const llvm::json::Value& plan);

}  // namespace pipelang::planformat
