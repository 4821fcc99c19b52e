// Rollback: stop the stage, plan each host's way back to its version before this
// run in batches per zone, and drive those batches (runtime.md §2.4).
#include "runtime/engine/Engine.h"

#include "runtime/engine/EngineText.h"
#include "runtime/engine/VersionText.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace pipelang::runtime {
namespace json = llvm::json;

void Engine::triggerRollback(const std::string& trigger, const std::string& why, const std::string& stepId,
                             Instant since, Instant now) {
  if (rollingBack_) return;
  rollingBack_ = true;
  rollbackStartedAt_ = now;
  detectS_ = since > 0 ? now - since : 0;
  StageRuntime* stage = activeStage();
  if (!stepId.empty())
    run_.stage = steps_[stepIndex_.at(stepId)].step->stage;
  else if (stage)
    run_.stage = stage->stage->id;
  for (auto& step : steps_) {
    if (step.state != StepState::Running) continue;
    if (step.handle >= 0) deployer_.cancel(step.handle);
    step.handle = -1;
    setState(step, StepState::Failed);
    journal_.setStep(run_.id, step.step->id, step.step->id == stepId ? "failed" : "cancelled", now, why);
  }
  run_.status = "rolling_back";
  run_.trigger = trigger;
  run_.step = stepId;
  run_.message = why;
  journal_.transaction([&] {
    journal_.updateRun(run_);
    if (!run_.stage.empty()) journal_.setStage(run_.id, run_.stage, "rolling_back", now);
  });
  planRollback(now);
  size_t hosts = 0, zones = 0;
  std::vector<std::string> canaryRegions;  // a region's canary traffic is not a zone
  for (const auto& zone : rollbackZones_) {
    if (zone.traffic)
      canaryRegions.push_back(zone.region);
    else
      ++zones;
    for (const auto& batch : zone.batches) hosts += batch.size();
  }
  std::string what = plural(hosts, "host");
  if (!canaryRegions.empty()) what += fmt::format(" and the canary traffic of {}", fmt::join(canaryRegions, ", "));
  emit(now, "rollback_started", run_.stage, stepId,
       fmt::format("rolling back {} to {} because {}; {} in parallel, at most {:g}% of a zone at once", what,
                   rollbackTargetsText(),
                   trigger == "deploy_failed" || trigger == "test_failed" || trigger == "manual" ? why : trigger,
                   plural(zones, "zone"), plan_.deploy.rollbackBatch * 100),
       EventDetail{{"trigger", trigger}, {"why", why}, {"hosts", static_cast<int64_t>(hosts)}});
}

void Engine::planRollback(Instant) {
  rollbackZones_.clear();
  const Stage* failing = plan_.stage(run_.stage);
  // Other runs of the pipeline may have moved hosts since this one loaded:
  // the journal is the truth about every host.
  readHosts();
  hostsReloaded();
  // A host returns to what it ran before this run touched it (the version
  // ahead of this one, where that one had passed), unless that version has
  // itself failed: then to the version this run started from.
  auto before = journal_.hostsBefore(run_.id);
  std::map<std::string, std::string> latestStatus;  // version -> status of its latest run
  for (const auto& other : journal_.runs()) latestStatus[other.version] = other.status;
  std::set<std::string> failed{run_.version};
  for (const auto& [version, status] : latestStatus)
    if (status == "rolled_back" || status == "failed") failed.insert(version);
  // The version this run started from may itself have failed since (it was
  // in flight ahead of this one): then the known-good version.
  const std::string fallback = failed.count(run_.previous) ? journal_.meta("known_good").value_or("") : run_.previous;
  auto targetOf = [&](const std::string& key, bool& known) {
    auto it = before.find(key);
    known = it != before.end();
    if (!known || failed.count(it->second)) return fallback;
    return it->second;
  };
  std::map<std::string, RollbackZone> zones;
  // The failing stage's regions, listed once: not every step compared for every host.
  std::set<std::string> stageRegions;
  if (failing)
    for (const auto& step : plan_.steps)
      if (step.stage == failing->id) stageRegions.insert(step.region);
  for (const auto& host : fleet_.hosts()) {
    if (!run_.rollbackAll) {
      if (!failing || host.fleet != failing->fleet()) continue;
      if (!stageRegions.count(host.region)) continue;
    }
    const HostState& state = hosts_[fleet_.indexOf(host)];
    bool moved = false;
    std::string target = targetOf(host.key(), moved);
    // On the new version, or in doubt (a call was in flight when it stopped):
    // deploying the previous version again is idempotent. A host another run
    // has moved on since is that run's business.
    bool touched = state.version == run_.version || state.pending == run_.version ||
                   (!state.pending.empty() && (!moved || state.pending == target) && state.version != target);
    if (!touched) continue;
    RollbackZone& zone = zones[host.fleet + "/" + host.zone + "/" + target];
    zone.fleet = host.fleet;
    zone.region = host.region;
    zone.zone = host.zone;
    zone.target = target;
    if (zone.batches.empty()) zone.batches.emplace_back();
    int size =
        std::max(1, static_cast<int>(std::floor(fleet_.zoneSize(host.fleet, host.zone) * plan_.deploy.rollbackBatch)));
    if (static_cast<int>(zone.batches.back().size()) >= size) zone.batches.emplace_back();
    zone.batches.back().push_back(host.host);
  }
  for (auto& [key, zone] : zones) rollbackZones_.push_back(std::move(zone));

  // Canary steps moved a share of a region's traffic, not hosts: that share
  // goes back to the previous version too, with one call per region.
  std::map<std::pair<std::string, std::string>, std::string> shifted;  // fleet, region -> target
  for (const auto& step : steps_) {
    const Step& s = *step.step;
    if (s.type != "canary" || s.region.empty() || step.state == StepState::Pending) continue;
    const Stage* stage = plan_.stage(s.stage);
    if (!stage || (!run_.rollbackAll && (!failing || stage->id != failing->id))) continue;
    std::string target = fallback;
    for (const auto& host : fleet_.hostsIn(stage->fleet(), s.region)) {
      bool moved = false;
      std::string hostTarget = targetOf(host->key(), moved);
      if (moved) target = hostTarget;
    }
    shifted[{stage->fleet(), s.region}] = target;
  }
  for (const auto& [where, target] : shifted) {
    RollbackZone zone;
    zone.fleet = where.first;
    zone.region = where.second;
    zone.target = target;
    zone.traffic = true;
    zone.batches = {{}};
    rollbackZones_.push_back(std::move(zone));
  }
}

std::string Engine::rollbackTargetsText() const {
  std::map<std::string, size_t> hosts;  // target -> hosts
  for (const auto& zone : rollbackZones_)
    for (const auto& batch : zone.batches) hosts[zone.target] += batch.size();
  if (hosts.size() <= 1) return versionText(hosts.empty() ? run_.previous : hosts.begin()->first);
  std::vector<std::string> parts;
  for (const auto& [target, count] : hosts)
    parts.push_back(fmt::format("{} ({})", versionText(target), plural(count, "host")));
  return fmt::format("{}", fmt::join(parts, " and "));
}

bool Engine::progressRollback(Instant now) {
  bool finished = true;
  for (auto& zone : rollbackZones_) {
    std::string prefix = zone.fleet == "prod" ? "rollback" : "rollback/" + zone.fleet;
    if (zone.handle >= 0) {
      auto result = deployer_.poll(zone.handle, now);
      if (!result) {
        finished = false;
        continue;
      }
      zone.handle = -1;
      const auto& batch = zone.batches[zone.next];
      journal_.command(run_.id,
                       {now, zone.stepId, "rollback", plan_.deploy.rollback, fmt::format("{}", fmt::join(batch, " ")),
                        result->summary, result->output, result->errors, result->exitCode});
      if (result->ok && zone.traffic) {
        journal_.setStep(run_.id, zone.stepId, "done", now, result->summary);
        emit(now, "rollback_batch", run_.stage, zone.stepId,
             fmt::format("all of {}'s traffic back on {}", zone.region, versionText(zone.target)));
        ++zone.next;
        zone.attempts = 0;
      } else if (result->ok) {
        journal_.transaction([&] {
          journal_.hostsSettled(zone.fleet, batch, zone.target, now);
          journal_.setStep(run_.id, zone.stepId, "done", now, result->summary);
        });
        hostsChanged(zone.fleet, batch, {zone.target, ""});
        emit(
            now, "rollback_batch", run_.stage, zone.stepId,
            fmt::format("{} back on {} ({})", plural(batch.size(), "host"), versionText(zone.target), hostList(batch)));
        ++zone.next;
        zone.attempts = 0;
      } else if (++zone.attempts >= 3) {
        failedHard_ = Outcome::Failed;
        failMessage_ = zone.traffic
                           ? fmt::format("rollback of {}'s canary traffic failed 3 times ({}): it needs attention",
                                         zone.region, result->summary)
                           : fmt::format("rollback of {} failed 3 times ({}): hosts {} need attention", zone.zone,
                                         result->summary, hostList(batch));
        return false;
      } else {
        emit(now, "rollback_retry", run_.stage, zone.stepId,
             fmt::format("rollback batch failed ({}), retrying", result->summary));
      }
    }
    if (zone.next < zone.batches.size()) {
      finished = false;
      const auto& batch = zone.batches[zone.next];
      zone.stepId = zone.traffic ? fmt::format("{}/{}/traffic", prefix, zone.region)
                                 : fmt::format("{}/{}/{}/r{}", prefix, zone.region, zone.zone, zone.next + 1);
      journal_.transaction([&] {
        journal_.setStep(run_.id, zone.stepId, "started", now);
        if (!zone.traffic) journal_.hostsMoving(zone.fleet, zone.region, zone.zone, batch, zone.target, now);
      });
      for (const auto& host : batch)
        if (HostState* state = hostState(zone.fleet, host)) state->pending = zone.target;
      Step pseudo;
      pseudo.id = zone.stepId;
      pseudo.stage = run_.stage;
      for (const auto& stage : plan_.stages)  // with --all, the stage that owns this fleet
        if (stage.fleet() == zone.fleet && plan_.stage(run_.stage) && plan_.stage(run_.stage)->fleet() != zone.fleet)
          pseudo.stage = stage.id;
      pseudo.region = zone.region;
      pseudo.zone = zone.zone;
      pseudo.hosts = batch;
      if (zone.traffic) pseudo.traffic = 1.0;  // every request of the region to the previous version
      DeployCall call = callFor(pseudo, "rollback", zone.target, run_.version);
      zone.handle = deployer_.start(call, now);
    }
  }
  return finished;
}

}  // namespace pipelang::runtime
