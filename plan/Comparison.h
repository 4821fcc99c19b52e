// A condition's comparison (`cmp` of AlarmExpr: ">", ">=", "<", "<=", "==",
// anything else "!="), decoded once so that a hot loop compares without
// string comparisons (the alarm evaluator, issue 18). AlarmExpr::compare is
// holds(comparisonOf(cmp), measured, value).
#pragma once

#include <cstdint>
#include <string>

namespace pipelang::planformat {

enum class Comparison : std::uint8_t { Gt, Ge, Lt, Le, Eq, Ne };

inline Comparison comparisonOf(const std::string& cmp) {
  if (cmp == ">") return Comparison::Gt;
  if (cmp == ">=") return Comparison::Ge;
  if (cmp == "<") return Comparison::Lt;
  if (cmp == "<=") return Comparison::Le;
  if (cmp == "==") return Comparison::Eq;
  return Comparison::Ne;
}

// Whether `measured` compares to `threshold` as `comparison` says.
inline bool holds(Comparison comparison, double measured, double threshold) {
  switch (comparison) {
    case Comparison::Gt:
      return measured > threshold;
    case Comparison::Ge:
      return measured >= threshold;
    case Comparison::Lt:
      return measured < threshold;
    case Comparison::Le:
      return measured <= threshold;
    case Comparison::Eq:
      return measured == threshold;
    case Comparison::Ne:
      break;
  }
  return measured != threshold;
}

}  // namespace pipelang::planformat
