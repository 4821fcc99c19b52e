// A faster way to the llvm::json::Value of JSON as pipec writes it (plans of
// thousands of hosts are read by every piperun command): no element of an
// array is copied as the array grows, which llvm::json::parse does because
// json::Value's move may throw (docs/performance.md, issue 18).
#pragma once

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/JSON.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace pipelang::planformat {

// The value llvm::json::parse(text) makes (the same kinds, numbers, keys and
// key insertion order), or nothing for text outside the plain subset this
// parser knows: invalid JSON, \u escapes, a repeated key, integers of more
// than 18 digits, bytes that are not UTF-8. The caller then asks
// llvm::json::parse, so its answers and error messages stay the reference.
// `arraySizes`: the element count of each array in the order of their '['
// in the text (a wrong count costs time, never correctness).
std::optional<llvm::json::Value> parsePlainJson(llvm::StringRef text, const std::vector<std::uint32_t>& arraySizes);

}  // namespace pipelang::planformat
