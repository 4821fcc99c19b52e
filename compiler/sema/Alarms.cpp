// Alarm expressions (language.md §5.3): conditions on metrics with units,
// references between alarms (cycles are R110), `external(...)`, and
// `super.NAME` expanded in place. Recursion is bounded by kMaxDepth.
#include "compiler/sema/Builder.h"

#include "compiler/sema/Ranges.h"
#include "compiler/sema/Schema.h"
#include "compiler/syntax/Literals.h"
#include "compiler/util/Spelling.h"

#include <algorithm>
#include <map>
#include <set>

namespace pipelang::sema {

namespace {

constexpr int kMaxDepth = 128;

const char* unitWord(model::MetricUnit unit) {
  switch (unit) {
    case model::MetricUnit::Percent:
      return "percent";
    case model::MetricUnit::Duration:
      return "duration";
    case model::MetricUnit::Count:
      return "count";
    case model::MetricUnit::None:
      return "";
  }
  return "";
}

class AlarmBuilder {
 public:
  AlarmBuilder(const ValueReader& reader, model::Pipeline& pipeline, const MergedBlock* alarms)
      : reader_(reader), p_(pipeline), alarms_(alarms) {
    if (alarms_)
      for (const auto& [name, attr] : alarms_->attrs) alarmNames_.push_back(name);
    for (const model::Metric& m : p_.metrics) metricNames_.push_back(m.name);
  }

  std::optional<model::AlarmExpr> convert(const ast::Expr* e, const MergedAttr& context, int depth) {
    if (!e || e->kind == ast::ExprKind::Error) return std::nullopt;
    if (depth > kMaxDepth) {
      error(DiagCode::R109, e->range, context,
            "alarm expression nested too deeply (more than " + std::to_string(kMaxDepth) + " levels with `super`)");
      return std::nullopt;
    }
    model::AlarmExpr out;
    out.range = e->range;
    switch (e->kind) {
      case ast::ExprKind::Condition:
        if (e->args.empty() || !e->args[0]) return std::nullopt;
        if (auto cond = comparison(*e->args[0], context)) {
          if (e->m < 1 || e->n < 1 || e->m > e->n) {
            error(DiagCode::R109, e->range, context,
                  "`for " + std::to_string(e->m) + " of " + std::to_string(e->n) +
                      "` needs 1 <= M <= N: an alarm fires on M bad datapoints out of the last N");
            return std::nullopt;
          }
          if (!inRange(kDatapointsRange, static_cast<double>(e->n))) {
            error(DiagCode::R112, e->range, context,
                  "`for " + std::to_string(e->m) + " of " + std::to_string(e->n) + "`: N must be " +
                      kDatapointsRange.text);
            return std::nullopt;
          }
          if (e->periodWritten && !inRange(kPeriodRange, static_cast<double>(e->periodMillis))) {
            error(DiagCode::R112, e->range, context,
                  "the period of `every` must be " + std::string(kPeriodRange.text) + ", but it is " +
                      formatDuration(e->periodMillis));
            return std::nullopt;
          }
          cond->m = e->m;
          cond->n = e->n;
          if (e->periodWritten) cond->periodMs = e->periodMillis;
          cond->range = e->range;
          return cond;
        }
        return std::nullopt;
      case ast::ExprKind::Compare:
        return comparison(*e, context);
      case ast::ExprKind::Ref:
        return reference(*e, context, depth);
      case ast::ExprKind::And:
      case ast::ExprKind::Or:
      case ast::ExprKind::Not: {
        out.op = e->kind == ast::ExprKind::And  ? model::AlarmExpr::Op::And
                 : e->kind == ast::ExprKind::Or ? model::AlarmExpr::Op::Or
                                                : model::AlarmExpr::Op::Not;
        for (const auto& arg : e->args) {
          auto converted = convert(arg.get(), context, depth + 1);
          if (!converted) return std::nullopt;
          out.args.push_back(std::move(*converted));
        }
        if (out.args.empty()) return std::nullopt;
        return out;
      }
      case ast::ExprKind::Call:
        if (e->text == "external" && e->args.size() == 1 && e->args[0] && e->args[0]->kind == ast::ExprKind::String) {
          if (e->args[0]->text.empty()) {
            error(DiagCode::R112, e->args[0]->range, context,
                  "`external(\"\")` names no alarm: write the alarm's name in the alarm source");
            return std::nullopt;
          }
          out.op = model::AlarmExpr::Op::External;
          out.externalName = e->args[0]->text;
          return out;
        }
        error(e->text == "external" ? DiagCode::R109 : DiagCode::R101, e->range, context,
              e->text == "external" ? "`external` takes one string: the alarm's name in the alarm source"
                                    : "unknown function `" + e->text + "` in an alarm (alarms may call `external`)");
        return std::nullopt;
      default:
        error(DiagCode::R109, e->range, context,
              "an alarm must be a condition, an alarm name, `external(...)` or a combination with "
              "`and`/`or`/`not`, but " +
                  describeValue(*e) + " is not");
        return std::nullopt;
    }
  }

  const MergedBlock* alarms() const { return alarms_; }

 private:
  void error(DiagCode code, SourceRange range, const MergedAttr& context, const std::string& message) {
    Diagnostic& d = reader_.sink().report(code, range, message);
    d.notes = reader_.decl().via(context.level);
  }

  std::optional<model::AlarmExpr> reference(const ast::Expr& e, const MergedAttr& context, int depth) {
    if (e.path.size() != 1) {
      error(DiagCode::R101, e.range, context,
            "`" + (e.path.empty() ? std::string() : e.path[0]) + "...` is not an alarm");
      return std::nullopt;
    }
    const std::string& name = e.path[0];
    if (e.isSuper) {
      // The parent's value of this attribute, inlined with its own `super` scope.
      const MergedAttr* parent = context.superScope ? context.superScope->attr(name) : nullptr;
      if (!parent || !parent->attr) {
        error(DiagCode::R101, e.range, context, "`super." + name + "`: the parent has no `" + name + "` here");
        return std::nullopt;
      }
      return convert(parent->attr->value.get(), *parent, depth + 1);
    }
    if (!alarms_ || !alarms_->attr(name)) {
      if (p_.isTemplate && !alarms_) return std::nullopt;  // a partial template
      std::string message = "unknown alarm `" + name + "`";
      if (p_.findMetric(name))
        message += " (`" + name + "` is a metric: compare it, e.g. `" + name + " > 1`)";
      else if (auto guess = closestSpelling(name, alarmNames_))
        message += " (did you mean `" + *guess + "`?)";
      error(DiagCode::R101, e.range, context, message);
      return std::nullopt;
    }
    model::AlarmExpr out;
    out.op = model::AlarmExpr::Op::Ref;
    out.alarm = name;
    out.range = e.range;
    return out;
  }

  std::optional<model::AlarmExpr> comparison(const ast::Expr& e, const MergedAttr& context) {
    if (e.kind != ast::ExprKind::Compare || e.args.size() != 2 || !e.args[0] || !e.args[1]) {
      if (e.kind != ast::ExprKind::Error)
        error(DiagCode::R109, e.range, context, "`for M of N` applies to a comparison like `fault_rate > 1%`");
      return std::nullopt;
    }
    const ast::Expr& left = *e.args[0];
    const ast::Expr& right = *e.args[1];
    if (left.kind == ast::ExprKind::Error || right.kind == ast::ExprKind::Error) return std::nullopt;
    if (left.kind != ast::ExprKind::Ref || left.isSuper || left.path.size() != 1) {
      error(DiagCode::R109, left.range, context,
            "the left side of a condition must be a metric, not " + describeValue(left));
      return std::nullopt;
    }
    const model::Metric* metric = p_.findMetric(left.path[0]);
    const MergedBlock* metricsBlock = reader_.decl().body->child("metrics");
    if (!metric && metricsBlock && metricsBlock->attr(left.path[0])) return std::nullopt;  // reported with the metric
    if (!metric) {
      if (p_.isTemplate && p_.metrics.empty()) return std::nullopt;
      std::string message = "unknown metric `" + left.path[0] + "`";
      if (auto guess = closestSpelling(left.path[0], metricNames_)) message += " (did you mean `" + *guess + "`?)";
      error(DiagCode::R101, left.range, context, message);
      return std::nullopt;
    }
    model::AlarmExpr out;
    out.op = model::AlarmExpr::Op::Cond;
    out.metric = metric->name;
    out.cmp = e.text;
    out.range = e.range;
    model::MetricUnit valueUnit;
    switch (right.kind) {
      case ast::ExprKind::Integer:
        out.value = static_cast<double>(right.integer);
        valueUnit = model::MetricUnit::Count;
        break;
      case ast::ExprKind::Number:
        out.value = right.number;
        valueUnit = model::MetricUnit::Count;
        break;
      case ast::ExprKind::Percent:
        out.value = right.number;
        valueUnit = model::MetricUnit::Percent;
        break;
      case ast::ExprKind::Duration:
        out.value = right.millis / 1000.0;
        valueUnit = model::MetricUnit::Duration;
        break;
      default:
        error(DiagCode::R109, right.range, context,
              "a condition compares a metric with a number, percent or duration, not " + describeValue(right));
        return std::nullopt;
    }
    if (metric->unit != model::MetricUnit::None && metric->unit != valueUnit) {
      Diagnostic& d = reader_.sink().report(DiagCode::R109, right.range,
                                            "metric `" + metric->name + "` is a " + unitWord(metric->unit) +
                                                " and cannot be compared with " + describeValue(right));
      d.notes = reader_.decl().via(context.level);
      d.notes.push_back(
          {"`" + metric->name + "` declared with unit `" + unitWord(metric->unit) + "` here", metric->origin.range});
      // A bare number where the metric has a unit: `> 1` -> `> 1%`? (issue 12 §8).
      if (right.kind == ast::ExprKind::Integer && !right.spelling.empty() &&
          (metric->unit == model::MetricUnit::Percent || metric->unit == model::MetricUnit::Duration)) {
        std::string suggestion = right.spelling + (metric->unit == model::MetricUnit::Percent ? "%" : "ms");
        d.help = "a number needs the metric's unit here: did you mean `" + suggestion + "`?";
        d.fixes.push_back({"write `" + suggestion + "`", right.range, suggestion});
      }
    }
    return out;
  }

  const ValueReader& reader_;
  model::Pipeline& p_;
  const MergedBlock* alarms_;
  std::vector<std::string> alarmNames_, metricNames_;
};

void collectRefs(const model::AlarmExpr& e, std::vector<std::string>& out) {
  if (e.op == model::AlarmExpr::Op::Ref) out.push_back(e.alarm);
  for (const model::AlarmExpr& arg : e.args) collectRefs(arg, out);
}

// R110: one report per cycle, in declaration order.
void reportCycles(const ValueReader& reader, const model::Pipeline& p) {
  std::map<std::string, std::vector<std::string>> edges;
  for (const model::Alarm& a : p.alarms) collectRefs(a.expr, edges[a.name]);
  std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::set<std::string> reported;
  // Iterative DFS: alarm graphs come from input and may be deep.
  for (const model::Alarm& root : p.alarms) {
    if (state[root.name]) continue;
    std::vector<std::pair<std::string, size_t>> work{{root.name, 0}};
    state[root.name] = 1;
    stack.push_back(root.name);
    while (!work.empty()) {
      auto& [node, next] = work.back();
      const std::vector<std::string>& out = edges[node];
      if (next >= out.size()) {
        state[node] = 2;
        stack.pop_back();
        work.pop_back();
        continue;
      }
      std::string target = out[next++];
      if (!edges.count(target)) continue;
      if (state[target] == 1) {
        auto at = std::find(stack.begin(), stack.end(), target);
        std::string cycle;
        for (auto it = at; it != stack.end(); ++it) cycle += "`" + *it + "` -> ";
        cycle += "`" + target + "`";
        if (reported.insert(target).second) {
          const model::Alarm* alarm = p.findAlarm(target);
          Diagnostic& d = reader.sink().report(DiagCode::R110, alarm->origin.range, "alarm reference cycle: " + cycle);
          d.notes = alarm->origin.via;
        }
        continue;
      }
      if (state[target] == 0) {
        state[target] = 1;
        stack.push_back(target);
        work.emplace_back(target, 0);
      }
    }
  }
}

}  // namespace

void buildAlarms(const ValueReader& reader, model::Pipeline& p) {
  const MergedBlock* alarms = reader.decl().body->child("alarms");
  AlarmBuilder builder(reader, p, alarms);
  if (alarms) {
    for (const auto& [name, attr] : alarms->attrs) {
      if (!attr.attr) continue;
      auto expr = builder.convert(attr.attr->value.get(), attr, 0);
      if (!expr) continue;
      p.alarms.push_back({name, std::move(*expr), {attr.attr->nameRange, reader.decl().via(attr.level)}});
    }
    reportCycles(reader, p);
  }
  const MergedBlock* body = reader.decl().body.get();
  if (const MergedAttr* rollback = body->attr("rollback_on"); rollback && rollback->attr) {
    p.rollbackOn = builder.convert(rollback->attr->value.get(), *rollback, 0);
    p.rollbackOnOrigin = reader.originOf(*rollback, *rollback->attr->value);
  }
  if (const MergedAttr* blockOn = body->attr("block_on")) {
    const MergedAttr* writer = nullptr;
    const ast::Expr* e = reader.value(blockOn, &writer);
    if (e && e->kind == ast::ExprKind::List) {
      for (const auto& item : e->args) {
        // `super.NAME` in a list is R114, reported once where inheritance merges it.
        if (!item || item->kind != ast::ExprKind::Ref || item->path.size() != 1 || item->isSuper) continue;
        if (builder.convert(item.get(), *writer, 0)) p.blockOn.push_back(item->path[0]);
      }
    }
  }
}

}  // namespace pipelang::sema
