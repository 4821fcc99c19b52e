// The plan's self-check (docs/plan-format.md, "Digest"), shared by pipec and piperun.
#pragma once

#include <llvm/Support/JSON.h>

#include <string>

namespace pipelang::planformat {

inline constexpr const char* kSchemaV1 = "pipe.plan/v1";

// The canonical bytes of a plan: sorted keys, compact, with "digest" blanked.
std::string canonicalBytes(const llvm::json::Value& plan);

// Appends `text` as llvm::json writes a string: quoted, `"` and `\` escaped,
// \t \n \r, other control characters as \u00XX. `text` is valid UTF-8 (as
// every llvm::json string and key is).
void appendJsonString(std::string& out, llvm::StringRef text);

// Appends `value` as `llvm::raw_ostream << llvm::json::Value` writes it
// (compact, object keys sorted bytewise, numbers as llvm::json prints them)
// without the stream's per-value bookkeeping: the engine writes its events'
// details this way (docs/performance.md, issue 18).
void appendCompactJson(std::string& out, const llvm::json::Value& value);

// The same bytes through llvm::json::OStream, as they were first defined:
// for tests that compare the two.
std::string canonicalBytesReference(const llvm::json::Value& plan);

// "sha256:" + lower-case hex of canonicalBytes(plan).
std::string computeDigest(const llvm::json::Value& plan);

}  // namespace pipelang::planformat
