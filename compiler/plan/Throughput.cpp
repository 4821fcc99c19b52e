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
// (stepEnd), from the moment the stage opens. Most steps take a fixed time
// (batches, tests, approvals, bakes without a calendar); only a bake that may
// be longer off hours depends on when it starts. So each stage is walked as
// a contracted graph (issue 18: the throughput walk asks for a stage's end
// hundreds of times per plan): its timed steps only, each starting at the
// latest of `opened + w` and `end(earlier timed step) + w`, where w is the
// longest chain of fixed times between them. Sums and maxima of integers:
// the same ends as the step-by-step walk.
class StageWalker {
 public:
  explicit StageWalker(const PlanLayout& plan) : plan_(plan), stages_(plan.stages.size()) {
    if (plan.windows) {
      calendar_.emplace(*plan.windows);
      openings_.emplace(*calendar_);
    }
    std::vector<std::vector<int>> byStage(plan.stages.size());
    for (size_t i = 0; i < plan.steps.size(); ++i) byStage[plan.steps[i].stage].push_back(static_cast<int>(i));
    std::vector<Chains> ends(plan.steps.size());  // per step: when it ends
    for (size_t s = 0; s < byStage.size(); ++s) contract(s, byStage[s], ends);
  }

  const planformat::WindowCalendar* calendar() const { return calendar_ ? &*calendar_ : nullptr; }

  // When a stage may start for a version ready at `ready`: when its window
  // opens (one that never opens is S215's, and starts at once, as in the walk).
  int64_t opens(int64_t ready) { return openings_ ? openings_->opens(ready) : ready; }

  // When stage `s` is done for a version that may enter it at `ready`.
  int64_t end(size_t s, int64_t ready) { return endOpened(s, opens(ready)); }

  // When stage `s` is done if it opens at `opened`.
  int64_t endOpened(size_t s, int64_t opened) {
    const Contracted& stage = stages_[s];
    walked_ += stage.steps;
    timedEnd_.resize(stage.timed.size());
    for (size_t v = 0; v < stage.timed.size(); ++v) {
      const Timed& timed = stage.timed[v];
      timedEnd_[v] = stepEnd(plan_, calendar(), plan_.steps[timed.step], latest(timed.start, opened),
                             openings_ ? &*openings_ : nullptr);
    }
    return latest(stage.end, opened);
  }

  int64_t walked() const { return walked_; }  // steps walked so far (the flood's budget counts steps)

 private:
  // `w` seconds after `from` ends: a timed step's index in its stage, or kOpened.
  struct Chain {
    int from;
    int64_t w;
  };
  static constexpr int kOpened = -1;
  using Chains = std::vector<Chain>;  // one per `from`, the longest
  struct Timed {
    int step;      // index into plan.steps
    Chains start;  // it starts at the latest of these
  };
  struct Contracted {
    std::vector<Timed> timed;  // in step order
    Chains end;                // the stage ends at the latest of these
    int64_t steps = 0;
  };

  // Whether a step's time depends on when it starts (bakeDuration); its fixed time otherwise.
  bool timed(const Step& step, int64_t& fixed) const {
    int64_t bake = step.bakeS.value_or(0);
    switch (step.type) {
      case StepType::Onebox:
      case StepType::Canary:
        fixed = plan_.expectedS + bake;
        return calendar_ && bake != 0;
      case StepType::Batch:
        fixed = plan_.expectedS;
        return false;
      case StepType::Test:
        fixed = plan_.stages[step.stage].tests[step.number].timeoutS;
        return false;
      case StepType::Bake:
        fixed = bake;
        return calendar_ && bake != 0;
      case StepType::Approval:
        break;
    }
    fixed = 0;
    return false;
  }

  static void merge(Chains& into, const Chains& from) {
    for (const Chain& chain : from) {
      auto same = std::find_if(into.begin(), into.end(), [&](const Chain& c) { return c.from == chain.from; });
      if (same == into.end())
        into.push_back(chain);
      else
        same->w = std::max(same->w, chain.w);
    }
  }

  void contract(size_t s, const std::vector<int>& steps, std::vector<Chains>& ends) {
    Contracted& stage = stages_[s];
    stage.steps = static_cast<int64_t>(steps.size());
    Chains last{{kOpened, 0}};  // the latest end of any step (or the opening)
    for (int i : steps) {
      const Step& step = plan_.steps[i];
      Chains start{{kOpened, 0}};
      // Steps of earlier stages ended before this stage opened.
      for (int before : step.after)
        if (plan_.steps[before].stage == static_cast<int>(s)) merge(start, ends[before]);
      int64_t fixed = 0;
      Chains& end = ends[i];
      if (timed(step, fixed)) {
        end = {{static_cast<int>(stage.timed.size()), 0}};
        stage.timed.push_back({i, std::move(start)});
      } else {
        for (Chain& chain : start) chain.w += fixed;
        end = std::move(start);
      }
      merge(last, end);
    }
    int bake = plan_.stages[s].bakeStep;
    stage.end = bake >= 0 ? ends[bake] : last;
  }

  int64_t latest(const Chains& chains, int64_t opened) const {
    int64_t t = opened;
    for (const Chain& chain : chains)
      t = std::max(t, (chain.from == kOpened ? opened : timedEnd_[chain.from]) + chain.w);
    return t;
  }

  const PlanLayout& plan_;
  std::optional<planformat::WindowCalendar> calendar_;
  std::optional<WindowOpenings> openings_;  // answers shared by every plan with these windows
  std::vector<Contracted> stages_;
  std::vector<int64_t> timedEnd_;  // scratch: the timed steps' ends in the current walk
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
