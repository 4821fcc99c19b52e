// Plan values written back in `.pipe` syntax for `pipec diff`, so a reviewer
// reads `fault_rate > 1% for 3 of 5 every 1m`, never the plan's JSON
// (issue 12 §7; expression shapes: docs/plan-format.md "Alarm expressions").
#pragma once

#include <llvm/Support/JSON.h>

#include <string>

namespace pipelang::plan {

// A duration in seconds as `.pipe` writes it: `90` -> "1m30s", `0.4` -> "400ms".
std::string pipeDuration(double seconds);

// A value in its metric's unit ("percent": fraction -> `0.5%`, "duration":
// seconds -> `400ms`, else the plain number). `metrics` is the plan's
// `metrics` object (may be null).
std::string pipeValue(double value, const std::string& metric, const llvm::json::Object* metrics);

// An alarm expression (`cond`, `ref`, `or`, `and`, `not`, `external`), a
// `min_traffic` condition (`{metric, cmp, value}`), or a list of alarm names
// (`block_on`), in `.pipe` syntax. Anything else is printed as compact JSON.
std::string pipeExpression(const llvm::json::Value& value, const llvm::json::Object* metrics);

// The plan's `windows` object as a one-line `windows { ... }` block, and
// `emergency` as `emergency { ... }` (docs/plan-format.md); null as `none`.
std::string pipeWindows(const llvm::json::Value& windows);
std::string pipeEmergency(const llvm::json::Value& emergency);

// One entry of the plan's `notify` list as a one-line `notify NAME { ... }`
// block (docs/language.md "Notifications"): `blocked_after` only when the
// target asks for `blocked` or it is not the default 30m, null channels left out.
std::string pipeNotify(const llvm::json::Value& target);

}  // namespace pipelang::plan
