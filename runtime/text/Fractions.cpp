#include "runtime/text/Fractions.h"

#include <charconv>
#include <cmath>

namespace pipelang::runtime {

double printedFraction(double fraction) {
  if (!std::isfinite(fraction) || fraction == 0) return fraction;
  // to_chars and from_chars, not printf and strtod: no locale's decimal point.
  char digits[32];
  auto written = std::to_chars(digits, digits + sizeof digits, fraction, std::chars_format::general, 12);
  double rounded = fraction;
  std::from_chars(digits, written.ptr, rounded);
  return rounded;
}

llvm::json::Value printedDetail(llvm::StringRef key, const llvm::json::Value& value) {
  if (key == "global_exposure")
    if (auto number = value.getAsNumber()) return printedFraction(*number);
  return value;
}

}  // namespace pipelang::runtime
