// The one rule for every metric source (docs/runtime.md "Blind data never
// passes"): a reading is a datapoint only if it is a finite number from a
// successful answer. Everything else is a *failed reading* with a named cause.
// Providers answer what they saw; the alarm evaluator applies this rule to
// every answer, so a provider added later cannot let blind data through.
#pragma once

#include "runtime/metrics/MetricSource.h"

#include <llvm/ADT/StringRef.h>

#include <optional>
#include <string>

namespace pipelang::runtime {

// The reading as a datapoint or a failed reading: an error clears the value; no
// value, NaN or ±Inf without an error become one ("no data", "not a finite number").
MetricReading applyReadingRule(MetricReading reading);

// Digits, sign, point and exponent only (no hex, no words, no spaces): the
// spelling of a reading that counts as a datapoint, for every provider.
bool isDecimalNumber(llvm::StringRef text);

// What a `command()` metric printed, as exactly one finite number (surrounding
// whitespace allowed). None with `error` set for empty output, several words,
// garbage, a non-decimal spelling such as hex, NaN or ±Inf.
std::optional<double> parseOneNumber(const std::string& output, std::string& error);

}  // namespace pipelang::runtime
