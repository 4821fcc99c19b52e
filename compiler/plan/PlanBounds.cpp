#include "compiler/plan/PlanBounds.h"

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanTimes.h"
#include "compiler/plan/ThroughputCheck.h"
#include "compiler/plan/WindowHorizon.h"

#include <fmt/format.h>

#include <llvm/ADT/iterator.h>
#include <map>
#include <unordered_map>

namespace pipelang {

namespace {

// What S218/S219 need of a pipeline's plan: the same for every pipeline of one
// plan shape (model::Pipeline::planShapeOf) or of equal plan::timesKey, so it
// is computed once for each.
struct BoundsFacts {
  plan::Analysis analysis;
  std::vector<std::string> stageIds;
  std::string timezone;
  double rollbackBatch = 1.0;
  int64_t rollbackTimeS = 0;
};

// The stage ids, time zone and rollback batch PlanBuilder would give the plan;
// the figures from plan::analyzeTimes, without building the plan's steps.
BoundsFacts computeFacts(const model::Pipeline& pipeline) {
  BoundsFacts facts;
  facts.analysis = plan::analyzeTimes(pipeline);
  for (const model::Stage& stage : pipeline.stages) facts.stageIds.push_back(stage.name);
  if (pipeline.prod)
    for (const model::Wave& wave : pipeline.prod->waves) facts.stageIds.push_back("wave" + std::to_string(wave.number));
  facts.timezone = pipeline.windows ? pipeline.windows->timezone : "UTC";
  facts.rollbackBatch = pipeline.policy && pipeline.policy->maxBatch ? pipeline.policy->maxBatch->value : 1.0;
  facts.rollbackTimeS = pipeline.deploy.rollbackTimeMs / 1000;
  return facts;
}

bool hasBounds(const model::Pipeline& pipeline) {
  const model::Policy* policy = pipeline.policy;
  return policy && pipeline.prod && (policy->maxTimeToGlobal || policy->maxRecovery);
}

DiagNote limitNote(const model::Policy& policy, const model::Origin& origin) {
  return DiagNote{"limit set by policy " + policy.name, origin.range};
}

void report(const model::Pipeline& pipeline, const BoundsFacts& facts, DiagnosticSink& sink) {
  const model::Policy& policy = *pipeline.policy;
  const plan::Analysis& analysis = facts.analysis;

  // A plan that never reaches global has no time to global to bound: S209 names the regions left out.
  if (policy.maxTimeToGlobal && analysis.reachesGlobal &&
      analysis.timeToGlobalS * 1000 > policy.maxTimeToGlobal->value) {
    int64_t limitS = policy.maxTimeToGlobal->value / 1000;
    Diagnostic& d =
        sink.report(DiagCode::S218, pipeline.origin.range,
                    fmt::format("time to global of `{}` is {} ({} business days), over the policy maximum of {}",
                                pipeline.name, plan::formatDuration(analysis.timeToGlobalS),
                                analysis.timeToGlobalBusinessDays, plan::formatDuration(limitS)));
    d.notes.push_back(limitNote(policy, policy.maxTimeToGlobal->origin));
    for (const plan::StageTime& time : analysis.schedule)
      d.notes.push_back({fmt::format("stage {} runs from {} to {} after Monday 09:00 {}{}", facts.stageIds[time.stage],
                                     plan::formatDuration(time.startS), plan::formatDuration(time.endS), facts.timezone,
                                     analysis.stageWaitedForWindow[time.stage] ? " (waited for its window)" : ""),
                         {}});
    d.help =
        "use fewer waves, shorter bakes, or windows that open more often; `pipec plan --explain` shows the schedule";
  }

  if (policy.maxRecovery && analysis.worstRecoveryS * 1000 > policy.maxRecovery->value) {
    Diagnostic& d = sink.report(DiagCode::S219, pipeline.origin.range,
                                fmt::format("worst-case recovery of `{}` is {}, over the policy maximum of {}",
                                            pipeline.name, plan::formatDuration(analysis.worstRecoveryS),
                                            plan::formatDuration(policy.maxRecovery->value / 1000)));
    d.notes.push_back(limitNote(policy, policy.maxRecovery->origin));
    d.notes.push_back({fmt::format("detection takes up to {}: the slowest condition of `rollback_on` (M x period)",
                                   plan::formatDuration(analysis.detectionS)),
                       pipeline.rollbackOnOrigin.range});
    d.notes.push_back(
        {fmt::format("rollback takes {}: zone {} needs {} batches (max_batch {}% of its hosts, at least one host "
                     "each), {} each",
                     plan::formatDuration(analysis.rollbackS), analysis.rollbackZone, analysis.rollbackBatches,
                     std::lround(facts.rollbackBatch * 100), plan::formatDuration(facts.rollbackTimeS)),
         pipeline.deploy.origin.range});
    d.help = "alarm sooner (fewer datapoints or a shorter period), or make `deploy.rollback_time` shorter";
  }
}

}  // namespace

void checkPlanBounds(const model::Pipeline& pipeline, DiagnosticSink& sink) {
  plan::checkWindowsOpenWithinHorizon(pipeline, sink);
  if (hasBounds(pipeline)) report(pipeline, computeFacts(pipeline), sink);
  checkThroughputFloor(pipeline, sink);
}

struct PlanBoundsChecker::Facts : BoundsFacts {
  explicit Facts(BoundsFacts facts) : BoundsFacts(std::move(facts)) {}
};

PlanBoundsChecker::PlanBoundsChecker() = default;
PlanBoundsChecker::~PlanBoundsChecker() = default;

void PlanBoundsChecker::check(const model::Pipeline& pipeline, DiagnosticSink& sink) {
  horizon_.check(pipeline, sink);        // S215 of dated windows, whatever the policy
  checkThroughputFloor(pipeline, sink);  // S227, only where the policy sets a floor
  if (!hasBounds(pipeline)) return;
  auto shared = pipeline.planShapeOf ? byShape_.find(pipeline.planShapeOf) : byShape_.end();
  if (shared != byShape_.end()) {
    report(pipeline, *shared->second, sink);
    return;
  }
  // Services that override, but not what S218/S219 read, share one analysis.
  std::string key = plan::timesKey(pipeline);
  auto found = byKey_.find(key);
  if (found == byKey_.end())
    found = byKey_.emplace(std::move(key), std::make_unique<Facts>(computeFacts(pipeline))).first;
  if (pipeline.planShapeOf) byShape_.emplace(pipeline.planShapeOf, found->second.get());
  report(pipeline, *found->second, sink);
}

void checkPlanBounds(const model::Program& program, DiagnosticSink& sink) {
  PlanBoundsChecker checker;
  for (const model::Pipeline& pipeline : llvm::make_pointee_range(program.pipelines)) checker.check(pipeline, sink);
}

}  // namespace pipelang
