// S222: a bake that ends before the alarms it watches could fire. A condition
// `for M of N every P` needs M datapoints, M x P, before it can fire; a bake
// shorter than that passes without the condition ever having had a chance
// (issue 11 §1: piperun extends such a bake until the datapoints are in).
#include "compiler/checks/Checks.h"

#include "compiler/syntax/Literals.h"

#include <fmt/format.h>

#include <set>
#include <tuple>

namespace pipelang::checks {
namespace {

struct Watched {
  std::string name;  // the alarm that holds the condition, or "" inline in rollback_on
  const model::AlarmExpr* cond = nullptr;
  int64_t needsMs = 0;  // M x period
};

// The slowest condition reachable from `expr` through alarm references.
void slowest(const model::Pipeline& p, const model::AlarmExpr& expr, const std::string& alarm,
             std::set<std::string>& visiting, Watched& worst) {
  switch (expr.op) {
    case model::AlarmExpr::Op::Cond:
      if (expr.m * expr.periodMs > worst.needsMs) worst = {alarm, &expr, expr.m * expr.periodMs};
      return;
    case model::AlarmExpr::Op::Ref: {
      const model::Alarm* target = p.findAlarm(expr.alarm);
      if (!target || !visiting.insert(expr.alarm).second) return;  // cycles are R110
      slowest(p, target->expr, target->name, visiting, worst);
      visiting.erase(expr.alarm);
      return;
    }
    case model::AlarmExpr::Op::External:
      return;  // its source decides when it fires
    default:
      for (const model::AlarmExpr& arg : expr.args) slowest(p, arg, alarm, visiting, worst);
  }
}

class BakeDetection {
 public:
  BakeDetection(const Watched& worst, DiagnosticSink& sink) : worst_(worst), sink_(sink) {}

  void bake(const std::string& what, const model::Located<int64_t>& bake) {
    if (bake.value <= 0 || bake.value >= worst_.needsMs) return;  // zero bakes are S203's business
    const SourceRange& r = bake.origin.range;
    // A prod default (`prod { onebox {...} }`) is every wave's: one warning where it is written.
    if (r.valid() && !seen_.insert({r.file, r.begin.line, r.begin.column}).second) return;
    const model::AlarmExpr& c = *worst_.cond;
    std::string condition = worst_.name.empty() ? "a condition of `rollback_on`" : "`" + worst_.name + "`";
    Diagnostic& d =
        reportAt(sink_, DiagCode::S222, bake.origin,
                 fmt::format("{} is {}, shorter than the {} that {} needs to fire (`for {} of {} every {}`: {} x {})",
                             what, formatDuration(bake.value), formatDuration(worst_.needsMs), condition, c.m, c.n,
                             formatDuration(c.periodMs), c.m, formatDuration(c.periodMs)));
    if (c.range.valid()) d.notes.push_back({"the condition is written here", c.range});
    d.help = "bake at least " + formatDuration(worst_.needsMs) + ", or alarm on fewer datapoints or a shorter period";
  }

 private:
  const Watched& worst_;
  DiagnosticSink& sink_;
  std::set<std::tuple<uint32_t, uint32_t, uint32_t>> seen_;
};

}  // namespace

void checkBakeDetection(const model::Pipeline& p, DiagnosticSink& sink) {
  if (!p.rollbackOn) return;  // S213
  Watched worst;
  std::set<std::string> visiting;
  slowest(p, *p.rollbackOn, "", visiting, worst);
  if (!worst.cond) return;
  BakeDetection check(worst, sink);
  for (const model::Stage& stage : p.stages) {
    if (stage.onebox) check.bake("the one-box bake of stage " + stage.name, stage.onebox->bakeMs);
    check.bake("the bake of stage " + stage.name, stage.bakeMs);
  }
  for (const model::Wave& wave : p.prod->waves) {
    std::string name = "wave " + std::to_string(wave.number);
    if (wave.onebox) check.bake("the one-box bake of " + name, wave.onebox->bakeMs);
    if (wave.canary) check.bake("the canary bake of " + name, wave.canary->bakeMs);
    check.bake("the zone bake of " + name, wave.zoneBakeMs);
    check.bake("the bake of " + name, wave.bakeMs);
  }
}

}  // namespace pipelang::checks
