// Static analysis of a plan (plan.md §3): time to global, worst-case
// recovery, exposure per step and a per-stage schedule. It reads only the
// plan, so the figures in a plan file are the ones its checks saw.
#pragma once

#include "compiler/plan/Plan.h"
#include "compiler/plan/Throughput.h"
#include "compiler/sema/Model.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pipelang::plan {

// The walk starts on Monday 2026-01-05 at 09:00 in the windows' timezone (UTC
// without windows): a fixed Monday keeps the figures reproducible, and that
// week holds no common holiday a `deny` rule would usually name.
inline constexpr int kReferenceYear = 2026, kReferenceMonth = 1, kReferenceDay = 5, kReferenceHour = 9;

// The walk's start in `calendar`'s zone, in unix seconds (Monday 2026-01-05 09:00 local).
inline int64_t referenceStart(const planformat::WindowCalendar& calendar) {
  return calendar.fromLocal({kReferenceYear, kReferenceMonth, kReferenceDay, kReferenceHour, 0, 0, 1});
}

struct StepExposure {
  int step = 0;
  double globalTraffic = 0;
};

struct StageTime {
  int stage = 0;
  int64_t startS = 0, endS = 0;  // since the reference start
};

// Which figure is a worst case and which an estimate: docs/plan.md "How the
// analysis counts". Exposure is a worst case (an upper bound); times are
// estimates from `deploy.expected`; recovery is a worst case of those estimates.
struct Analysis {
  int64_t referenceStart = 0;  // unix seconds of Monday 09:00 local
  // False when some topology region is in no prod wave: time to global is then
  // `null` in the plan, and finalExposure says how far the plan gets.
  bool reachesGlobal = false;
  int64_t timeToGlobalS = 0;  // when the last stage ends; time to global only when reachesGlobal
  double timeToGlobalBusinessDays = 0;
  double finalExposure = 0;  // share of global traffic on the new version after the last step (0..1)
  std::vector<std::string> regionsInNoWave;
  double trafficInNoWave = 0;  // their share of global traffic (0..1)
  int64_t detectionS = 0, rollbackS = 0, worstRecoveryS = 0;
  int64_t rollbackBatches = 0;  // the largest number of rollback batches any zone needs
  std::string rollbackZone;     // the zone that needs them
  double maxExposureBeforeWave2 = 0;
  std::vector<StepExposure> exposure;         // deploying steps of prod waves, in step order
  std::vector<StageTime> schedule;            // one per stage
  std::vector<int64_t> stepStartS, stepEndS;  // per step, since the reference start
  std::vector<bool> stageWaitedForWindow;     // the stage's start was pushed by its window
  Throughput throughput;                      // analyzePlan only (analyzeTimes leaves it empty)
};

// Largest M x period among the conditions reachable from rollback_on (through alarm references).
int64_t detectionSeconds(const model::Pipeline& pipeline);

// Batches of max(1, floor(hosts x fraction)) hosts needed for a zone of `hosts`.
int64_t batchesFor(int64_t hosts, double fraction);

Analysis analyzePlan(const PlanLayout& plan);

class WindowOpenings;

// The bake of a step started at unix second `t`: `bakeS` x off_hours_bake when
// `t` is outside every allow window (language.md §5.4); `bakeS` without a calendar.
// `remembered`, when given, answers for `calendar` from its shared answers.
int64_t bakeDuration(const planformat::WindowCalendar* calendar, int64_t bakeS, int64_t t,
                     WindowOpenings* remembered = nullptr);

// When `step` ends if it starts at unix second `t`: a batch takes `expectedS`,
// a one-box or canary step `expectedS` plus its bake, a test its timeout, a
// bake its duration (bakes per bakeDuration). The walk's one step rule (plan.md
// "How the analysis counts"), shared by the time to global and the throughput.
int64_t stepEnd(const PlanLayout& plan, const planformat::WindowCalendar* calendar, const Step& step, int64_t t,
                WindowOpenings* remembered = nullptr);

// Seconds between unix seconds `from` and `to` that fall on a local Monday to
// Friday of `calendar`'s zone, in days rounded to 0.01.
double businessDays(const planformat::WindowCalendar& calendar, int64_t from, int64_t to);

}  // namespace pipelang::plan

namespace pipelang::plan {

// "3d 4h 5m", "11m", "45s": how diagnostics and --explain print durations.
std::string formatDuration(int64_t seconds);

}  // namespace pipelang::plan
