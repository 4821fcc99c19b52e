// What S218 (time to global) and S219 (worst-case recovery) need of a plan,
// computed from the resolved pipeline without building its steps
// (plan.md §3; issue 18: building and walking every step was 43 % of
// `pipec check` on an organisation whose services all override something).
#pragma once

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/sema/Model.h"

#include <string>
#include <vector>

namespace pipelang::plan {

// An Analysis whose time and recovery fields (referenceStart, reachesGlobal,
// timeToGlobalS, timeToGlobalBusinessDays, schedule, stageWaitedForWindow,
// regionsInNoWave, trafficInNoWave, detectionS, rollbackS, worstRecoveryS,
// rollbackBatches, rollbackZone) equal those of analyzePlan(buildPlan(p)),
// in seconds since Monday 09:00 local like it. Exposure and per-step times
// are left empty. O(stages x regions x zones) calendar queries, not O(steps).
Analysis analyzeTimes(const model::Pipeline& pipeline);

// Everything analyzeTimes reads from `pipeline`, as bytes: two pipelines with
// the same key have the same analyzeTimes, stage ids, time zone and rollback
// batch, so their S218/S219 figures can be computed once.
std::string timesKey(const model::Pipeline& pipeline);

}  // namespace pipelang::plan
