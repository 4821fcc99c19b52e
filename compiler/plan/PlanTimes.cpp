#include "compiler/plan/PlanTimes.h"

#include "compiler/plan/PlanBuilder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace pipelang::plan {
namespace {

int64_t seconds(int64_t ms) {
  return ms / 1000;
}

// How PlanBuilder lays out one stage's regions (its StageShape), in seconds.
struct StageTiming {
  bool onebox = false;
  int64_t oneboxBakeS = 0;
  bool canary = false;
  size_t canarySteps = 0;
  int64_t canaryBakeS = 0;
  double batch = 1.0;
  int64_t zoneBakeS = 0;
  int64_t parallelZones = 1;
};

// Mirrors PlanBuilder::addRegion and PlanAnalysis's walkTimes: every step of
// a stage starts at `opened` or when the steps it waits for end, so a chain
// of batches is a sum and a zone bake is looked up once at its start.
class Walker {
 public:
  Walker(const model::Pipeline& pipeline, const planformat::WindowCalendar* calendar)
      : pipeline_(pipeline), calendar_(calendar), expectedS_(seconds(pipeline.deploy.expectedMs)) {}

  // When the region's last steps end, for a stage that opened at `opened`.
  int64_t region(const StageTiming& shape, const model::Region& region, int64_t opened) const {
    int64_t hosts = pipeline_.hostsIn(region);
    int64_t start = opened;
    bool hasOnebox = shape.onebox && !region.zones.empty();
    if (hasOnebox) {
      start += expectedS_;
      start += bakeDuration(calendar_, shape.oneboxBakeS, start);
    }
    if (shape.canary) {
      for (size_t i = 0; i < shape.canarySteps; ++i) {
        start += expectedS_;
        start += bakeDuration(calendar_, shape.canaryBakeS, start);
      }
      return start;
    }
    size_t zones = region.zones.size();
    size_t lanes = static_cast<size_t>(shape.parallelZones);
    laneEnd_.assign(zones, start);
    int64_t size =
        std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(hosts) * shape.batch + 1e-9)));
    for (size_t z = 0; z < zones; ++z) {
      int64_t t = z >= lanes ? laneEnd_[z - lanes] : start;
      int64_t first = (z == 0 && hasOnebox) ? 2 : 1;
      int64_t batches = hosts >= first ? (hosts - first) / size + 1 : 0;
      t += batches * expectedS_;
      if (shape.zoneBakeS > 0) t += bakeDuration(calendar_, shape.zoneBakeS, t);
      laneEnd_[z] = t;
    }
    int64_t end = start;
    for (size_t z = zones - std::min(zones, lanes); z < zones; ++z) end = std::max(end, laneEnd_[z]);
    return end;
  }

 private:
  const model::Pipeline& pipeline_;
  const planformat::WindowCalendar* calendar_;
  int64_t expectedS_;
  mutable std::vector<int64_t> laneEnd_;
};

// PlanBuilder's regionIndices over its used regions: the topology's regions
// that some stage deploys, each name matched as often as it is written.
std::vector<const model::Region*> regionsNamed(const std::vector<const model::Region*>& used,
                                               const std::vector<std::string>& names) {
  std::vector<const model::Region*> result;
  for (const std::string& name : names)
    for (const model::Region* region : used)
      if (region->id == name) result.push_back(region);
  return result;
}

}  // namespace

Analysis analyzeTimes(const model::Pipeline& pipeline) {
  Analysis result;
  std::optional<planformat::WindowCalendar> calendar;
  if (pipeline.windows) calendar.emplace(windowSpecFromModel(*pipeline.windows));
  planformat::WindowCalendar utc{planformat::WindowSpec{}};
  const planformat::WindowCalendar& clock = calendar ? *calendar : utc;
  planformat::WindowCalendar::Scope zone(clock);
  int64_t reference = referenceStart(clock);
  result.referenceStart = reference;

  // PlanBuilder::collectRegions.
  const model::Wave* firstWave =
      pipeline.prod && !pipeline.prod->waves.empty() ? &pipeline.prod->waves.front() : nullptr;
  std::set<std::string> used, waved;
  for (const model::Stage& stage : pipeline.stages) used.insert(stage.regions.value.begin(), stage.regions.value.end());
  if (pipeline.prod)
    for (const model::Wave& wave : pipeline.prod->waves) {
      used.insert(wave.regions.value.begin(), wave.regions.value.end());
      waved.insert(wave.regions.value.begin(), wave.regions.value.end());
    }
  std::vector<const model::Region*> usedRegions;
  double inNoWave = 0;
  if (pipeline.topology)
    for (const model::Region& region : pipeline.topology->regions) {
      if (!waved.count(region.id)) {
        result.regionsInNoWave.push_back(region.id);
        inNoWave += region.traffic;
      }
      if (used.count(region.id)) usedRegions.push_back(&region);
    }
  result.trafficInNoWave = std::round(inNoWave * 1e6) / 1e6;
  result.reachesGlobal = firstWave && result.regionsInNoWave.empty();

  const planformat::WindowCalendar* bakeCalendar = calendar ? &*calendar : nullptr;
  Walker walker(pipeline, bakeCalendar);
  int64_t ready = reference, finish = reference;
  auto stage = [&](const std::vector<std::string>& names, const StageTiming& shape, int64_t bakeS, int64_t longestTestS,
                   bool hasTests) {
    int64_t opened = calendar ? calendar->nextAllowedStart(ready).value_or(ready) : ready;
    result.stageWaitedForWindow.push_back(opened > ready);
    int64_t deployed = opened;
    for (const model::Region* region : regionsNamed(usedRegions, names))
      deployed = std::max(deployed, walker.region(shape, *region, opened));
    int64_t bakeStart = hasTests ? deployed + longestTestS : deployed;
    int64_t end = bakeStart + bakeDuration(bakeCalendar, bakeS, bakeStart);
    result.schedule.push_back({static_cast<int>(result.schedule.size()), opened - reference, end - reference});
    ready = end;
    finish = std::max(finish, end);
  };
  for (const model::Stage& s : pipeline.stages) {
    StageTiming shape;
    shape.onebox = s.onebox.has_value();
    if (s.onebox) shape.oneboxBakeS = seconds(s.onebox->bakeMs.value);
    shape.batch = firstWave && firstWave->rolling ? firstWave->rolling->batch.value : 1.0;
    int64_t longest = 0;
    for (const model::Test& test : s.tests) longest = std::max(longest, seconds(test.timeoutMs));
    const auto& names = !s.regions.value.empty() || !firstWave ? s.regions.value : firstWave->regions.value;
    stage(names, shape, seconds(s.bakeMs.value), longest, !s.tests.empty());
  }
  if (pipeline.prod)
    for (const model::Wave& wave : pipeline.prod->waves) {
      StageTiming shape;
      shape.onebox = wave.onebox.has_value();
      if (wave.onebox) shape.oneboxBakeS = seconds(wave.onebox->bakeMs.value);
      shape.canary = wave.canary.has_value();
      if (wave.canary) {
        shape.canarySteps = wave.canary->steps.value.size();
        shape.canaryBakeS = seconds(wave.canary->bakeMs.value);
      }
      shape.batch = wave.rolling ? wave.rolling->batch.value : 1.0;
      shape.zoneBakeS = seconds(wave.zoneBakeMs.value);
      shape.parallelZones = std::max<int64_t>(1, wave.parallelZones.value);
      stage(wave.regions.value, shape, seconds(wave.bakeMs.value), 0, false);
    }
  result.timeToGlobalS = finish - reference;
  result.timeToGlobalBusinessDays = businessDays(clock, reference, finish);

  // PlanAnalysis's recovery: every zone in parallel, in batches of max_batch.
  double rollbackBatch = pipeline.policy && pipeline.policy->maxBatch ? pipeline.policy->maxBatch->value : 1.0;
  result.detectionS = detectionSeconds(pipeline);
  for (const model::Region* region : usedRegions)
    for (const std::string& zoneId : region->zones) {
      int64_t batches = batchesFor(pipeline.hostsIn(*region), rollbackBatch);
      if (batches > result.rollbackBatches) {
        result.rollbackBatches = batches;
        result.rollbackZone = zoneId;
      }
    }
  result.rollbackS = result.rollbackBatches * seconds(pipeline.deploy.rollbackTimeMs);
  result.worstRecoveryS = result.detectionS + result.rollbackS;
  return result;
}

namespace {

// Appends values with their lengths, so no two different inputs share a key.
class KeyWriter {
 public:
  template <typename T>
  void number(T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    key_.append(bytes, sizeof(T));
  }
  void text(const std::string& value) {
    number(value.size());
    key_ += value;
  }
  void texts(const std::vector<std::string>& values) {
    number(values.size());
    for (const std::string& value : values) text(value);
  }
  void rule(const model::WindowRule& rule) {
    text(rule.name);
    number(rule.days.has_value());
    if (rule.days) {
      number(rule.days->size());
      for (int day : *rule.days) number(day);
    }
    number(rule.hours.has_value());
    if (rule.hours) {
      number(rule.hours->first);
      number(rule.hours->second);
    }
    number(rule.dates.has_value());
    if (rule.dates) {
      number(rule.dates->size());
      for (const auto& [from, to] : *rule.dates) {
        text(from);
        text(to);
      }
    }
  }
  std::string take() { return std::move(key_); }

 private:
  std::string key_;
};

}  // namespace

std::string timesKey(const model::Pipeline& pipeline) {
  KeyWriter key;
  // The topology by identity: one shared declaration, read only.
  key.number(reinterpret_cast<uintptr_t>(pipeline.topology));
  key.number(pipeline.hostsPerZone.has_value());
  key.number(pipeline.hostsPerZone.value_or(0));
  key.number(pipeline.deploy.expectedMs);
  key.number(pipeline.deploy.rollbackTimeMs);
  bool maxBatch = pipeline.policy && pipeline.policy->maxBatch;
  key.number(maxBatch);
  key.number(maxBatch ? pipeline.policy->maxBatch->value : 0.0);
  key.number(detectionSeconds(pipeline));
  key.number(pipeline.windows.has_value());
  if (pipeline.windows) {
    key.text(pipeline.windows->timezone);
    key.number(pipeline.windows->offHoursBake);
    key.number(pipeline.windows->allow.size());
    for (const model::WindowRule& rule : pipeline.windows->allow) key.rule(rule);
    key.number(pipeline.windows->deny.size());
    for (const model::WindowRule& rule : pipeline.windows->deny) key.rule(rule);
  }
  auto onebox = [&](const std::optional<model::Onebox>& onebox) {
    key.number(onebox.has_value());
    key.number(onebox ? onebox->bakeMs.value : 0);
  };
  key.number(pipeline.stages.size());
  for (const model::Stage& stage : pipeline.stages) {
    key.text(stage.name);
    key.texts(stage.regions.value);
    onebox(stage.onebox);
    key.number(stage.bakeMs.value);
    key.number(stage.tests.size());
    for (const model::Test& test : stage.tests) key.number(test.timeoutMs);
  }
  key.number(pipeline.prod.has_value());
  if (pipeline.prod) {
    key.number(pipeline.prod->waves.size());
    for (const model::Wave& wave : pipeline.prod->waves) {
      key.number(wave.number);
      key.texts(wave.regions.value);
      key.number(wave.bakeMs.value);
      key.number(wave.zoneBakeMs.value);
      key.number(wave.parallelZones.value);
      onebox(wave.onebox);
      key.number(wave.canary.has_value());
      key.number(wave.canary ? wave.canary->steps.value.size() : 0);
      key.number(wave.canary ? wave.canary->bakeMs.value : 0);
      key.number(wave.rolling.has_value());
      key.number(wave.rolling ? wave.rolling->batch.value : 0.0);
    }
  }
  return key.take();
}

}  // namespace pipelang::plan
