// The throughput walk contracts each stage to its timed steps (issue 18):
// its figures must be those of the plain walk, step by step through
// stepEnd, on layouts of every shape (stage DAGs with lanes and joins,
// steps of every type, bakes inside and outside the windows, a stage bake
// or none, edges from earlier stages). The reference walk below is the
// analysis' rule as docs/plan.md "Throughput" states it.
#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/Throughput.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace pipelang;
using namespace pipelang::plan;

namespace {

constexpr int64_t kWeekS = 7 * 86400;

// The walk before the contraction: every step of the stage, in order.
int64_t stageEnd(const PlanLayout& plan, const planformat::WindowCalendar* calendar, size_t s, int64_t opened) {
  std::vector<int64_t> end(plan.steps.size(), 0);
  int64_t last = opened;
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    if (step.stage != static_cast<int>(s)) continue;
    int64_t t = opened;
    for (int before : step.after)
      if (plan.steps[before].stage == static_cast<int>(s)) t = std::max(t, end[before]);
    end[i] = stepEnd(plan, calendar, step, t);
    last = std::max(last, end[i]);
  }
  int bake = plan.stages[s].bakeStep;
  return bake >= 0 ? end[bake] : last;
}

// analyzeThroughput's walks (the grid of the reference week, then the flood
// with its budget of steps) over stageEnd.
Throughput referenceThroughput(const PlanLayout& plan, int64_t start) {
  std::optional<planformat::WindowCalendar> calendar;
  if (plan.windows) calendar.emplace(*plan.windows);
  const planformat::WindowCalendar* cal = calendar ? &*calendar : nullptr;
  auto opens = [&](int64_t ready) { return cal ? cal->nextAllowedStart(ready).value_or(ready) : ready; };
  int64_t walked = 0;
  auto end = [&](size_t s, int64_t opened) {
    walked += std::count_if(plan.steps.begin(), plan.steps.end(),
                            [&](const Step& step) { return step.stage == static_cast<int>(s); });
    return stageEnd(plan, cal, s, opened);
  };
  Throughput result;
  result.occupancyS.assign(plan.stages.size(), 0);
  if (cal)
    for (size_t s = 0; s < plan.stages.size(); ++s) {
      int64_t lastOpened = -1, lastEnd = 0;
      for (int64_t t = start; t < start + kWeekS; t += kOccupancyGridS) {
        int64_t opened = opens(t);
        if (opened != lastOpened) lastEnd = end(s, opened);
        lastOpened = opened;
        result.occupancyS[s] = std::max(result.occupancyS[s], lastEnd - t);
      }
    }
  std::vector<int64_t> ahead(plan.stages.size(), start);
  int64_t first = 0, last = 0, budget = walked + 2'000'000;
  int counted = 0;
  for (int n = 1; n <= 5000 && (n <= 2 || walked < budget); ++n) {
    int64_t t = start;
    for (size_t s = 0; s < plan.stages.size(); ++s) {
      int64_t ready = std::max(t, ahead[s]);
      t = end(s, opens(ready));
      result.occupancyS[s] = std::max(result.occupancyS[s], t - ready);
      ahead[s] = t;
    }
    if (n == 1) first = t;
    if (n == 2) result.busyTimeToGlobalS = t - start;
    if (n >= 3 && t > first + kThroughputSpanS) break;
    last = t;
    counted = n;
  }
  int64_t span = std::max<int64_t>(last - first, counted - 1);
  double rate =
      counted >= 2 ? static_cast<double>(counted - 1) * static_cast<double>(kWeekS) / static_cast<double>(span) : 0.0;
  result.versionsPerWeek = std::floor(rate * 10 + 1e-9) / 10;
  return result;
}

// A layout of `stages` stages, each a random DAG of steps of every type.
PlanLayout randomLayout(std::mt19937& random, bool windows) {
  auto pick = [&](int from, int to) { return std::uniform_int_distribution<int>(from, to)(random); };
  PlanLayout plan;
  plan.expectedS = pick(1, 40) * 60;
  if (windows) {
    planformat::WindowSpec spec;
    spec.timezone = pick(0, 1) ? "UTC" : "Europe/Berlin";
    planformat::WindowRule core;
    core.name = "core";
    core.days = std::vector<int>{1, 2, 3, 4};
    core.hours = planformat::TimeOfDayRange{9 * 60 + pick(0, 3) * 15, 17 * 60};
    spec.allow.push_back(core);
    spec.offHoursBake = 1.0 + pick(1, 4) * 0.5;
    plan.windows = spec;
  }
  int stages = pick(1, 5);
  for (int s = 0; s < stages; ++s) {
    PlanStage stage;
    stage.id = "s" + std::to_string(s);
    stage.tests.push_back({"t", "t.sh", pick(1, 90) * 60});
    plan.stages.push_back(stage);
    size_t first = plan.steps.size();
    int count = pick(1, 30);
    for (int k = 0; k < count; ++k) {
      Step step;
      step.stage = s;
      step.type = static_cast<StepType>(pick(0, 5));
      if (step.type == StepType::Test) step.number = 0;
      if (pick(0, 3)) step.bakeS = pick(0, 3) ? pick(1, 48) * 1800 : 0;
      // Joins and lanes: a few earlier steps of this stage, sometimes one of an earlier stage.
      for (int e = pick(0, 3); e > 0 && plan.steps.size() > first; --e)
        step.after.push_back(pick(static_cast<int>(first), static_cast<int>(plan.steps.size()) - 1));
      if (first > 0 && pick(0, 4) == 0) step.after.push_back(pick(0, static_cast<int>(first) - 1));
      std::sort(step.after.begin(), step.after.end());
      step.after.erase(std::unique(step.after.begin(), step.after.end()), step.after.end());
      plan.steps.push_back(step);
    }
    if (pick(0, 3)) {  // usually a stage bake, its last step
      Step bake;
      bake.stage = s;
      bake.type = StepType::Bake;
      bake.bakeS = pick(1, 24) * 3600;
      for (size_t i = first; i < plan.steps.size(); ++i) bake.after.push_back(static_cast<int>(i));
      plan.stages.back().bakeStep = static_cast<int>(plan.steps.size());
      plan.steps.push_back(bake);
    }
  }
  return plan;
}

}  // namespace

TEST(ThroughputWalk, ContractedStagesGiveTheStepByStepWalksFigures) {
  std::mt19937 random(18);
  int64_t monday = 1'700'438'400;  // Monday 2023-11-20 00:00 UTC
  for (int round = 0; round < 120; ++round) {
    PlanLayout plan = randomLayout(random, round % 4 != 0);
    int64_t start = monday + 9 * 3600 + (round % 7) * 3600;
    Throughput got = analyzeThroughput(plan, start, true);
    Throughput want = referenceThroughput(plan, start);
    ASSERT_EQ(got.occupancyS, want.occupancyS) << "round " << round;
    ASSERT_EQ(got.busyTimeToGlobalS, want.busyTimeToGlobalS) << "round " << round;
    ASSERT_EQ(got.versionsPerWeek, want.versionsPerWeek) << "round " << round;
  }
}
