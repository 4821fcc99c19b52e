#include "plan/Plan.h"

#include <fmt/format.h>

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

bool NotifyTarget::wants(const std::string& event) const {
  for (const auto& e : events)
    if (e == event) return true;
  return false;
}

bool AlarmExpr::compare(double measured) const {
  if (cmp == ">") return measured > value;
  if (cmp == ">=") return measured >= value;
  if (cmp == "<") return measured < value;
  if (cmp == "<=") return measured <= value;
  if (cmp == "==") return measured == value;
  return measured != value;
}

std::string AlarmExpr::conditionKey() const {
  return fmt::format("{} {} {} for {} of {} every {}s", metric, cmp, value, m, n, periodS);
}

}  // namespace pipelang::planformat
