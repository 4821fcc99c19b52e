// model::Pipeline + PlanLayout + Analysis -> the one plan model (plan/Plan.h),
// which the shared writer turns into the document of docs/plan-format.md.
#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/SharedAnalyses.h"
#include "plan/PlanDigest.h"
#include "plan/PlanWriter.h"

#include <limits>

namespace pipelang::plan {
namespace {

// The plan model keeps seconds and counts in `int` (as piperun always read
// them); pipec's values fit, and a larger one is clamped rather than wrapped.
int narrow(int64_t value) {
  if (value > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  if (value < std::numeric_limits<int>::min()) return std::numeric_limits<int>::min();
  return static_cast<int>(value);
}

int seconds(int64_t ms) {
  return narrow(ms / 1000);
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
      return "";
  }
  return "";
}

planformat::AlarmExpr alarmModel(const model::AlarmExpr& expr) {
  using Op = planformat::AlarmExpr::Op;
  planformat::AlarmExpr out;
  switch (expr.op) {
    case model::AlarmExpr::Op::Cond:
      out.op = Op::Cond;
      out.metric = expr.metric;
      out.cmp = expr.cmp;
      out.value = expr.value;
      out.m = narrow(expr.m);
      out.n = narrow(expr.n);
      out.periodS = seconds(expr.periodMs);
      break;
    case model::AlarmExpr::Op::Ref:
      out.op = Op::Ref;
      out.name = expr.alarm;
      break;
    case model::AlarmExpr::Op::External:
      out.op = Op::External;
      out.name = expr.externalName;
      break;
    case model::AlarmExpr::Op::Not:
      out.op = Op::Not;
      break;
    case model::AlarmExpr::Op::And:
      out.op = Op::And;
      break;
    case model::AlarmExpr::Op::Or:
      out.op = Op::Or;
      break;
  }
  for (const auto& arg : expr.args) out.args.push_back(alarmModel(arg));
  return out;
}

void addTopology(const model::Pipeline& pipeline, const PlanLayout& layout, planformat::Plan& plan) {
  plan.topologyName = pipeline.topology ? pipeline.topology->name : "";
  for (const PlanRegion& region : layout.regions) {
    planformat::RegionTopology out{region.id, region.traffic, {}};
    for (const PlanZone& zone : region.zones) out.zones.push_back({zone.id, narrow(zone.hosts)});
    plan.regions.push_back(std::move(out));
  }
}

void addStages(const PlanLayout& layout, planformat::Plan& plan) {
  for (const PlanStage& stage : layout.stages) {
    planformat::Stage out;
    out.id = stage.id;
    out.kind = stage.preprod ? "preprod" : "wave";
    for (int region : stage.regions) out.regions.push_back(layout.regions[region].id);
    out.bakeS = narrow(stage.bakeS);
    if (stage.minTraffic)
      out.minTraffic = planformat::MinTraffic{stage.minTraffic->metric, stage.minTraffic->cmp, stage.minTraffic->value};
    for (const PlanTest& test : stage.tests) out.tests.push_back({test.name, test.run, narrow(test.timeoutS)});
    plan.stages.push_back(std::move(out));
  }
}

// Each step's id is made once, into the step; `after` copies the ids of the
// steps already added (steps are in a topological order). `plan.steps` may
// hold another plan's steps (analysePlanModel's `recycled`): every field is
// overwritten, into the strings' and vectors' capacity, so a writer thread
// allocates for a plan only what its previous plan did not have (issue 18).
void addSteps(const PlanLayout& layout, planformat::Plan& plan) {
  plan.steps.resize(layout.steps.size());
  for (size_t i = 0; i < layout.steps.size(); ++i) {
    const Step& step = layout.steps[i];
    const PlanStage& stage = layout.stages[step.stage];
    const PlanRegion* region = step.region >= 0 ? &layout.regions[step.region] : nullptr;
    const PlanZone* zone = region && step.zone >= 0 ? &region->zones[step.zone] : nullptr;
    planformat::Step& out = plan.steps[i];
    out.id.clear();
    appendStepId(out.id, layout, step);
    out.stage = stage.id;
    out.type = stepTypeName(step.type);
    out.region.clear();
    if (region) out.region = region->id;
    out.zone.clear();
    if (zone) out.zone = zone->id;
    out.hosts.clear();
    // Pre-production hosts are not prod's: `<stage>-<zone>-hNN` (plan-format.md, Hosts).
    // A range, not a string per host: the writer names them (issue 18).
    planformat::HostRange& hosts = out.hostRange;
    hosts.zone.clear();
    hosts.first = 1;
    hosts.count = 0;
    hosts.width = 2;
    if (zone && step.hostCount > 0) {
      if (stage.preprod) (hosts.zone += stage.id) += '-';
      hosts.zone += zone->id;
      hosts.first = step.hostFirst;
      hosts.count = step.hostCount;
      hosts.width = planformat::hostNumberWidth(zone->hosts);
    }
    out.traffic = step.traffic;
    out.bakeS.reset();
    if (step.bakeS) out.bakeS = narrow(*step.bakeS);
    out.after.resize(step.after.size());
    for (size_t k = 0; k < step.after.size(); ++k) out.after[k] = plan.steps[step.after[k]].id;
    out.run.clear();
    out.timeoutS = 0;
    if (step.type == StepType::Test) {
      const PlanTest& test = stage.tests[step.number];
      out.run = test.run;
      out.timeoutS = narrow(test.timeoutS);
    }
  }
}

// `steps`: the model's steps, one per layout step, in the same order (their ids).
// `recycled`: another plan's exposure list, overwritten like addSteps' steps.
planformat::AnalysisFigures analysisFigures(const PlanLayout& layout, const Analysis& analysis,
                                            const std::vector<planformat::Step>& steps,
                                            std::vector<planformat::ExposureFigure> recycled) {
  planformat::AnalysisFigures figures;
  // A plan whose waves leave a region out never reaches global: no time to give.
  if (analysis.reachesGlobal) {
    figures.timeToGlobalS = analysis.timeToGlobalS;
    figures.timeToGlobalBusinessDays = analysis.timeToGlobalBusinessDays;
  }
  figures.regionsInNoWave = analysis.regionsInNoWave;
  figures.trafficInNoWave = analysis.trafficInNoWave;
  figures.finalExposure = analysis.finalExposure;
  figures.detectionS = analysis.detectionS;
  figures.rollbackS = analysis.rollbackS;
  figures.worstRecoveryS = analysis.worstRecoveryS;
  figures.maxExposureBeforeWave2 = analysis.maxExposureBeforeWave2;
  figures.exposure = std::move(recycled);
  figures.exposure.resize(analysis.exposure.size());
  for (size_t i = 0; i < analysis.exposure.size(); ++i) {
    figures.exposure[i].step = steps[analysis.exposure[i].step].id;
    figures.exposure[i].globalTraffic = analysis.exposure[i].globalTraffic;
  }
  for (const StageTime& time : analysis.schedule)
    figures.schedule.push_back({layout.stages[time.stage].id, time.startS, time.endS});
  if (const Throughput& t = analysis.throughput; t.bottleneck >= 0) {
    planformat::ThroughputFigures throughput{
        layout.stages[t.bottleneck].id, t.versionsPerWeek, t.busyTimeToGlobalS, {}};
    for (size_t s = 0; s < t.occupancyS.size(); ++s)
      throughput.occupancy.push_back({layout.stages[s].id, t.occupancyS[s]});
    figures.throughput = std::move(throughput);
  }
  return figures;
}

}  // namespace

UnanalysedPlan buildUnanalysedPlanModel(const model::Pipeline& pipeline) {
  PlanLayout layout = buildPlan(pipeline);

  planformat::Plan plan;
  plan.schema = planformat::kSchemaV1;
  plan.pipeline = pipeline.name;
  plan.artifact = pipeline.artifact;
  plan.kind = pipeline.kind;
  plan.executionMode = pipeline.executionMode;
  plan.policy = pipeline.policy ? pipeline.policy->name : "";
  addTopology(pipeline, layout, plan);
  plan.prometheusUrl = pipeline.prometheusUrl;
  plan.alertmanagerUrl = pipeline.alertmanagerUrl;
  plan.deploy.run = pipeline.deploy.run;
  plan.deploy.rollback = pipeline.deploy.rollback.empty() ? pipeline.deploy.run : pipeline.deploy.rollback;
  plan.deploy.timeoutS = seconds(pipeline.deploy.timeoutMs);
  plan.deploy.expectedS = narrow(layout.expectedS);
  plan.deploy.rollbackTimeS = narrow(layout.rollbackTimeS);
  plan.deploy.rollbackBatch = layout.rollbackBatch;
  for (const model::Metric& metric : pipeline.metrics)
    plan.metrics[metric.name] = {metric.name, metric.source, metric.query, unitName(metric.unit)};
  for (const model::Alarm& alarm : pipeline.alarms) plan.alarms[alarm.name] = alarmModel(alarm.expr);
  if (pipeline.rollbackOn) {
    plan.rollbackOn = alarmModel(*pipeline.rollbackOn);
    plan.hasRollbackOn = true;
  }
  plan.blockOn = pipeline.blockOn;
  plan.windows = layout.windows;
  if (pipeline.emergency)
    plan.emergency = planformat::EmergencySpec{pipeline.emergency->approvers, pipeline.emergency->bake,
                                               seconds(pipeline.emergency->minBakeMs)};
  for (const model::NotifyTarget& target : pipeline.notify)
    plan.notify.push_back(planformat::NotifyTarget{target.name, target.events, seconds(target.blockedAfterMs),
                                                   target.webhook, target.run});
  return {std::move(plan), std::move(layout)};
}

planformat::Plan analysePlanModel(UnanalysedPlan plan, planformat::Plan* recycled, SharedAnalyses* shared) {
  std::vector<planformat::ExposureFigure> exposure;
  if (recycled) {
    plan.model.steps = std::move(recycled->steps);
    if (recycled->analysis) exposure = std::move(recycled->analysis->exposure);
  }
  addStages(plan.layout, plan.model);
  addSteps(plan.layout, plan.model);
  // The model's stages and steps are made: the layout may now lose what the analysis does not read.
  std::optional<Analysis> own;
  const Analysis& analysis = shared ? shared->analyze(plan.layout) : own.emplace(analyzePlan(plan.layout));
  plan.model.analysis = analysisFigures(plan.layout, analysis, plan.model.steps, std::move(exposure));
  return std::move(plan.model);
}

planformat::Plan buildPlanModel(const model::Pipeline& pipeline) {
  return analysePlanModel(buildUnanalysedPlanModel(pipeline));
}

llvm::json::Value buildPlanJson(const model::Pipeline& pipeline) {
  return planformat::planToJson(buildPlanModel(pipeline));
}

}  // namespace pipelang::plan
