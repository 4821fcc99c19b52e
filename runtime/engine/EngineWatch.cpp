// Watching: which scopes hold the new version, their rollback_on rounds and
// failed readings, and the global exposure (runtime.md §2.3, §5).
#include "runtime/engine/Engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace pipelang::runtime {
namespace json = llvm::json;

std::vector<Scope> Engine::watchedScopes(const Stage& stage) const {
  std::vector<Scope> hostScopes, zoneScopes, regionScopes;
  std::string fleet = stage.fleet();
  std::vector<std::string> regions = stage.regions;
  for (const auto& step : plan_.steps)
    if (step.stage == stage.id && !step.region.empty() &&
        std::find(regions.begin(), regions.end(), step.region) == regions.end())
      regions.push_back(step.region);
  for (const auto& region : regions) {
    std::set<std::string> zones;
    bool any = false;
    for (const auto* host : fleet_.hostsIn(fleet, region)) {
      auto it = hosts_.find(host->key());
      if (it == hosts_.end() || it->second.version != run_.version) continue;
      any = true;
      if (host->onebox) hostScopes.push_back(fleet_.hostScope(*host));
      if (zones.insert(host->zone).second) zoneScopes.push_back(fleet_.zoneScope(fleet, region, host->zone));
    }
    if (any) regionScopes.push_back(fleet_.regionScope(fleet, region));
  }
  std::vector<Scope> all = hostScopes;
  all.insert(all.end(), zoneScopes.begin(), zoneScopes.end());
  all.insert(all.end(), regionScopes.begin(), regionScopes.end());
  return all;
}

std::vector<Scope> Engine::scopesOf(const Step& step) const {
  if (step.region.empty()) return watched_;
  std::vector<Scope> scopes;
  for (const auto& scope : watched_)
    if (scope.region == step.region) scopes.push_back(scope);
  return scopes;
}

std::vector<Scope> Engine::gateScopes(const Stage& stage) const {
  std::vector<Scope> scopes;
  for (const auto& region : stage.regions) scopes.push_back(fleet_.regionScope(stage.fleet(), region));
  return scopes;
}

std::string Engine::describeScopes(const std::vector<Scope>& scopes) const {
  if (scopes.empty()) return "";
  if (scopes.size() == 1) return scopes.front().label();
  std::vector<std::string> labels;
  for (const auto& scope : scopes) labels.push_back(scope.label());
  if (labels.size() <= 4) return fmt::format("{}", fmt::join(labels, ", "));
  return fmt::format("{} scopes ({}, .., {})", labels.size(), labels.front(), labels.back());
}

void Engine::watchActiveStage(Instant now) {
  StageRuntime* stage = activeStage();
  if (!stage || !plan_.hasRollbackOn) return;
  const std::vector<Scope>& scopes = watched_;
  if (scopes.empty()) return;
  std::vector<SampleRecord> samples;
  evaluator_.sample(rollbackConditions_, scopes, run_.version, now, samples, !options_.recordEveryEvaluation);
  recordSamples(samples, stage->stage->id, now);
  for (const auto& scope : scopes) {
    Verdict verdict = evaluator_.evaluate(plan_.rollbackOn, scope, now);
    if (!verdict.firing) continue;
    std::string trigger = verdict.culprit.empty() ? "rollback_on" : verdict.culprit;
    // The step at fault: the running step of the scope's region, else the stage's.
    std::string stepId;
    for (const auto& step : steps_)
      if (step.state == StepState::Running && step.step->stage == stage->stage->id &&
          (stepId.empty() || step.step->region == scope.region))
        stepId = step.step->id;
    emit(now, "alarm", stage->stage->id, stepId, fmt::format("ALARM {}: {}", trigger, verdict.why),
         json::Object{{"alarm", trigger}, {"scope", scope.label()}, {"why", verdict.why}});
    triggerRollback(trigger, verdict.why, stepId, verdict.breachSince, now);
    return;
  }
}

void Engine::recordSamples(const std::vector<SampleRecord>& samples, const std::string& stage, Instant now) {
  for (const auto& sample : samples) {
    journal_.evaluation(run_.id, {sample.t, sample.scope, sample.condition, sample.metric, sample.query, sample.error,
                                  sample.value, sample.breach});
    if (sample.failures == 1)  // a streak starts; the alarm says when it reaches kFailuresForAlarm
      emit(now, "reading_failed", stage, "",
           fmt::format("failed reading: {} at {}: {} (query: {})", sample.metric, sample.scope, sample.error,
                       sample.query),
           json::Object{{"metric", sample.metric}, {"scope", sample.scope}, {"error", sample.error}});
  }
}

void Engine::updateExposure() {
  watchedStale_ = true;  // called whenever host versions change
  // Summed in the model's host order, as always, so the figure is the same to
  // the last bit; each host's state is found once (map nodes do not move), so
  // no key is built or compared here.
  const auto& hosts = fleet_.hosts();
  if (hostStates_.size() != hosts.size()) hostStates_.assign(hosts.size(), nullptr);
  double exposure = 0;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const HostInfo& host = hosts[i];
    if (!host.prod) continue;
    if (!hostStates_[i]) {
      auto it = hosts_.find(host.key());
      if (it == hosts_.end()) continue;
      hostStates_[i] = &it->second;
    }
    if (hostStates_[i]->version == run_.version) exposure += host.regionTraffic * host.weight;
  }
  maxExposure_ = std::max(maxExposure_, exposure);
}

}  // namespace pipelang::runtime
