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

// How appendCompactJson writes a double that is not an integer below 1e17:
// AsLlvm as llvm::json does (%.17g: 0.050000000000000003, nan); Shortest as
// the shortest text that reads back as the same double (0.05), and NaN or an
// infinity, which JSON cannot say, as null (docs/runtime.md "Numbers in JSON
// output").
enum class JsonDoubles { AsLlvm, Shortest };

// Appends `value` as `llvm::raw_ostream << llvm::json::Value` writes it
// (compact, object keys sorted bytewise, numbers as llvm::json prints them,
// doubles as `doubles` says) without the stream's per-value bookkeeping: the
// engine writes its events' details this way (docs/performance.md, issue
// 18), and piperun's JSON output with JsonDoubles::Shortest.
void appendCompactJson(std::string& out, const llvm::json::Value& value, JsonDoubles doubles = JsonDoubles::AsLlvm);

// The same bytes through llvm::json::OStream, as they were first defined:
// for tests that compare the two.
std::string canonicalBytesReference(const llvm::json::Value& plan);

// "sha256:" + lower-case hex of canonicalBytes(plan).
std::string computeDigest(const llvm::json::Value& plan);

}  // namespace pipelang::planformat
