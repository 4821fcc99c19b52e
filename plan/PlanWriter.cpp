#include "plan/PlanWriter.h"

#include "plan/PlanDigest.h"
#include "plan/PlanText.h"

#include <fmt/format.h>

#include <algorithm>

namespace pipelang::planformat {
namespace {

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

Value orNull(const std::string& text) {
  return text.empty() ? Value(nullptr) : Value(text);
}

Value stringList(const std::vector<std::string>& items) {
  Array list;
  list.reserve(items.size());
  for (const auto& item : items) list.push_back(item);
  return list;
}

Value alarmJson(const AlarmExpr& expr) {
  switch (expr.op) {
    case AlarmExpr::Op::Cond:
      return Object{{"op", "cond"}, {"metric", expr.metric}, {"cmp", expr.cmp},         {"value", expr.value},
                    {"m", expr.m},  {"n", expr.n},           {"period_s", expr.periodS}};
    case AlarmExpr::Op::Ref:
      return Object{{"op", "ref"}, {"alarm", expr.name}};
    case AlarmExpr::Op::External:
      return Object{{"op", "external"}, {"name", expr.name}};
    case AlarmExpr::Op::Not:
      return Object{{"op", "not"}, {"arg", expr.args.empty() ? Value(nullptr) : alarmJson(expr.args.front())}};
    case AlarmExpr::Op::And:
    case AlarmExpr::Op::Or: {
      Array args;
      for (const auto& arg : expr.args) args.push_back(alarmJson(arg));
      return Object{{"op", expr.op == AlarmExpr::Op::And ? "and" : "or"}, {"args", std::move(args)}};
    }
  }
  return nullptr;
}

std::string clock(int minutes) {
  return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

std::string date(int yyyymmdd) {
  return fmt::format("{:04}-{:02}-{:02}", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
}

Value ruleJson(const WindowRule& rule) {
  static const char* days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  Object object{{"name", rule.name}, {"days", nullptr}, {"hours", nullptr}, {"dates", nullptr}};
  if (rule.days) {
    Array list;
    for (int day : *rule.days) list.push_back(days[((day % 7) + 7) % 7]);
    object["days"] = std::move(list);
  }
  if (rule.hours)
    object["hours"] = Object{{"from", clock(rule.hours->fromMinute)}, {"to", clock(rule.hours->toMinute)}};
  if (rule.dates) {
    Array list;
    for (const DateRange& range : *rule.dates)
      list.push_back(Object{{"from", date(range.from)}, {"to", date(range.to)}});
    object["dates"] = std::move(list);
  }
  return object;
}

Value windowsJson(const std::optional<WindowSpec>& windows) {
  if (!windows) return nullptr;
  Array allow, deny;
  for (const auto& rule : windows->allow) allow.push_back(ruleJson(rule));
  for (const auto& rule : windows->deny) deny.push_back(ruleJson(rule));
  return Object{{"timezone", windows->timezone},
                {"allow", std::move(allow)},
                {"deny", std::move(deny)},
                {"off_hours_bake", windows->offHoursBake}};
}

Value topologyJson(const Plan& plan) {
  Array regions;
  for (const RegionTopology& region : plan.regions) {
    Array zones;
    for (const ZoneTopology& zone : region.zones) zones.push_back(Object{{"id", zone.id}, {"hosts", zone.hosts}});
    regions.push_back(Object{{"id", region.id}, {"traffic", region.traffic}, {"zones", std::move(zones)}});
  }
  return Object{{"name", plan.topologyName}, {"regions", std::move(regions)}};
}

Value stagesJson(const Plan& plan) {
  Array stages;
  for (const Stage& stage : plan.stages) {
    Array tests;
    for (const TestSpec& test : stage.tests)
      tests.push_back(Object{{"name", test.name}, {"run", test.run}, {"timeout_s", test.timeoutS}});
    Value minTraffic = nullptr;
    if (stage.minTraffic)
      minTraffic = Object{
          {"metric", stage.minTraffic->metric}, {"cmp", stage.minTraffic->cmp}, {"value", stage.minTraffic->value}};
    stages.push_back(Object{{"id", stage.id},
                            {"kind", stage.kind},
                            {"regions", stringList(stage.regions)},
                            {"bake_s", stage.bakeS},
                            {"min_traffic", std::move(minTraffic)},
                            {"tests", std::move(tests)}});
  }
  return stages;
}

// Step::hosts, then the names of Step::hostRange.
Value hostList(const Step& step) {
  Array list;
  list.reserve(step.hosts.size() + static_cast<size_t>(std::max<std::int64_t>(0, step.hostRange.count)));
  for (const std::string& host : step.hosts) list.push_back(host);
  const HostRange& range = step.hostRange;
  for (std::int64_t n = range.first; n < range.first + range.count; ++n) {
    std::string name;
    appendHostName(name, range.zone, n, range.width);
    list.push_back(std::move(name));
  }
  return list;
}

Value stepsJson(const Plan& plan) {
  Array steps;
  steps.reserve(plan.steps.size());
  for (const Step& step : plan.steps) {
    Object object{{"id", step.id},
                  {"stage", step.stage},
                  {"type", step.type},
                  {"region", orNull(step.region)},
                  {"zone", orNull(step.zone)},
                  {"hosts", hostList(step)},
                  {"traffic", step.traffic ? Value(*step.traffic) : Value(nullptr)},
                  {"bake_s", step.bakeS ? Value(*step.bakeS) : Value(nullptr)},
                  {"after", stringList(step.after)}};
    if (step.type == "test") {
      object["run"] = step.run;
      object["timeout_s"] = step.timeoutS;
    }
    steps.push_back(std::move(object));
  }
  return steps;
}

Value notifyJson(const std::vector<NotifyTarget>& targets) {
  Array list;
  for (const NotifyTarget& target : targets)
    list.push_back(Object{{"name", target.name},
                          {"events", stringList(target.events)},
                          {"blocked_after_s", target.blockedAfterS},
                          {"webhook", orNull(target.webhook)},
                          {"run", orNull(target.run)}});
  return list;
}

Value analysisJson(const AnalysisFigures& figures) {
  Array exposure, schedule;
  exposure.reserve(figures.exposure.size());
  for (const ExposureFigure& entry : figures.exposure)
    exposure.push_back(Object{{"step", entry.step}, {"global_traffic", entry.globalTraffic}});
  for (const StageTimeFigure& time : figures.schedule)
    schedule.push_back(Object{{"stage", time.stage}, {"start_s", time.startS}, {"end_s", time.endS}});
  Object analysis{{"time_to_global_s", figures.timeToGlobalS ? Value(*figures.timeToGlobalS) : Value(nullptr)},
                  {"time_to_global_business_days",
                   figures.timeToGlobalBusinessDays ? Value(*figures.timeToGlobalBusinessDays) : Value(nullptr)},
                  {"regions_in_no_wave", stringList(figures.regionsInNoWave)},
                  {"traffic_in_no_wave", figures.trafficInNoWave},
                  {"final_exposure", figures.finalExposure},
                  {"detection_s", figures.detectionS},
                  {"rollback_s", figures.rollbackS},
                  {"worst_recovery_s", figures.worstRecoveryS},
                  {"max_exposure_before_wave2", figures.maxExposureBeforeWave2},
                  {"exposure", std::move(exposure)},
                  {"schedule", std::move(schedule)}};
  if (const auto& throughput = figures.throughput) {
    Array occupancy;
    for (const StageOccupancyFigure& stage : throughput->occupancy)
      occupancy.push_back(Object{{"stage", stage.stage}, {"occupancy_s", stage.occupancyS}});
    analysis["throughput"] = Object{
        {"bottleneck", throughput->bottleneck},
        {"versions_per_week", throughput->versionsPerWeek ? Value(*throughput->versionsPerWeek) : Value(nullptr)},
        {"busy_time_to_global_s",
         throughput->busyTimeToGlobalS ? Value(*throughput->busyTimeToGlobalS) : Value(nullptr)},
        {"occupancy", std::move(occupancy)}};
  }
  return analysis;
}

}  // namespace

llvm::json::Value planToJson(const Plan& plan) {
  Object metrics, alarms;
  for (const auto& [name, metric] : plan.metrics)
    metrics[name] = Object{{"source", metric.source}, {"query", metric.query}, {"unit", orNull(metric.unit)}};
  for (const auto& [name, expr] : plan.alarms) alarms[name] = alarmJson(expr);

  Value emergency = nullptr;
  if (plan.emergency)
    emergency = Object{{"approvers", stringList(plan.emergency->approvers)},
                       {"bake", plan.emergency->bake},
                       {"min_bake_s", plan.emergency->minBakeS}};

  Object document{{"schema", plan.schema.empty() ? std::string(kSchemaV1) : plan.schema},
                  {"digest", ""},
                  {"pipeline", plan.pipeline},
                  {"artifact", plan.artifact},
                  {"kind", plan.kind},
                  {"execution_mode", plan.executionMode},
                  {"policy", plan.policy},
                  {"topology", topologyJson(plan)},
                  {"prometheus_url", plan.prometheusUrl ? Value(*plan.prometheusUrl) : Value(nullptr)},
                  {"deploy", Object{{"run", plan.deploy.run},
                                    {"rollback", plan.deploy.rollback.empty() ? plan.deploy.run : plan.deploy.rollback},
                                    {"timeout_s", plan.deploy.timeoutS},
                                    {"expected_s", plan.deploy.expectedS},
                                    {"rollback_time_s", plan.deploy.rollbackTimeS},
                                    {"rollback_batch", plan.deploy.rollbackBatch}}},
                  {"metrics", std::move(metrics)},
                  {"alarms", std::move(alarms)},
                  {"rollback_on", plan.hasRollbackOn ? alarmJson(plan.rollbackOn) : Value(nullptr)},
                  {"block_on", stringList(plan.blockOn)},
                  {"windows", windowsJson(plan.windows)},
                  {"emergency", std::move(emergency)},
                  {"stages", stagesJson(plan)},
                  {"steps", stepsJson(plan)}};
  if (plan.alertmanagerUrl) document["alertmanager_url"] = *plan.alertmanagerUrl;
  if (!plan.notify.empty()) document["notify"] = notifyJson(plan.notify);
  if (plan.analysis) document["analysis"] = analysisJson(*plan.analysis);
  Value result(std::move(document));
  (*result.getAsObject())["digest"] = computeDigest(result);
  return result;
}

}  // namespace pipelang::planformat
