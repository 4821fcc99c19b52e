// Watching: which scopes hold the new version, their rollback_on rounds and
// failed readings, and the global exposure (runtime.md §2.3, §5).
#include "runtime/engine/Engine.h"

#include <fmt/format.h>

#include <algorithm>

namespace pipelang::runtime {
namespace json = llvm::json;

void Engine::watch(const Stage* stage) {
  // What the scopes are made of: the stage, then per region its one-box
  // hosts and zones on the new version (by index) and whether it has any.
  // The same list makes the same scopes, so they are built only when it changes.
  std::vector<size_t> from{stage ? static_cast<size_t>(stage - plan_.stages.data()) : kUnsummed};
  std::vector<char> seen;  // by zone number
  if (stage) {
    seen.assign(zones_, 0);
    const auto& regions = stageRegions_[from.front()];
    for (size_t r = 0; r < regions.size(); ++r) {
      bool any = false;
      for (const auto* host : fleet_.hostsIn(stage->fleet(), regions[r])) {
        size_t i = fleet_.indexOf(*host);
        if (!onRun_[i]) continue;
        any = true;
        if (host->onebox) from.push_back(2 * i);
        if (!seen[zoneOf_[i]]) {
          seen[zoneOf_[i]] = 1;
          from.push_back(2 * zoneOf_[i] + 1);
        }
      }
      if (any) from.push_back(kUnsummed - 1 - r);
    }
  }
  if (from == watchedFrom_) return;
  watchedFrom_ = std::move(from);
  std::vector<Scope> hostScopes, zoneScopes, regionScopes;
  if (stage) {
    std::string fleet = stage->fleet();
    for (const auto& region : stageRegions_[watchedFrom_.front()]) {
      bool any = false;
      std::vector<const std::string*> zones;  // of this region, in order
      for (const auto* host : fleet_.hostsIn(fleet, region)) {
        if (!onRun_[fleet_.indexOf(*host)]) continue;
        any = true;
        if (host->onebox) hostScopes.push_back(fleet_.hostScope(*host));
        if (std::none_of(zones.begin(), zones.end(), [&](const std::string* z) { return *z == host->zone; })) {
          zones.push_back(&host->zone);
          zoneScopes.push_back(fleet_.zoneScope(fleet, region, host->zone));
        }
      }
      if (any) regionScopes.push_back(fleet_.regionScope(fleet, region));
    }
  }
  watched_ = std::move(hostScopes);
  watched_.insert(watched_.end(), zoneScopes.begin(), zoneScopes.end());
  watched_.insert(watched_.end(), regionScopes.begin(), regionScopes.end());
}

std::vector<const Scope*> Engine::scopesOf(const Step& step) const {
  std::vector<const Scope*> scopes;
  for (const auto& scope : watched_)
    if (step.region.empty() || scope.region == step.region) scopes.push_back(&scope);
  return scopes;
}

std::vector<Scope> Engine::gateScopes(const Stage& stage) const {
  std::vector<Scope> scopes;
  for (const auto& region : stage.regions) scopes.push_back(fleet_.regionScope(stage.fleet(), region));
  return scopes;
}

std::string Engine::describeScopes(const std::vector<const Scope*>& scopes) const {
  if (scopes.empty()) return "";
  if (scopes.size() == 1) return scopes.front()->label();
  std::vector<std::string> labels;
  for (const Scope* scope : scopes) labels.push_back(scope->label());
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

void Engine::hostsChanged(const std::string& fleet, const std::vector<std::string>& hosts, const HostState& state) {
  std::vector<size_t> changed;
  for (const auto& name : hosts) {
    hosts_[fleet + "/" + name] = state;
    if (const HostInfo* host = fleet_.host(fleet, name)) {
      changed.push_back(fleet_.indexOf(*host));
      onRun_[changed.back()] = state.version == run_.version;
    }
  }
  updateExposure(changed);
}

void Engine::hostsReloaded() {
  const auto& hosts = fleet_.hosts();
  onRun_.assign(hosts.size(), 0);
  for (size_t i = 0; i < hosts.size(); ++i) {
    auto it = hosts_.find(hosts[i].key());
    onRun_[i] = it != hosts_.end() && it->second.version == run_.version;
  }
  lastExposed_ = kUnsummed;
}

void Engine::updateExposure(const std::vector<size_t>& changed) {
  watchedStale_ = true;  // called whenever host versions change
  const auto& hosts = fleet_.hosts();
  std::vector<size_t> joined;  // production hosts, ascending
  for (size_t i : changed)
    if (hosts[i].prod) joined.push_back(i);
  std::sort(joined.begin(), joined.end());
  // Floating-point addition is not associative: only hosts that come after
  // every host summed so far can be added to the sum as it stands.
  bool append = lastExposed_ != kUnsummed;
  for (size_t k = 0; append && k < joined.size(); ++k)
    append = onRun_[joined[k]] && joined[k] >= lastExposed_ && (k == 0 || joined[k] > joined[k - 1]);
  if (append) {
    for (size_t i : joined) exposure_ += hosts[i].regionTraffic * hosts[i].weight;
    if (!joined.empty()) lastExposed_ = joined.back() + 1;
  } else {
    exposure_ = 0;
    lastExposed_ = 0;
    for (size_t i = 0; i < hosts.size(); ++i)
      if (hosts[i].prod && onRun_[i]) {
        exposure_ += hosts[i].regionTraffic * hosts[i].weight;
        lastExposed_ = i + 1;
      }
  }
  maxExposure_ = std::max(maxExposure_, exposure_);
}

}  // namespace pipelang::runtime
