#include "compiler/plan/PlanAnalysis.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace pipelang::plan {
namespace {

void conditionsDetection(const model::Pipeline& pipeline, const model::AlarmExpr& expr, std::set<std::string>& visiting,
                         int64_t& worst) {
  switch (expr.op) {
    case model::AlarmExpr::Op::Cond:
      worst = std::max(worst, expr.m * expr.periodMs / 1000);
      return;
    case model::AlarmExpr::Op::Ref: {
      const model::Alarm* alarm = pipeline.findAlarm(expr.alarm);
      if (!alarm || !visiting.insert(expr.alarm).second) return;  // cycles are R110, reported elsewhere
      conditionsDetection(pipeline, alarm->expr, visiting, worst);
      visiting.erase(expr.alarm);
      return;
    }
    case model::AlarmExpr::Op::External:
      return;  // its source decides; nothing to count
    default:
      for (const model::AlarmExpr& arg : expr.args) conditionsDetection(pipeline, arg, visiting, worst);
  }
}

double round6(double value) {
  return std::round(value * 1e6) / 1e6;
}

// The bake of a step started at `t`: longer when it starts outside every allow
// (night traffic tests less, language.md §5.4).
int64_t bakeDuration(const planformat::WindowCalendar* calendar, int64_t bakeS, int64_t t) {
  if (!calendar || bakeS == 0 || calendar->insideAllow(t)) return bakeS;
  return static_cast<int64_t>(std::llround(static_cast<double>(bakeS) * calendar->spec().offHoursBake));
}

// Seconds between `from` and `to` that fall on a local Monday..Friday, in days.
double businessDays(const planformat::WindowCalendar& calendar, int64_t from, int64_t to) {
  planformat::LocalTime day = calendar.toLocal(from);
  day.hour = day.minute = day.second = 0;
  int64_t counted = 0;
  for (int offset = 0;; ++offset) {
    planformat::LocalTime start = day, end = day;
    start.day += offset;
    end.day += offset + 1;
    int64_t dayStart = calendar.fromLocal(start), dayEnd = calendar.fromLocal(end);
    if (dayStart >= to) break;
    int weekday = calendar.toLocal(dayStart + 1).weekday;  // 0 = sunday
    if (weekday != 0 && weekday != 6) counted += std::max<int64_t>(0, std::min(dayEnd, to) - std::max(dayStart, from));
  }
  return std::round(static_cast<double>(counted) / 86400.0 * 100) / 100;
}

void walkTimes(const Plan& plan, Analysis& result) {
  std::optional<planformat::WindowCalendar> calendar;
  if (plan.windows) calendar.emplace(*plan.windows);
  planformat::WindowCalendar utc{planformat::WindowSpec{}};
  const planformat::WindowCalendar& clock = calendar ? *calendar : utc;
  planformat::WindowCalendar::Scope zone(clock);  // one zone switch for the whole walk
  planformat::LocalTime monday{kReferenceYear, kReferenceMonth, kReferenceDay, kReferenceHour, 0, 0, 1};
  int64_t reference = clock.fromLocal(monday);
  result.referenceStart = reference;

  size_t count = plan.steps.size();
  std::vector<int64_t> start(count, reference), end(count, reference);
  std::vector<std::optional<int64_t>> stageStart(plan.stages.size());
  result.stageWaitedForWindow.assign(plan.stages.size(), false);
  int64_t ready = reference;  // when the previous stage finished
  for (size_t i = 0; i < count; ++i) {
    const Step& step = plan.steps[i];
    auto& opened = stageStart[step.stage];
    if (!opened) {
      // A stage starts when its window opens; one that never opens is S215's business.
      opened = calendar ? calendar->nextAllowedStart(ready).value_or(ready) : ready;
      result.stageWaitedForWindow[step.stage] = *opened > ready;
    }
    int64_t t = *opened;
    for (int before : step.after) t = std::max(t, end[before]);
    start[i] = t;
    const planformat::WindowCalendar* bakeCalendar = calendar ? &*calendar : nullptr;
    switch (step.type) {
      case StepType::Onebox:
      case StepType::Canary:
        t += plan.expectedS;
        t += bakeDuration(bakeCalendar, step.bakeS.value_or(0), t);
        break;
      case StepType::Batch:
        t += plan.expectedS;
        break;
      case StepType::Test:
        t += plan.stages[step.stage].tests[step.number].timeoutS;
        break;
      case StepType::Bake:
        t += bakeDuration(bakeCalendar, step.bakeS.value_or(0), t);
        break;
      case StepType::Approval:
        break;
    }
    end[i] = t;
    if (static_cast<int>(i) == plan.stages[step.stage].bakeStep) ready = t;
  }
  int64_t finish = reference;
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    int bake = plan.stages[s].bakeStep;
    int64_t stageEnd = bake >= 0 ? end[bake] : reference;
    result.schedule.push_back(
        {static_cast<int>(s), stageStart[s].value_or(reference) - reference, stageEnd - reference});
    finish = std::max(finish, stageEnd);
  }
  result.timeToGlobalS = finish - reference;
  result.timeToGlobalBusinessDays = businessDays(clock, reference, finish);
  result.stepStartS.resize(count);
  result.stepEndS.resize(count);
  for (size_t i = 0; i < count; ++i) {
    result.stepStartS[i] = start[i] - reference;
    result.stepEndS[i] = end[i] - reference;
  }
}

// Rollback returns every zone in parallel, in batches of the policy's max_batch.
void recovery(const Plan& plan, Analysis& result) {
  result.detectionS = plan.detectionS;
  for (const PlanRegion& region : plan.regions)
    for (const PlanZone& zone : region.zones) {
      int64_t batches = batchesFor(zone.hosts, plan.rollbackBatch);
      if (batches > result.rollbackBatches) {
        result.rollbackBatches = batches;
        result.rollbackZone = zone.id;
      }
    }
  result.rollbackS = result.rollbackBatches * plan.rollbackTimeS;
  result.worstRecoveryS = result.detectionS + result.rollbackS;
}

// Share of global traffic on the new version once each deploying step is done:
// every region of earlier prod waves in full, plus this region's share so far
// (the one-box at its traffic, then the share of the region's hosts replaced,
// or the canary's traffic). Regions of one wave run in parallel and are not
// added to each other: each figure is what this region's progress exposes.
void exposure(const Plan& plan, Analysis& result) {
  double base = 0;
  bool firstWave = true;
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    const PlanStage& stage = plan.stages[s];
    if (stage.preprod) continue;
    std::vector<double> share(plan.regions.size(), 0);
    std::vector<int64_t> replaced(plan.regions.size(), 0);
    for (size_t i = 0; i < plan.steps.size(); ++i) {
      const Step& step = plan.steps[i];
      if (step.stage != static_cast<int>(s) || step.region < 0) continue;
      const PlanRegion& region = plan.regions[step.region];
      int64_t capacity = 0;
      for (const PlanZone& zone : region.zones) capacity += zone.hosts;
      double& current = share[step.region];
      switch (step.type) {
        case StepType::Onebox:
          replaced[step.region] += step.hostCount;
          current = std::max(current, step.traffic.value_or(0));
          break;
        case StepType::Batch:
          replaced[step.region] += step.hostCount;
          if (capacity > 0)
            current = std::max(current, static_cast<double>(replaced[step.region]) / static_cast<double>(capacity));
          break;
        case StepType::Canary:
          current = std::max(current, step.traffic.value_or(0));
          break;
        default:
          continue;
      }
      result.exposure.push_back({static_cast<int>(i), round6(base + region.traffic * current)});
    }
    for (int region : stage.regions) base += plan.regions[region].traffic * share[region];
    if (firstWave) result.maxExposureBeforeWave2 = round6(base);
    firstWave = false;
  }
}

}  // namespace

int64_t detectionSeconds(const model::Pipeline& pipeline) {
  int64_t worst = 0;
  std::set<std::string> visiting;
  if (pipeline.rollbackOn) conditionsDetection(pipeline, *pipeline.rollbackOn, visiting, worst);
  return worst;
}

int64_t batchesFor(int64_t hosts, double fraction) {
  if (hosts <= 0) return 0;
  int64_t size = std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(hosts) * fraction + 1e-9)));
  return (hosts + size - 1) / size;
}

Analysis analyzePlan(const Plan& plan) {
  Analysis result;
  walkTimes(plan, result);
  recovery(plan, result);
  exposure(plan, result);
  return result;
}

}  // namespace pipelang::plan

namespace pipelang::plan {

std::string formatDuration(int64_t seconds) {
  if (seconds == 0) return "0s";
  std::string text;
  auto part = [&](int64_t unit, const char* suffix) {
    if (seconds >= unit) {
      if (!text.empty()) text += ' ';
      text += std::to_string(seconds / unit) + suffix;
      seconds %= unit;
    }
  };
  part(86400, "d");
  part(3600, "h");
  part(60, "m");
  part(1, "s");
  return text;
}

}  // namespace pipelang::plan
