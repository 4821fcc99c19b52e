// JSON from outside (plans, scenarios, LSP messages, diff inputs) parsed with
// a nesting limit, so deep input is an error and never a stack overflow
// (issue 11 §4, issue 12 §9). Shared by pipec and piperun.
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/JSON.h>

namespace pipelang::planformat {

// Deepest nesting of arrays and objects any reader accepts. Plans are about
// 10 deep; 512 leaves room for hand-written files and stays far from the stack.
inline constexpr unsigned kMaxJsonDepth = 512;

// Parses `text` like llvm::json::parse, but first refuses input whose arrays
// and objects nest deeper than `maxDepth` (error text: "JSON nests deeper than
// N levels"). The scan is linear and does not recurse.
llvm::Expected<llvm::json::Value> parseBoundedJson(llvm::StringRef text, unsigned maxDepth = kMaxJsonDepth);

}  // namespace pipelang::planformat
