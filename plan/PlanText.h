// Writes a plan document with its keys in the order of docs/plan-format.md
// (llvm::json sorts keys, which reads badly): one line per flat object, so a
// step is one line and plan diffs read step by step.
#pragma once

#include <llvm/Support/JSON.h>

#include <string>

namespace pipelang::planformat {

std::string writePlanText(const llvm::json::Value& plan);

// Where `key` comes among the keys of an object in the format's order (lower
// first); keys the format does not list rank after every listed one.
size_t planKeyRank(llvm::StringRef key);

}  // namespace pipelang::planformat
