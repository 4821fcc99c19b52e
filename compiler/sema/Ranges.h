// The range every number of the language may take (language.md "Ranges of
// values"): a value outside it is R112 at the literal (Schema.cpp) and is
// never used (ValueReader), so no input can make the plan walk, the host
// lists or the analysis grow without bound.
#pragma once

#include <cstdint>
#include <string>

namespace pipelang::sema {

// In the value's own unit: percents as fractions (10% = 0.1), durations in
// milliseconds, integers as counts. Bounds are inclusive unless `lowOpen`.
struct ValueRange {
  double low, high;
  bool lowOpen;
  const char* text;  // for messages: "from 1 to 10000"
};

// The range of attribute `attr` in a block of type `blockType` ("" for a
// declaration's own body); null when the attribute is not a number.
const ValueRange* valueRange(const std::string& blockType, const std::string& attr);
bool inRange(const ValueRange& range, double value);

// Wave numbers (`wave N`), and M, N and the period of `for M of N every P`.
inline constexpr ValueRange kWaveNumberRange{1, 1000, false, "from 1 to 1000"};
inline constexpr ValueRange kDatapointsRange{1, 1000, false, "from 1 to 1000"};
inline constexpr ValueRange kPeriodRange{1000, 86'400'000, false, "from 1s to 1d"};
// Hosts of one pipeline's topology (zones x hosts_per_zone): the plan lists them all.
inline constexpr int64_t kMaxHostsPerPipeline = 1'000'000;

}  // namespace pipelang::sema
