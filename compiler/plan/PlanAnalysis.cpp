#include "compiler/plan/PlanAnalysis.h"

#include "compiler/plan/WindowOpenings.h"

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

}  // namespace

// Shared with PlanTimes.cpp (PlanAnalysis.h).
// The bake of a step started at `t`: longer when it starts outside every allow
// (night traffic tests less, language.md §5.4).
int64_t bakeDuration(const planformat::WindowCalendar* calendar, int64_t bakeS, int64_t t, WindowOpenings* remembered) {
  if (!calendar || bakeS == 0 || (remembered ? remembered->insideAllow(t) : calendar->insideAllow(t))) return bakeS;
  return static_cast<int64_t>(std::llround(static_cast<double>(bakeS) * calendar->spec().offHoursBake));
}

// Seconds between `from` and `to` that fall on a local Monday..Friday, in days.
// Day by day for the first and last weeks; whole weeks between count five
// days each, so a walk of centuries costs no more than one of a month.
double businessDays(const planformat::WindowCalendar& calendar, int64_t from, int64_t to) {
  constexpr int64_t kWeek = 7 * 86400;
  planformat::LocalTime day = calendar.toLocal(from);
  day.hour = day.minute = day.second = 0;
  int64_t counted = 0;
  for (int64_t offset = 0;; ++offset) {
    if (offset > 0 && offset % 7 == 0) {
      planformat::LocalTime week = day;
      week.day += static_cast<int>(offset);
      int64_t weeks = (to - calendar.fromLocal(week)) / kWeek - 1;
      if (weeks > 0) {
        counted += weeks * 5 * 86400;
        offset += weeks * 7;
      }
    }
    planformat::LocalTime start = day, end = day;
    start.day += static_cast<int>(offset);
    end.day += static_cast<int>(offset + 1);
    int64_t dayStart = calendar.fromLocal(start), dayEnd = calendar.fromLocal(end);
    if (dayStart >= to) break;
    int weekday = calendar.toLocal(dayStart + 1).weekday;  // 0 = sunday
    if (weekday != 0 && weekday != 6) counted += std::max<int64_t>(0, std::min(dayEnd, to) - std::max(dayStart, from));
  }
  return std::round(static_cast<double>(counted) / 86400.0 * 100) / 100;
}

int64_t stepEnd(const PlanLayout& plan, const planformat::WindowCalendar* calendar, const Step& step, int64_t t,
                WindowOpenings* remembered) {
  switch (step.type) {
    case StepType::Onebox:
    case StepType::Canary:
      t += plan.expectedS;
      return t + bakeDuration(calendar, step.bakeS.value_or(0), t, remembered);
    case StepType::Batch:
      return t + plan.expectedS;
    case StepType::Test:
      return t + plan.stages[step.stage].tests[step.number].timeoutS;
    case StepType::Bake:
      return t + bakeDuration(calendar, step.bakeS.value_or(0), t, remembered);
    case StepType::Approval:
      break;
  }
  return t;
}

namespace {

void walkTimes(const PlanLayout& plan, Analysis& result) {
  std::optional<planformat::WindowCalendar> calendar;
  if (plan.windows) calendar.emplace(*plan.windows);
  planformat::WindowCalendar utc{planformat::WindowSpec{}};
  const planformat::WindowCalendar& clock = calendar ? *calendar : utc;
  planformat::WindowCalendar::Scope zone(clock);  // one zone switch for the whole walk
  std::optional<WindowOpenings> remembered;       // answers shared with every plan with these windows
  if (calendar) remembered.emplace(*calendar);
  int64_t reference = referenceStart(clock);
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
      opened = remembered ? remembered->opens(ready) : ready;
      result.stageWaitedForWindow[step.stage] = *opened > ready;
    }
    int64_t t = *opened;
    for (int before : step.after) t = std::max(t, end[before]);
    start[i] = t;
    end[i] = stepEnd(plan, calendar ? &*calendar : nullptr, step, t, remembered ? &*remembered : nullptr);
    if (static_cast<int>(i) == plan.stages[step.stage].bakeStep) ready = end[i];
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
void recovery(const PlanLayout& plan, Analysis& result) {
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

bool isDeploying(StepType type) {
  return type == StepType::Onebox || type == StepType::Batch || type == StepType::Canary;
}

// One region's steps in one wave, as the tree their `after` edges form inside
// the region (one-box, then canary steps or zone lanes with zone bakes).
struct RegionSteps {
  std::vector<int> steps;           // plan step indices, in topological order
  std::vector<int> parent;          // position in `steps` of the one in-region predecessor, -1: none
  std::vector<int64_t> laterHosts;  // hosts replaced by strict descendants of each step
  std::vector<size_t> withTraffic;  // positions of the one-box and canary steps (few)
  std::vector<int> enter, leave;    // DFS order: t descends from k iff enter[k] < enter[t] <= leave[t] <= leave[k]
  int64_t totalHosts = 0, capacity = 0;
  double maxTraffic = 0;
  bool isTree = true;  // false: a step waits for two steps of the region; counted as fully deployed
};

// Scratch reused across the regions of one plan, so that building a region's
// tree allocates nothing per step beyond the result (issue 18: exposure was a
// quarter of `check` on an organisation whose services all differ in shape).
struct RegionScratch {
  std::vector<int> position;                 // plan step index -> position in `steps`, -1: not in the region
  std::vector<int> firstChild, nextSibling;  // the tree as linked lists, children in position order
  std::vector<std::pair<int, int>> stack;    // (node, next child to visit or -1)
};

RegionSteps regionSteps(const PlanLayout& plan, const std::vector<int>& indices, int region, RegionScratch& scratch) {
  RegionSteps r;
  r.steps = indices;
  for (const PlanZone& zone : plan.regions[region].zones) r.capacity += zone.hosts;
  std::vector<int>& position = scratch.position;
  if (position.size() < plan.steps.size()) position.assign(plan.steps.size(), -1);
  for (size_t k = 0; k < indices.size(); ++k) position[indices[k]] = static_cast<int>(k);
  r.parent.assign(indices.size(), -1);
  for (size_t k = 0; k < indices.size(); ++k) {
    const Step& step = plan.steps[indices[k]];
    for (int before : step.after) {
      int found = before >= 0 && static_cast<size_t>(before) < position.size() ? position[before] : -1;
      if (found < 0) continue;
      if (r.parent[k] >= 0) r.isTree = false;
      r.parent[k] = found;
    }
    if (step.type == StepType::Onebox || step.type == StepType::Batch) r.totalHosts += step.hostCount;
    if (step.traffic) {
      r.maxTraffic = std::max(r.maxTraffic, *step.traffic);
      r.withTraffic.push_back(k);
    }
  }
  for (int index : indices) position[index] = -1;
  // Euler tour of the tree (iterative: a region may hold thousands of batches),
  // children visited in position order.
  scratch.firstChild.assign(indices.size(), -1);
  scratch.nextSibling.assign(indices.size(), -1);
  for (size_t k = indices.size(); k-- > 0;) {
    int up = r.parent[k];
    if (up < 0) continue;
    scratch.nextSibling[k] = scratch.firstChild[up];
    scratch.firstChild[up] = static_cast<int>(k);
  }
  r.enter.assign(indices.size(), 0);
  r.leave.assign(indices.size(), 0);
  int clock = 0;
  auto& stack = scratch.stack;
  for (size_t root = 0; root < indices.size(); ++root) {
    if (r.parent[root] >= 0) continue;
    stack.clear();
    stack.push_back({static_cast<int>(root), scratch.firstChild[root]});
    r.enter[root] = clock++;
    while (!stack.empty()) {
      auto [node, next] = stack.back();
      if (next >= 0) {
        stack.back().second = scratch.nextSibling[next];
        r.enter[next] = clock++;
        stack.push_back({next, scratch.firstChild[next]});
      } else {
        r.leave[node] = clock++;
        stack.pop_back();
      }
    }
  }
  // Children come after their parent in topological order: sum from the end.
  r.laterHosts.assign(indices.size(), 0);
  for (size_t k = indices.size(); k-- > 0;) {
    int up = r.parent[k];
    if (up < 0) continue;
    const Step& step = plan.steps[indices[k]];
    int64_t own = step.type == StepType::Onebox || step.type == StepType::Batch ? step.hostCount : 0;
    r.laterHosts[up] += own + r.laterHosts[k];
  }
  return r;
}

double hostShare(int64_t hosts, int64_t capacity) {
  return capacity > 0 ? std::min(1.0, static_cast<double>(hosts) / static_cast<double>(capacity)) : 0.0;
}

// The region's share once everything it deploys in the wave is done.
double fullShare(const RegionSteps& r) {
  return std::max(r.maxTraffic, hostShare(r.totalHosts, r.capacity));
}

// The most of the region that can be on the new version when step `k` is done:
// every step that does not wait for it may be done too (other zone lanes).
double shareWhenDone(const PlanLayout& plan, const RegionSteps& r, size_t k) {
  if (!r.isTree) return fullShare(r);
  double traffic = 0;
  for (size_t t : r.withTraffic) {
    const Step& step = plan.steps[r.steps[t]];
    bool waits = r.enter[k] < r.enter[t] && r.leave[t] <= r.leave[k];  // t is a strict descendant of k
    if (!waits) traffic = std::max(traffic, *step.traffic);
  }
  return std::max(traffic, hostShare(r.totalHosts - r.laterHosts[k], r.capacity));
}

// Share of global traffic on the new version once each deploying step is done,
// as a worst case: every region of earlier prod waves in full, every other
// region of the same wave as far as it can have got without waiting for this
// step (regions of a wave run in parallel, so: in full), and this region's
// steps that do not wait for this one (plan.md §3 exposure).
void exposure(const PlanLayout& plan, Analysis& result) {
  double base = 0;
  bool firstWave = true;
  std::vector<std::vector<int>> byStage(plan.stages.size());  // region-scoped steps, in step order
  for (size_t i = 0; i < plan.steps.size(); ++i)
    if (plan.steps[i].region >= 0) byStage[plan.steps[i].stage].push_back(static_cast<int>(i));
  std::vector<std::vector<int>> byRegion(plan.regions.size());
  RegionScratch scratch;
  std::vector<RegionSteps> regions;
  std::vector<std::pair<int, double>> entries;
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    const PlanStage& stage = plan.stages[s];
    if (stage.preprod) continue;
    for (int region : stage.regions) byRegion[region].clear();
    for (int i : byStage[s]) byRegion[plan.steps[i].region].push_back(i);
    regions.clear();
    double waveFull = 0;  // every region of the wave in full
    for (int region : stage.regions) {
      regions.push_back(regionSteps(plan, byRegion[region], region, scratch));
      waveFull += plan.regions[region].traffic * fullShare(regions.back());
    }
    entries.clear();
    for (size_t n = 0; n < regions.size(); ++n) {
      const RegionSteps& r = regions[n];
      double traffic = plan.regions[stage.regions[n]].traffic;
      double others = waveFull - traffic * fullShare(r);
      for (size_t k = 0; k < r.steps.size(); ++k)
        if (isDeploying(plan.steps[r.steps[k]].type))
          entries.push_back({r.steps[k], round6(std::min(1.0, base + others + traffic * shareWhenDone(plan, r, k)))});
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& [step, share] : entries) result.exposure.push_back({step, share});
    base += waveFull;
    if (firstWave) result.maxExposureBeforeWave2 = round6(std::min(1.0, base));
    firstWave = false;
  }
  result.finalExposure = round6(std::min(1.0, base));
  for (const PlanRegion& region : plan.regionsInNoWave) {
    result.regionsInNoWave.push_back(region.id);
    result.trafficInNoWave += region.traffic;
  }
  result.trafficInNoWave = round6(result.trafficInNoWave);
  result.reachesGlobal = !firstWave && plan.regionsInNoWave.empty();
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

Analysis analyzePlan(const PlanLayout& plan) {
  Analysis result;
  walkTimes(plan, result);
  recovery(plan, result);
  exposure(plan, result);
  result.throughput = analyzeThroughput(plan, result.referenceStart, result.reachesGlobal);
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
