// The one writer of JSON that piperun shows to people and programs (the HTTP
// API's answers and events, `--format json` of run, status, log and simulate,
// notification bodies): docs/runtime.md "Numbers in JSON output".
#pragma once

#include <llvm/Support/JSON.h>

#include <string>

namespace pipelang::runtime {

// `value` as compact JSON, the bytes llvm's `raw_ostream << json::Value`
// writes (object keys sorted bytewise, the same string escaping, integers as
// written) except for doubles: a non-integral double is the shortest text that
// reads back as the same double (std::to_chars without precision: 0.05, 1e-07,
// 1e+21), an integral one below 1e17 its digits as before ("-0" for -0.0), and
// NaN or an infinity, which JSON cannot say, null. Never fails. The writer is
// the plan digest's (planformat::appendCompactJson with JsonDoubles::Shortest).
std::string jsonText(const llvm::json::Value& value);

}  // namespace pipelang::runtime
