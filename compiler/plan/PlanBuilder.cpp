#include "compiler/plan/PlanBuilder.h"

#include "compiler/plan/PlanAnalysis.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace pipelang::plan {
namespace {

int64_t seconds(int64_t ms) {
  return ms / 1000;
}

// max(1, floor(H x fraction)); the epsilon keeps 100 x 0.33 at 33 despite binary fractions.
int64_t batchSize(int64_t hosts, double fraction) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(hosts) * fraction + 1e-9)));
}

// Where a stage's steps hang: the previous stage's bake, or nothing for the first stage.
struct StageShape {
  int stage = 0;
  StepIndices entry;
  std::optional<model::Onebox> onebox;
  std::optional<model::Canary> canary;
  double batch = 1.0;
  int64_t zoneBakeS = 0;
  int64_t parallelZones = 1;
};

class Builder {
 public:
  explicit Builder(const model::Pipeline& pipeline) : pipeline_(pipeline) {}

  PlanLayout build() {
    plan_.expectedS = seconds(pipeline_.deploy.expectedMs);
    plan_.rollbackTimeS = seconds(pipeline_.deploy.rollbackTimeMs);
    plan_.rollbackBatch = pipeline_.policy && pipeline_.policy->maxBatch ? pipeline_.policy->maxBatch->value : 1.0;
    plan_.detectionS = detectionSeconds(pipeline_);
    if (pipeline_.windows) plan_.windows = windowSpecFromModel(*pipeline_.windows);
    collectRegions();

    const model::Wave* firstWave =
        pipeline_.prod && !pipeline_.prod->waves.empty() ? &pipeline_.prod->waves.front() : nullptr;
    StepIndices entry;
    for (const model::Stage& stage : pipeline_.stages) {
      PlanStage planStage;
      planStage.id = stage.name;
      planStage.preprod = true;
      const auto& names = !stage.regions.value.empty() || !firstWave ? stage.regions.value : firstWave->regions.value;
      planStage.regions = regionIndices(names);
      planStage.bakeS = seconds(stage.bakeMs.value);
      for (const model::Test& test : stage.tests)
        planStage.tests.push_back({test.name, test.run, seconds(test.timeoutMs)});
      StageShape shape;
      shape.onebox = stage.onebox;
      // Pre-production replaces its hosts like the first wave does.
      shape.batch = firstWave && firstWave->rolling ? firstWave->rolling->batch.value : 1.0;
      entry = addStage(std::move(planStage), shape, entry);
    }
    if (pipeline_.prod) {
      for (const model::Wave& wave : pipeline_.prod->waves) {
        PlanStage planStage;
        planStage.id = "wave" + std::to_string(wave.number);
        planStage.regions = regionIndices(wave.regions.value);
        planStage.bakeS = seconds(wave.bakeMs.value);
        if (wave.minTraffic)
          planStage.minTraffic = {wave.minTraffic->metric, wave.minTraffic->cmp, wave.minTraffic->value};
        StageShape shape;
        shape.onebox = wave.onebox;
        shape.canary = wave.canary;
        shape.batch = wave.rolling ? wave.rolling->batch.value : 1.0;
        shape.zoneBakeS = seconds(wave.zoneBakeMs.value);
        shape.parallelZones = std::max<int64_t>(1, wave.parallelZones.value);
        entry = addStage(std::move(planStage), shape, entry);
      }
    }
    return std::move(plan_);
  }

 private:
  // Only the regions some stage deploys, in the topology's order.
  void collectRegions() {
    std::set<std::string> used;
    for (const model::Stage& stage : pipeline_.stages)
      used.insert(stage.regions.value.begin(), stage.regions.value.end());
    if (pipeline_.prod)
      for (const model::Wave& wave : pipeline_.prod->waves)
        used.insert(wave.regions.value.begin(), wave.regions.value.end());
    if (pipeline_.prod && !pipeline_.prod->waves.empty()) {
      const auto& first = pipeline_.prod->waves.front().regions.value;
      used.insert(first.begin(), first.end());  // default regions of pre-production stages
    }
    if (!pipeline_.topology) return;
    std::set<std::string> waved;
    if (pipeline_.prod)
      for (const model::Wave& wave : pipeline_.prod->waves)
        waved.insert(wave.regions.value.begin(), wave.regions.value.end());
    for (const model::Region& region : pipeline_.topology->regions)
      if (!waved.count(region.id)) plan_.regionsInNoWave.push_back({region.id, region.traffic, {}});
    for (const model::Region& region : pipeline_.topology->regions) {
      if (!used.count(region.id)) continue;
      PlanRegion planRegion{region.id, region.traffic, {}};
      for (const std::string& zone : region.zones) planRegion.zones.push_back({zone, pipeline_.hostsIn(region)});
      plan_.regions.push_back(std::move(planRegion));
    }
  }

  std::vector<int> regionIndices(const std::vector<std::string>& names) {
    std::vector<int> result;
    for (const std::string& name : names)
      for (size_t i = 0; i < plan_.regions.size(); ++i)
        if (plan_.regions[i].id == name) result.push_back(static_cast<int>(i));
    return result;
  }

  int add(Step step) {
    plan_.steps.push_back(std::move(step));
    return static_cast<int>(plan_.steps.size()) - 1;
  }

  // Adds a stage's steps; returns the `after` of the next stage (this stage's bake).
  StepIndices addStage(PlanStage stage, StageShape shape, const StepIndices& entry) {
    shape.stage = static_cast<int>(plan_.stages.size());
    shape.entry = entry;
    plan_.stages.push_back(std::move(stage));
    const PlanStage& planStage = plan_.stages.back();
    StepIndices deployed;  // the last steps of each region
    for (int region : planStage.regions)
      for (int end : addRegion(shape, region)) deployed.push_back(end);
    if (deployed.empty()) deployed = entry;
    StepIndices tests;
    for (size_t i = 0; i < planStage.tests.size(); ++i) {
      Step test;
      test.type = StepType::Test;
      test.stage = shape.stage;
      test.number = static_cast<int>(i);
      test.after = deployed;
      tests.push_back(add(std::move(test)));
    }
    Step bake;
    bake.type = StepType::Bake;
    bake.stage = shape.stage;
    bake.bakeS = planStage.bakeS;
    bake.after = tests.empty() ? deployed : tests;
    int bakeStep = add(std::move(bake));
    plan_.stages[shape.stage].bakeStep = bakeStep;
    return {bakeStep};
  }

  // One region: one-box, then canary steps or its zones in rolling batches. Returns its last steps.
  StepIndices addRegion(const StageShape& shape, int regionIndex) {
    const PlanRegion& region = plan_.regions[regionIndex];
    StepIndices start = shape.entry;
    bool hasOnebox = shape.onebox.has_value() && !region.zones.empty();
    if (hasOnebox) {
      Step onebox;
      onebox.type = StepType::Onebox;
      onebox.stage = shape.stage;
      onebox.region = regionIndex;
      onebox.zone = 0;
      onebox.hostFirst = 1;
      onebox.hostCount = std::min<int64_t>(1, region.zones[0].hosts);
      onebox.traffic = shape.onebox->traffic.value;
      onebox.bakeS = seconds(shape.onebox->bakeMs.value);
      onebox.after = shape.entry;
      start = {add(std::move(onebox))};
    }
    if (shape.canary) {
      int number = 0;
      for (double traffic : shape.canary->steps.value) {
        Step canary;
        canary.type = StepType::Canary;
        canary.stage = shape.stage;
        canary.region = regionIndex;
        canary.number = ++number;
        canary.traffic = traffic;
        canary.bakeS = seconds(shape.canary->bakeMs.value);
        canary.after = start;
        start = {add(std::move(canary))};
      }
      return start;
    }
    // Zones one after another, `parallel_zones` at a time: zone i follows zone i - p.
    std::vector<int> zoneEnd;
    for (size_t z = 0; z < region.zones.size(); ++z) {
      const PlanZone& zone = region.zones[z];
      StepIndices after = start;
      if (z >= static_cast<size_t>(shape.parallelZones) && zoneEnd[z - shape.parallelZones] >= 0)
        after = {zoneEnd[z - shape.parallelZones]};
      int64_t first = (z == 0 && hasOnebox) ? 2 : 1;
      int64_t size = batchSize(zone.hosts, shape.batch);
      int number = 0;
      for (int64_t host = first; host <= zone.hosts; host += size) {
        Step batch;
        batch.type = StepType::Batch;
        batch.stage = shape.stage;
        batch.region = regionIndex;
        batch.zone = static_cast<int>(z);
        batch.number = ++number;
        batch.hostFirst = host;
        batch.hostCount = std::min(size, zone.hosts - host + 1);
        batch.after = after;
        after = {add(std::move(batch))};
      }
      if (shape.zoneBakeS > 0) {
        Step bake;
        bake.type = StepType::Bake;
        bake.stage = shape.stage;
        bake.region = regionIndex;
        bake.zone = static_cast<int>(z);
        bake.bakeS = shape.zoneBakeS;
        bake.after = after;
        after = {add(std::move(bake))};
      }
      zoneEnd.push_back(after.empty() ? -1 : after.front());
    }
    // With parallel zones the region is done when its last `p` lanes are.
    size_t lanes = std::min(zoneEnd.size(), static_cast<size_t>(shape.parallelZones));
    StepIndices ends;
    for (size_t z = zoneEnd.size() - lanes; z < zoneEnd.size(); ++z)
      if (zoneEnd[z] >= 0) ends.push_back(zoneEnd[z]);
    return ends.empty() ? start : ends;
  }

  const model::Pipeline& pipeline_;
  PlanLayout plan_;
};

}  // namespace

planformat::WindowSpec windowSpecFromModel(const model::Windows& windows) {
  auto convert = [](const model::WindowRule& rule) {
    planformat::WindowRule result;
    result.name = rule.name;
    if (rule.days) {
      result.days.emplace();
      for (int day : *rule.days) result.days->push_back((day + 1) % 7);  // model: 0 = mon; calendar: 0 = sun
    }
    if (rule.hours) result.hours = planformat::TimeOfDayRange{rule.hours->first, rule.hours->second};
    if (rule.dates) {
      result.dates.emplace();
      auto number = [](const std::string& date) {  // "YYYY-MM-DD" -> yyyymmdd
        std::string digits;
        for (char c : date)
          if (c != '-') digits += c;
        return digits.empty() ? 0 : std::stoi(digits);
      };
      for (const auto& [from, to] : *rule.dates) result.dates->push_back({number(from), number(to)});
    }
    return result;
  };
  planformat::WindowSpec spec;
  spec.timezone = windows.timezone;
  spec.offHoursBake = windows.offHoursBake;
  for (const auto& rule : windows.allow) spec.allow.push_back(convert(rule));
  for (const auto& rule : windows.deny) spec.deny.push_back(convert(rule));
  return spec;
}

PlanLayout buildPlan(const model::Pipeline& pipeline) {
  return Builder(pipeline).build();
}

}  // namespace pipelang::plan
