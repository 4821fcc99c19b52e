#include "compiler/plan/PlanBounds.h"

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanBuilder.h"

#include <fmt/format.h>

namespace pipelang {

namespace {

DiagNote limitNote(const model::Policy& policy, const model::Origin& origin) {
  return DiagNote{"limit set by policy " + policy.name, origin.range};
}

}  // namespace

void checkPlanBounds(const model::Pipeline& pipeline, DiagnosticSink& sink) {
  const model::Policy* policy = pipeline.policy;
  if (!policy || !pipeline.prod || (!policy->maxTimeToGlobal && !policy->maxRecovery)) return;
  plan::Plan built = plan::buildPlan(pipeline);
  plan::Analysis analysis = plan::analyzePlan(built);

  if (policy->maxTimeToGlobal && analysis.timeToGlobalS * 1000 > policy->maxTimeToGlobal->value) {
    int64_t limitS = policy->maxTimeToGlobal->value / 1000;
    Diagnostic& d = sink.report(
        DiagCode::S218, pipeline.origin.range,
        fmt::format("time to global of `{}` is {} ({} business days), over the policy maximum of {}", pipeline.name,
                    plan::formatDuration(analysis.timeToGlobalS), analysis.timeToGlobalBusinessDays,
                    plan::formatDuration(limitS)));
    d.notes.push_back(limitNote(*policy, policy->maxTimeToGlobal->origin));
    std::string timezone = built.windows ? built.windows->timezone : "UTC";
    for (const plan::StageTime& time : analysis.schedule)
      d.notes.push_back({fmt::format("stage {} runs from {} to {} after Monday 09:00 {}{}", built.stages[time.stage].id,
                                     plan::formatDuration(time.startS), plan::formatDuration(time.endS), timezone,
                                     analysis.stageWaitedForWindow[time.stage] ? " (waited for its window)" : ""),
                         {}});
    d.help = "use fewer waves, shorter bakes, or windows that open more often; `pipec plan --explain` shows the schedule";
  }

  if (policy->maxRecovery && analysis.worstRecoveryS * 1000 > policy->maxRecovery->value) {
    Diagnostic& d = sink.report(
        DiagCode::S219, pipeline.origin.range,
        fmt::format("worst-case recovery of `{}` is {}, over the policy maximum of {}", pipeline.name,
                    plan::formatDuration(analysis.worstRecoveryS),
                    plan::formatDuration(policy->maxRecovery->value / 1000)));
    d.notes.push_back(limitNote(*policy, policy->maxRecovery->origin));
    d.notes.push_back({fmt::format("detection takes up to {}: the slowest condition of `rollback_on` (M x period)",
                                   plan::formatDuration(analysis.detectionS)),
                       pipeline.rollbackOnOrigin.range});
    d.notes.push_back({fmt::format("rollback takes {}: zone {} needs {} batches of {}% of its hosts, {} each",
                                   plan::formatDuration(analysis.rollbackS), analysis.rollbackZone,
                                   analysis.rollbackBatches, std::lround(built.rollbackBatch * 100),
                                   plan::formatDuration(built.rollbackTimeS)),
                       pipeline.deploy.origin.range});
    d.help = "alarm sooner (fewer datapoints or a shorter period), or make `deploy.rollback_time` shorter";
  }
}

void checkPlanBounds(const model::Program& program, DiagnosticSink& sink) {
  for (const model::Pipeline& pipeline : program.pipelines) checkPlanBounds(pipeline, sink);
}

}  // namespace pipelang
