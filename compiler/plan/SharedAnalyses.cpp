#include "compiler/plan/SharedAnalyses.h"

#include "plan/FieldKey.h"

namespace pipelang::plan {
namespace {

// What the analysis does not read: cleared, so that plans differing only
// there are one class (and the analysis provably never sees it).
void reduce(PlanLayout& layout) {
  for (PlanStage& stage : layout.stages) {
    stage.minTraffic.reset();
    for (PlanTest& test : stage.tests) {
      test.name.clear();
      test.run.clear();
    }
  }
}

// Every double the analysis reads once the floors are cleared (FieldKey), so
// layouts equal by `==` but not bit for bit (-0.0 and 0.0) never share an
// analysis, and most of what tells two layouts apart.
planformat::FieldKey keyOf(const PlanLayout& layout) {
  planformat::FieldKey key;
  key.add(uint64_t(layout.steps.size()) << 32 ^ uint64_t(layout.stages.size()) << 16 ^ uint64_t(layout.regions.size()));
  key.add(uint64_t(layout.expectedS) << 32 ^ uint64_t(layout.rollbackTimeS));
  key.add(layout.rollbackBatch);
  key.add(uint64_t(layout.detectionS));
  for (const PlanRegion& region : layout.regions) {
    key.add(region.id);
    key.add(region.traffic);
    for (const PlanZone& zone : region.zones) key.add(uint64_t(zone.hosts));
  }
  for (const PlanRegion& region : layout.regionsInNoWave) key.add(region.traffic);
  for (const PlanStage& stage : layout.stages) {
    key.add(uint64_t(stage.bakeS) << 16 ^ uint64_t(stage.regions.size()));
    for (const PlanTest& test : stage.tests) key.add(uint64_t(test.timeoutS));
  }
  for (const Step& step : layout.steps) {
    key.add(uint64_t(step.hostFirst) << 40 ^ uint64_t(step.hostCount) << 8 ^ uint64_t(step.type));
    key.add(uint64_t(step.bakeS.value_or(-1)) << 8 ^ uint64_t(step.after.size()));
    key.add(step.traffic);
  }
  if (layout.windows) {
    key.add(layout.windows->timezone);
    key.add(uint64_t(layout.windows->allow.size()) << 32 ^ uint64_t(layout.windows->deny.size()));
    key.add(layout.windows->offHoursBake);
  }
  return key;
}

}  // namespace

const Analysis& SharedAnalyses::analyze(PlanLayout& layout) {
  reduce(layout);
  planformat::FieldKey key = keyOf(layout);
  for (size_t i = kept_.size(); i-- > 0;) {
    if (!(kept_[i]->key == key) || !(kept_[i]->layout == layout)) continue;
    ++reused_;
    return kept_[i]->analysis;
  }
  if (!seen_.seenBefore(key.hash())) {
    alone_ = analyzePlan(layout);
    return alone_;
  }
  if (kept_.size() == kKept) kept_.erase(kept_.begin());
  kept_.push_back(std::make_unique<Kept>(Kept{std::move(key), layout, analyzePlan(layout)}));
  return kept_.back()->analysis;
}

}  // namespace pipelang::plan
