// Fractions of hosts or traffic as piperun prints them (docs/runtime.md
// "Numbers in JSON output").
#pragma once

#include <llvm/Support/JSON.h>

namespace pipelang::runtime {

// A fraction (0..1 of hosts or traffic: exposure, traffic shares) as printed:
// rounded to 12 significant digits, so that a sum of host weights that is all
// hosts prints 1, not 0.9999999999999872, and a sum that is 30% prints 0.3.
// 0 and non-finite values are returned as they are.
double printedFraction(double fraction);

// An engine event's detail member as printed: the fractions among them
// (`global_exposure` of step_done) through printedFraction, others unchanged.
llvm::json::Value printedDetail(llvm::StringRef key, const llvm::json::Value& value);

}  // namespace pipelang::runtime
