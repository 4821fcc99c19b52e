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

// The fields most likely to tell kinds apart, and every double the analysis
// reads once the floors are cleared (FieldKey): layouts equal by `==` but
// not bit for bit (-0.0 and 0.0) never share an analysis.
planformat::FieldKey keyOf(const PlanLayout& layout) {
  planformat::FieldKey hash;
  hash.add(uint64_t(layout.steps.size()));
  hash.add(uint64_t(layout.stages.size()));
  hash.add(uint64_t(layout.regions.size()));
  hash.add(uint64_t(layout.expectedS));
  hash.add(uint64_t(layout.rollbackTimeS));
  hash.add(layout.rollbackBatch);
  hash.add(uint64_t(layout.detectionS));
  for (const PlanRegion& region : layout.regions) {
    hash.add(region.traffic);
    for (const PlanZone& zone : region.zones) hash.add(uint64_t(zone.hosts));
  }
  for (const PlanRegion& region : layout.regionsInNoWave) hash.add(region.traffic);
  for (const PlanStage& stage : layout.stages) hash.add(uint64_t(stage.bakeS));
  for (const Step& step : layout.steps) {
    hash.add(uint64_t(step.hostCount) << 8 | uint64_t(step.type));
    hash.add(uint64_t(step.bakeS.value_or(-1)));
    hash.add(step.traffic);
  }
  if (layout.windows) hash.add(layout.windows->offHoursBake);
  return hash;
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
  if (kept_.size() == kKept) kept_.erase(kept_.begin());
  kept_.push_back(std::make_unique<Kept>(Kept{std::move(key), layout, analyzePlan(layout)}));
  return kept_.back()->analysis;
}

}  // namespace pipelang::plan
