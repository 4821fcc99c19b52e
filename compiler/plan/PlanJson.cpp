// model::Pipeline + Plan + Analysis -> the plan document (docs/plan-format.md).
#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanDigest.h"

#include <fmt/format.h>

namespace pipelang::plan {
namespace {

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

int64_t seconds(int64_t ms) {
  return ms / 1000;
}

const char* unitName(model::MetricUnit unit) {
  switch (unit) {
    case model::MetricUnit::Percent:
      return "percent";
    case model::MetricUnit::Duration:
      return "duration";
    case model::MetricUnit::Count:
      return "count";
    case model::MetricUnit::None:
      return nullptr;
  }
  return nullptr;
}

Value alarmJson(const model::AlarmExpr& expr) {
  switch (expr.op) {
    case model::AlarmExpr::Op::Cond:
      return Object{{"op", "cond"},
                    {"metric", expr.metric},
                    {"cmp", expr.cmp},
                    {"value", expr.value},
                    {"m", expr.m},
                    {"n", expr.n},
                    {"period_s", seconds(expr.periodMs)}};
    case model::AlarmExpr::Op::Ref:
      return Object{{"op", "ref"}, {"alarm", expr.alarm}};
    case model::AlarmExpr::Op::External:
      return Object{{"op", "external"}, {"name", expr.externalName}};
    case model::AlarmExpr::Op::Not:
      return Object{{"op", "not"}, {"arg", expr.args.empty() ? Value(nullptr) : alarmJson(expr.args.front())}};
    case model::AlarmExpr::Op::And:
    case model::AlarmExpr::Op::Or: {
      Array args;
      for (const auto& arg : expr.args) args.push_back(alarmJson(arg));
      return Object{{"op", expr.op == model::AlarmExpr::Op::And ? "and" : "or"}, {"args", std::move(args)}};
    }
  }
  return nullptr;
}

std::string clock(int minutes) {
  return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

Value ruleJson(const model::WindowRule& rule) {
  static const char* days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  Object object{{"name", rule.name}, {"days", nullptr}, {"hours", nullptr}, {"dates", nullptr}};
  if (rule.days) {
    Array list;
    for (int day : *rule.days) list.push_back(days[day % 7]);
    object["days"] = std::move(list);
  }
  if (rule.hours) object["hours"] = Object{{"from", clock(rule.hours->first)}, {"to", clock(rule.hours->second)}};
  if (rule.dates) {
    Array list;
    for (const auto& [from, to] : *rule.dates) list.push_back(Object{{"from", from}, {"to", to}});
    object["dates"] = std::move(list);
  }
  return object;
}

Value windowsJson(const std::optional<model::Windows>& windows) {
  if (!windows) return nullptr;
  Array allow, deny;
  for (const auto& rule : windows->allow) allow.push_back(ruleJson(rule));
  for (const auto& rule : windows->deny) deny.push_back(ruleJson(rule));
  return Object{{"timezone", windows->timezone},
                {"allow", std::move(allow)},
                {"deny", std::move(deny)},
                {"off_hours_bake", windows->offHoursBake}};
}

Value stringList(const std::vector<std::string>& items) {
  Array list;
  for (const auto& item : items) list.push_back(item);
  return list;
}

Value topologyJson(const model::Pipeline& pipeline, const Plan& plan) {
  Array regions;
  for (const PlanRegion& region : plan.regions) {
    Array zones;
    for (const PlanZone& zone : region.zones) zones.push_back(Object{{"id", zone.id}, {"hosts", zone.hosts}});
    regions.push_back(Object{{"id", region.id}, {"traffic", region.traffic}, {"zones", std::move(zones)}});
  }
  return Object{{"name", pipeline.topology ? pipeline.topology->name : ""}, {"regions", std::move(regions)}};
}

Value stagesJson(const Plan& plan) {
  Array stages;
  for (const PlanStage& stage : plan.stages) {
    Array regions, tests;
    for (int region : stage.regions) regions.push_back(plan.regions[region].id);
    for (const PlanTest& test : stage.tests)
      tests.push_back(Object{{"name", test.name}, {"run", test.run}, {"timeout_s", test.timeoutS}});
    Value minTraffic = nullptr;
    if (stage.minTraffic)
      minTraffic = Object{
          {"metric", stage.minTraffic->metric}, {"cmp", stage.minTraffic->cmp}, {"value", stage.minTraffic->value}};
    stages.push_back(Object{{"id", stage.id},
                            {"kind", stage.preprod ? "preprod" : "wave"},
                            {"regions", std::move(regions)},
                            {"bake_s", stage.bakeS},
                            {"min_traffic", std::move(minTraffic)},
                            {"tests", std::move(tests)}});
  }
  return stages;
}

Value stepsJson(const Plan& plan, const std::vector<std::string>& ids) {
  Array steps;
  steps.reserve(plan.steps.size());
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    const PlanRegion* region = step.region >= 0 ? &plan.regions[step.region] : nullptr;
    const PlanZone* zone = region && step.zone >= 0 ? &region->zones[step.zone] : nullptr;
    Array hosts, after;
    hosts.reserve(zone ? static_cast<size_t>(step.hostCount) : 0);
    after.reserve(step.after.size());
    // Pre-production hosts are not prod's: `<stage>-<zone>-hNN` (plan-format.md, Hosts).
    const PlanStage& stage = plan.stages[step.stage];
    std::string zoneName = zone ? (stage.preprod ? stage.id + "-" : "") + zone->id : "";
    for (int64_t n = step.hostFirst; zone && n < step.hostFirst + step.hostCount; ++n)
      hosts.push_back(hostName(zoneName, n, zone->hosts));
    for (int before : step.after) after.push_back(ids[before]);
    Object object{{"id", ids[i]},
                  {"stage", plan.stages[step.stage].id},
                  {"type", stepTypeName(step.type)},
                  {"region", region ? Value(region->id) : Value(nullptr)},
                  {"zone", zone ? Value(zone->id) : Value(nullptr)},
                  {"hosts", std::move(hosts)},
                  {"traffic", step.traffic ? Value(*step.traffic) : Value(nullptr)},
                  {"bake_s", step.bakeS ? Value(*step.bakeS) : Value(nullptr)},
                  {"after", std::move(after)}};
    if (step.type == StepType::Test) {
      const PlanTest& test = plan.stages[step.stage].tests[step.number];
      object["run"] = test.run;
      object["timeout_s"] = test.timeoutS;
    }
    steps.push_back(std::move(object));
  }
  return steps;
}

Value analysisJson(const Plan& plan, const Analysis& analysis, const std::vector<std::string>& ids) {
  Array exposure, schedule;
  exposure.reserve(analysis.exposure.size());
  for (const StepExposure& entry : analysis.exposure)
    exposure.push_back(Object{{"step", ids[entry.step]}, {"global_traffic", entry.globalTraffic}});
  for (const StageTime& time : analysis.schedule)
    schedule.push_back(Object{{"stage", plan.stages[time.stage].id}, {"start_s", time.startS}, {"end_s", time.endS}});
  Array noWave;
  for (const std::string& region : analysis.regionsInNoWave) noWave.push_back(region);
  // A plan whose waves leave a region out never reaches global: no time to give.
  Value toGlobal = analysis.reachesGlobal ? Value(analysis.timeToGlobalS) : Value(nullptr);
  Value businessDays = analysis.reachesGlobal ? Value(analysis.timeToGlobalBusinessDays) : Value(nullptr);
  return Object{{"time_to_global_s", std::move(toGlobal)},
                {"time_to_global_business_days", std::move(businessDays)},
                {"regions_in_no_wave", std::move(noWave)},
                {"traffic_in_no_wave", analysis.trafficInNoWave},
                {"final_exposure", analysis.finalExposure},
                {"detection_s", analysis.detectionS},
                {"rollback_s", analysis.rollbackS},
                {"worst_recovery_s", analysis.worstRecoveryS},
                {"max_exposure_before_wave2", analysis.maxExposureBeforeWave2},
                {"exposure", std::move(exposure)},
                {"schedule", std::move(schedule)}};
}

}  // namespace

llvm::json::Value buildPlanJson(const model::Pipeline& pipeline) {
  Plan plan = buildPlan(pipeline);
  Analysis analysis = analyzePlan(plan);
  std::vector<std::string> ids;
  ids.reserve(plan.steps.size());
  for (const Step& step : plan.steps) ids.push_back(stepId(plan, step));

  Object metrics, alarms;
  for (const model::Metric& metric : pipeline.metrics) {
    const char* unit = unitName(metric.unit);
    metrics[metric.name] =
        Object{{"source", metric.source}, {"query", metric.query}, {"unit", unit ? Value(unit) : Value(nullptr)}};
  }
  for (const model::Alarm& alarm : pipeline.alarms) alarms[alarm.name] = alarmJson(alarm.expr);

  Value emergency = nullptr;
  if (pipeline.emergency)
    emergency = Object{{"approvers", stringList(pipeline.emergency->approvers)},
                       {"bake", pipeline.emergency->bake},
                       {"min_bake_s", seconds(pipeline.emergency->minBakeMs)}};

  Object document{
      {"schema", planformat::kSchemaV1},
      {"digest", ""},
      {"pipeline", pipeline.name},
      {"artifact", pipeline.artifact},
      {"kind", pipeline.kind},
      {"execution_mode", pipeline.executionMode},
      {"policy", pipeline.policy ? pipeline.policy->name : ""},
      {"topology", topologyJson(pipeline, plan)},
      {"prometheus_url", pipeline.prometheusUrl ? Value(*pipeline.prometheusUrl) : Value(nullptr)},
      {"deploy", Object{{"run", pipeline.deploy.run},
                        {"rollback", pipeline.deploy.rollback.empty() ? pipeline.deploy.run : pipeline.deploy.rollback},
                        {"timeout_s", seconds(pipeline.deploy.timeoutMs)},
                        {"expected_s", plan.expectedS},
                        {"rollback_time_s", plan.rollbackTimeS},
                        {"rollback_batch", plan.rollbackBatch}}},
      {"metrics", std::move(metrics)},
      {"alarms", std::move(alarms)},
      {"rollback_on", pipeline.rollbackOn ? alarmJson(*pipeline.rollbackOn) : Value(nullptr)},
      {"block_on", stringList(pipeline.blockOn)},
      {"windows", windowsJson(pipeline.windows)},
      {"emergency", std::move(emergency)},
      {"stages", stagesJson(plan)},
      {"steps", stepsJson(plan, ids)},
      {"analysis", analysisJson(plan, analysis, ids)}};
  Value result(std::move(document));
  std::string digest = planformat::computeDigest(result);
  (*result.getAsObject())["digest"] = digest;
  return result;
}

}  // namespace pipelang::plan
