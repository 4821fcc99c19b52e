// A metric's value as people read it, by the metric's unit (language.md
// "metrics"): `percent` values are fractions shown as "10.00%", `duration`
// values are seconds shown as "250ms" or "1.50s", counts and whole numbers
// without decimals, anything else with four significant digits.
#pragma once

#include <string>

namespace pipelang::runtime {

std::string formatMetricValue(const std::string& unit, double value);

}  // namespace pipelang::runtime
