#include "compiler/plan/Throughput.h"

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/WindowOpenings.h"

#include <algorithm>
#include <cmath>

namespace pipelang::plan {
namespace {

constexpr int64_t kWeekS = 7 * 86400;
// The flood stops after this many versions, or once it has walked this many
// steps, even if the span is not covered (stages of a few minutes, plans of
// thousands of steps): the rate is then measured over the versions walked.
constexpr int kMaxVersions = 5000;
constexpr int64_t kFloodSteps = 2'000'000;
// The grid of ready times coarsens (30 minutes, 45...) when 15 minutes would
// walk more steps than this (plans of thousands of stages).
constexpr int64_t kGridSteps = 1'000'000;

// One stage walked on its own: the same step rule as the time to global
// (stepEnd), from the moment the stage opens.
class StageWalker {
 public:
  explicit StageWalker(const PlanLayout& plan) : plan_(plan), end_(plan.steps.size(), 0), byStage_(plan.stages.size()) {
    if (plan.windows) {
      calendar_.emplace(*plan.windows);
      openings_.emplace(*calendar_);
    }
    for (size_t i = 0; i < plan.steps.size(); ++i) byStage_[plan.steps[i].stage].push_back(static_cast<int>(i));
  }

  const planformat::WindowCalendar* calendar() const { return calendar_ ? &*calendar_ : nullptr; }

  // When a stage may start for a version ready at `ready`: when its window
  // opens (one that never opens is S215's, and starts at once, as in the walk).
  int64_t opens(int64_t ready) { return openings_ ? openings_->opens(ready) : ready; }

  // When stage `s` is done for a version that may enter it at `ready`.
  int64_t end(size_t s, int64_t ready) { return endOpened(s, opens(ready)); }

  // When stage `s` is done if it opens at `opened`.
  int64_t endOpened(size_t s, int64_t opened) {
    walked_ += static_cast<int64_t>(byStage_[s].size());
    int64_t last = opened;
    for (int i : byStage_[s]) {
      const Step& step = plan_.steps[i];
      int64_t t = opened;
      // Steps of earlier stages ended before this stage opened.
      for (int before : step.after)
        if (plan_.steps[before].stage == static_cast<int>(s)) t = std::max(t, end_[before]);
      end_[i] = stepEnd(plan_, calendar(), step, t, openings_ ? &*openings_ : nullptr);
      last = std::max(last, end_[i]);
    }
    int bake = plan_.stages[s].bakeStep;
    return bake >= 0 ? end_[bake] : last;
  }

  int64_t walked() const { return walked_; }  // steps walked so far

 private:
  const PlanLayout& plan_;
  std::optional<planformat::WindowCalendar> calendar_;
  std::optional<WindowOpenings> openings_;  // answers shared by every plan with these windows
  std::vector<int64_t> end_;
  std::vector<std::vector<int>> byStage_;
  int64_t walked_ = 0;
};

}  // namespace

Throughput analyzeThroughput(const PlanLayout& plan, int64_t referenceStart, bool reachesGlobal) {
  Throughput result;
  size_t stages = plan.stages.size();
  result.occupancyS.assign(stages, 0);
  if (stages == 0) return result;
  // No WindowCalendar::Scope around the walks: the calendar's answers come
  // from the shared tables, and holding the process-wide TZ lock for the
  // whole walk kept the other writer thread's analysis waiting (issue 18).
  StageWalker walker(plan);

  // Windows and off-hours bakes make a stage's hold depend on when a version
  // is ready for it: try every ready time of the reference week.
  if (walker.calendar()) {
    int64_t points = kWeekS / kOccupancyGridS;
    int64_t coarsen = (points * static_cast<int64_t>(plan.steps.size()) + kGridSteps - 1) / kGridSteps;
    int64_t step = kOccupancyGridS * std::max<int64_t>(1, coarsen);
    for (size_t s = 0; s < stages; ++s) {
      int64_t lastOpened = -1, lastEnd = 0;  // ready times outside the window share their opening
      for (int64_t t = referenceStart; t < referenceStart + kWeekS; t += step) {
        int64_t opened = walker.opens(t);
        if (opened != lastOpened) lastEnd = walker.endOpened(s, opened);
        lastOpened = opened;
        result.occupancyS[s] = std::max(result.occupancyS[s], lastEnd - t);
      }
    }
  }

  // The flood: versions submitted together at the reference start, each
  // entering a stage once it is done with the previous one and the version
  // ahead has left it (its bake done).
  std::vector<int64_t> ahead(stages, referenceStart);  // when the version ahead left each stage
  int64_t first = 0, last = 0, budget = walker.walked() + kFloodSteps;
  int counted = 0;
  for (int n = 1; n <= kMaxVersions && (n <= 2 || walker.walked() < budget); ++n) {
    int64_t t = referenceStart;
    for (size_t s = 0; s < stages; ++s) {
      int64_t ready = std::max(t, ahead[s]);
      t = walker.end(s, ready);
      result.occupancyS[s] = std::max(result.occupancyS[s], t - ready);
      ahead[s] = t;
    }
    if (n == 1) first = t;
    if (n == 2) result.busyTimeToGlobalS = t - referenceStart;
    // Completions within the span after the first; the second counts even beyond it.
    if (n >= 3 && t > first + kThroughputSpanS) break;
    last = t;
    counted = n;
  }
  for (size_t s = 0; s < stages; ++s)
    if (result.bottleneck < 0 || result.occupancyS[s] > result.occupancyS[result.bottleneck])
      result.bottleneck = static_cast<int>(s);
  if (!reachesGlobal) {
    result.busyTimeToGlobalS.reset();
    return result;
  }
  // Completions are at least a second apart, so a stage of no time gives a large rate, not a division by zero.
  int64_t span = std::max<int64_t>(last - first, counted - 1);
  double rate =
      counted >= 2 ? static_cast<double>(counted - 1) * static_cast<double>(kWeekS) / static_cast<double>(span) : 0.0;
  result.versionsPerWeek = std::floor(rate * 10 + 1e-9) / 10;
  return result;
}

}  // namespace pipelang::plan
