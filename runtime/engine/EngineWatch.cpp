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
  std::vector<char> seen;  // by zone (FleetModel::zoneIdOf)
  if (stage) {
    seen.assign(fleet_.regionAndZoneIds(), 0);
    const auto& regions = stageRegions_[from.front()];
    for (size_t r = 0; r < regions.size(); ++r) {
      bool any = false;
      for (const auto* host : fleet_.hostsIn(stage->fleet(), regions[r])) {
        size_t i = fleet_.indexOf(*host);
        if (!onRun_[i]) continue;
        any = true;
        if (host->onebox) from.push_back(2 * i);
        std::uint32_t zone = fleet_.zoneIdOf(i);
        if (!seen[zone]) {
          seen[zone] = 1;
          from.push_back(2 * size_t{zone} + 1);
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
    std::optional<Verdict> firing = evaluator_.firingVerdict(plan_.rollbackOn, scope, now);
    if (!firing) continue;
    const Verdict& verdict = *firing;
    std::string trigger = verdict.culprit.empty() ? "rollback_on" : verdict.culprit;
    // The step at fault: the running step of the scope's region, else the stage's.
    std::string stepId;
    for (const auto& step : steps_)
      if (step.state == StepState::Running && step.step->stage == stage->stage->id &&
          (stepId.empty() || step.step->region == scope.region))
        stepId = step.step->id;
    emit(now, "alarm", stage->stage->id, stepId, fmt::format("ALARM {}: {}", trigger, verdict.why),
         EventDetail{{"alarm", trigger}, {"scope", scope.label()}, {"why", verdict.why}});
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
           EventDetail{{"metric", sample.metric}, {"scope", sample.scope}, {"error", sample.error}});
  }
}

void Engine::hostsChanged(const std::string& fleet, const std::vector<std::string>& hosts, const HostState& state) {
  std::vector<size_t> changed;
  for (const auto& name : hosts)
    if (const HostInfo* host = fleet_.host(fleet, name)) {
      changed.push_back(fleet_.indexOf(*host));
      hosts_[changed.back()] = state;
      onRun_[changed.back()] = state.version == run_.version;
    }
  updateExposure(changed);
}

Engine::HostState* Engine::hostState(const std::string& fleet, const std::string& name) {
  const HostInfo* host = fleet_.host(fleet, name);
  return host ? &hosts_[fleet_.indexOf(*host)] : nullptr;
}

void Engine::readHosts() {
  for (const auto& host : journal_.hosts())
    if (HostState* state = hostState(host.fleet, host.host)) *state = {host.version, host.pendingVersion};
}

void Engine::hostsReloaded() {
  const auto& hosts = fleet_.hosts();
  onRun_.assign(hosts.size(), 0);
  for (size_t i = 0; i < hosts.size(); ++i) onRun_[i] = hosts_[i].version == run_.version;
  exposedBits_.assign((hosts.size() + 63) / 64, 0);
  sumThrough_.assign(hosts.size(), 0);
  for (size_t i = 0; i < hosts.size(); ++i)
    if (hosts[i].prod && onRun_[i]) exposedBits_[i / 64] |= std::uint64_t{1} << (i % 64);
  exposedFrom_ = 0;
}

void Engine::updateExposure(const std::vector<size_t>& changed) {
  watchedStale_ = true;  // called whenever host versions change
  const auto& hosts = fleet_.hosts();
  size_t from = exposedFrom_;
  for (size_t i : changed) {
    std::uint64_t bit = std::uint64_t{1} << (i % 64);
    if (hosts[i].prod && onRun_[i])
      exposedBits_[i / 64] |= bit;
    else
      exposedBits_[i / 64] &= ~bit;
    from = std::min(from, i);
  }
  exposedFrom_ = hosts.size();
  if (from < hosts.size()) {
    // Floating-point addition is not associative: the sum is taken in the
    // model's order, so it starts again from the running sum through the last
    // exposed host before `from` (hosts before it are unchanged).
    double sum = 0;
    size_t word = from / 64;
    std::uint64_t below = exposedBits_[word] & ((std::uint64_t{1} << (from % 64)) - 1);
    while (!below && word > 0) below = exposedBits_[--word];
    if (below) sum = sumThrough_[word * 64 + 63 - static_cast<size_t>(__builtin_clzll(below))];
    for (word = from / 64; word < exposedBits_.size(); ++word) {
      std::uint64_t bits = exposedBits_[word];
      if (word == from / 64) bits &= ~((std::uint64_t{1} << (from % 64)) - 1);
      while (bits) {
        size_t i = word * 64 + static_cast<size_t>(__builtin_ctzll(bits));
        bits &= bits - 1;
        sum += hosts[i].regionTraffic * hosts[i].weight;
        sumThrough_[i] = sum;
      }
    }
    exposure_ = sum;
  }
  maxExposure_ = std::max(maxExposure_, exposure_);
}

}  // namespace pipelang::runtime
