// What brings a bad change back: the rollback alarm and emergency mode
// (S210 S213).
#include "compiler/checks/Checks.h"

#include <set>

namespace pipelang::checks {

namespace {

// Whether the expression reaches a metric condition, following alarm refs once each.
bool watchesMetric(const model::Pipeline& p, const model::AlarmExpr& e, std::set<std::string>& seen) {
  if (e.op == model::AlarmExpr::Op::Cond) return true;
  if (e.op == model::AlarmExpr::Op::Ref) {
    const model::Alarm* alarm = p.findAlarm(e.alarm);
    return alarm && seen.insert(e.alarm).second && watchesMetric(p, alarm->expr, seen);
  }
  for (const model::AlarmExpr& arg : e.args)
    if (watchesMetric(p, arg, seen)) return true;
  return false;
}

}  // namespace

void checkRecovery(const model::Pipeline& p, DiagnosticSink& sink) {
  if (!p.rollbackOn) {
    Diagnostic& d = reportAt(sink, DiagCode::S213, p.prod->origin, "prod has no rollback alarm (`rollback_on`)");
    d.help = "roll back automatically on a metric alarm, e.g. `rollback_on = high_faults`";
  } else {
    std::set<std::string> seen;
    if (!watchesMetric(p, *p.rollbackOn, seen)) {
      Diagnostic& d = reportAt(sink, DiagCode::S213, p.rollbackOnOrigin,
                               "`rollback_on` references no metric: only external alarms could roll this back");
      d.help = "include an alarm on the service's own metrics, e.g. `rollback_on = high_faults or org_event`";
    }
  }
  if (const auto& e = p.emergency) {
    if (e->approvers.empty()) {
      Diagnostic& d = reportAt(sink, DiagCode::S210, e->approversOrigin, "emergency mode has no approvers");
      d.help = "e.g. `approvers = [\"principal-engineers\"]`";
    }
    if (e->minBakeMs <= 0) {
      bool written = e->minBakeOrigin.range.valid() && e->minBakeOrigin.range.begin != e->origin.range.begin;
      Diagnostic& d = reportAt(sink, DiagCode::S210, e->minBakeOrigin,
                               written ? "emergency `min_bake` is zero: an expedited change would not be watched"
                                       : "emergency mode has no `min_bake`: an expedited change could skip its bakes");
      d.help = "keep a floor, e.g. `min_bake = 15m`";
    }
  }
}

}  // namespace pipelang::checks
