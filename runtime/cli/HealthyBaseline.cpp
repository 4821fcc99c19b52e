#include "runtime/cli/HealthyBaseline.h"

#include "runtime/engine/TimeText.h"
#include "runtime/text/MetricValue.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>
#include <vector>

namespace pipelang::runtime::cli {

namespace {

// The values a metric may take: above `low` (or at it when `lowIncluded`)
// and below `high` (or at it).
struct Range {
  double low = -std::numeric_limits<double>::infinity(), high = std::numeric_limits<double>::infinity();
  bool lowIncluded = true, highIncluded = true;
  void atLeast(double v, bool included) {
    if (v > low || (v == low && !included)) low = v, lowIncluded = included;
  }
  void atMost(double v, bool included) {
    if (v < high || (v == high && !included)) high = v, highIncluded = included;
  }
  // Well inside the range: a tenth of an upper bound alone (1% -> 0.1%),
  // ten times a lower bound alone (100 requests -> 1000), the middle of both.
  double pick() const {
    bool hasLow = std::isfinite(low), hasHigh = std::isfinite(high);
    if (hasLow && hasHigh) return low < high ? (low + high) / 2 : low;
    if (hasHigh) return high > 0 ? high / 10 : high - 1;
    if (hasLow) return low > 0 ? low * 10 : low + 10;
    return 0;
  }
};

// A condition that must stay false (`quiet`) or hold (a min_traffic gate).
void constrain(Range& range, const std::string& cmp, double value, bool holds) {
  if (cmp == ">")
    holds ? range.atLeast(value, false) : range.atMost(value, true);
  else if (cmp == ">=")
    holds ? range.atLeast(value, true) : range.atMost(value, false);
  else if (cmp == "<")
    holds ? range.atMost(value, false) : range.atLeast(value, true);
  else if (cmp == "<=")
    holds ? range.atMost(value, true) : range.atLeast(value, false);
  // == and != leave room on either side: any picked value but one does.
}

// Every condition of a healthy alarm is false; under `not`, true.
void quiet(const AlarmExpr& alarm, bool negated, std::map<std::string, Range>& ranges) {
  if (alarm.op == AlarmExpr::Op::Cond) constrain(ranges[alarm.metric], alarm.cmp, alarm.value, negated);
  for (const AlarmExpr& arg : alarm.args) quiet(arg, negated != (alarm.op == AlarmExpr::Op::Not), ranges);
}

std::string valueText(const MetricDef& metric, double value) {
  return formatMetricValue(metric.unit, value);
}

}  // namespace

llvm::Expected<Scenario> healthyBaseline(const Plan& plan) {
  auto scenario = parseScenario("{}", plan);  // the default start, version and previous
  if (!scenario) return scenario.takeError();
  scenario->batchTimeS = plan.deploy.expectedS > 0 ? plan.deploy.expectedS : scenario->batchTimeS;
  std::map<std::string, Range> ranges;
  for (const auto& [name, metric] : plan.metrics)
    if (metric.isCount()) ranges[name].atLeast(0, true);
  for (const auto& [name, alarm] : plan.alarms) quiet(alarm, false, ranges);
  quiet(plan.rollbackOn, false, ranges);
  for (const Stage& stage : plan.stages)
    if (stage.minTraffic)
      constrain(ranges[stage.minTraffic->metric], stage.minTraffic->cmp, stage.minTraffic->value, true);
  for (const auto& [name, metric] : plan.metrics) scenario->baseline[name] = ranges[name].pick();
  return scenario;
}

std::string baselineHeader(const Plan& plan, const Scenario& scenario) {
  std::string out =
      fmt::format("baseline: no scenario, nothing goes wrong: batches take {}", formatDuration(scenario.batchTimeS));
  const char* separator = "; ";
  for (const auto& [name, value] : scenario.baseline) {
    out += fmt::format("{}{} reads {}", separator, name, valueText(plan.metrics.at(name), value));
    separator = ", ";
  }
  return out + "\n";
}

std::string stageSpans(const SimulationReport& report) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<Instant, std::optional<Instant>>> spans;  // stage -> started, done
  for (const EngineEvent& event : report.events) {
    if (event.type == "stage_started" && !spans.count(event.stage)) {
      order.push_back(event.stage);
      spans[event.stage].first = event.t;
    } else if (event.type == "stage_done" && spans.count(event.stage)) {
      spans[event.stage].second = event.t;
    }
  }
  std::string out;
  for (const std::string& stage : order) {
    const auto& [started, done] = spans[stage];
    std::string from = formatLocal(report.calendar, started, report.precision);
    if (done)
      out += fmt::format("stage {}: {} to {} ({})\n", stage, from,
                         formatLocal(report.calendar, *done, report.precision), formatDuration(*done - started));
    else
      out += fmt::format("stage {}: {} to (not done)\n", stage, from);
  }
  return out;
}

}  // namespace pipelang::runtime::cli
