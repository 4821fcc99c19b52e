#include "plan/Plan.h"

#include "plan/Comparison.h"

#include <fmt/format.h>

#include <charconv>

namespace pipelang::planformat {

const Stage* Plan::stage(const std::string& id) const {
  for (const auto& s : stages)
    if (s.id == id) return &s;
  return nullptr;
}

const Step* Plan::step(const std::string& id) const {
  for (const auto& s : steps)
    if (s.id == id) return &s;
  return nullptr;
}

const RegionTopology* Plan::region(const std::string& id) const {
  for (const auto& r : regions)
    if (r.id == id) return &r;
  return nullptr;
}

int hostNumberWidth(std::int64_t zoneHosts) {
  char digits[24];
  int length = static_cast<int>(std::to_chars(digits, digits + sizeof digits, zoneHosts).ptr - digits);
  return zoneHosts >= 100 ? length : 2;
}

void appendHostName(std::string& out, std::string_view zone, std::int64_t number, int width) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, number);
  size_t length = static_cast<size_t>(result.ptr - digits);
  out.append(zone);
  out += "-h";
  if (number >= 0 && length < static_cast<size_t>(width)) out.append(static_cast<size_t>(width) - length, '0');
  out.append(digits, length);
}

bool NotifyTarget::wants(const std::string& event) const {
  for (const auto& e : events)
    if (e == event) return true;
  return false;
}

bool AlarmExpr::compare(double measured) const {
  return holds(comparisonOf(cmp), measured, value);
}

std::string AlarmExpr::conditionKey() const {
  return fmt::format("{} {} {} for {} of {} every {}s", metric, cmp, value, m, n, periodS);
}

}  // namespace pipelang::planformat
