#include "runtime/text/MetricValue.h"

#include <fmt/format.h>

#include <cmath>

namespace pipelang::runtime {

std::string formatMetricValue(const std::string& unit, double value) {
  if (unit == "percent") return fmt::format("{:.2f}%", value * 100);
  if (unit == "duration") return value < 1 ? fmt::format("{:.0f}ms", value * 1000) : fmt::format("{:.2f}s", value);
  if (unit == "count" || value == std::floor(value)) return fmt::format("{:.0f}", value);
  return fmt::format("{:.4g}", value);
}

}  // namespace pipelang::runtime
