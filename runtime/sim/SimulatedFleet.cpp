#include "runtime/sim/SimulatedFleet.h"

#include <fmt/format.h>

#include <algorithm>

namespace pipelang::runtime {
namespace {

// Every instant (seconds after the scenario's start) where a fault or an
// external alarm begins or ends: the only times the fleet's answers change.
template <typename Visit>
void forEachEdge(const Scenario& scenario, Visit&& visit) {
  for (const auto& window : scenario.externalAlarms) {
    visit(window.fromS);
    visit(window.toS);
  }
  for (const auto& fault : scenario.faults) {
    visit(fault.fromS);
    visit(fault.toS);
  }
  for (const auto& entry : scenario.versions)
    for (const auto& fault : entry.faults) {
      visit(fault.fromS);
      visit(fault.toS);
    }
}

}  // namespace

SimulatedFleet::SimulatedFleet(const Plan& plan, const Scenario& scenario)
    : plan_(plan), scenario_(scenario), model_(plan) {
  versionOf_.assign(model_.hosts().size(), 0);
  for (const auto& fault : scenario_.faults) faultsByMetric_[fault.metric].push_back(&fault);
  if (scenario_.versions.empty()) {
    behaviours_.push_back({scenario_.version, &scenario_.newVersion, nullptr, nullptr});
  } else {
    // The reader keeps versions to what a byte indexes: 255 is far more than a scenario submits.
    for (const auto& entry : scenario_.versions) {
      if (behaviours_.size() == 255) break;
      behaviours_.push_back({entry.version, &entry.newVersion, &entry.faults, &entry.deployFailures});
      versionFaults_ = versionFaults_ || !entry.faults.empty();
    }
  }
  generations_.assign(model_.regionAndZoneIds() + 1, 0);
  forEachEdge(scenario_, [this](std::int64_t edge) { edges_.push_back(edge); });
  std::sort(edges_.begin(), edges_.end());
  edges_.erase(std::unique(edges_.begin(), edges_.end()), edges_.end());
}

void SimulatedFleet::setVersion(const std::string& fleet, const std::vector<std::string>& hosts,
                                const std::string& version) {
  std::uint8_t index = 0;
  for (size_t i = 0; i < behaviours_.size(); ++i)
    if (behaviours_[i].version == version) index = static_cast<std::uint8_t>(i + 1);
  for (const auto& name : hosts)
    if (const HostInfo* host = model_.host(fleet, name)) {
      size_t i = model_.indexOf(*host);
      if (versionOf_[i] == index) continue;
      versionOf_[i] = index;
      ++generations_[model_.regionIdOf(i)];
    }
}

bool SimulatedFleet::deployFails(const std::string& version, const std::string& step) const {
  if (scenario_.deployFailures.count(step)) return true;
  for (const auto& behaviour : behaviours_)
    if (behaviour.version == version && behaviour.deployFailures && behaviour.deployFailures->count(step)) return true;
  return false;
}

std::optional<double> SimulatedFleet::faultValue(const std::vector<const MetricFault*>& active, const HostInfo& host) {
  std::optional<double> value;
  for (const auto* fault : active)  // the last one that applies wins
    if ((fault->region.empty() || fault->region == host.region) && (fault->zone.empty() || fault->zone == host.zone))
      value = fault->value;
  return value;
}

size_t SimulatedFleet::metricNumber(const MetricDef& metric) {
  for (size_t i = 0; i < metrics_.size(); ++i)
    if (metrics_[i] == &metric) return i;
  for (size_t i = 0; i < metrics_.size(); ++i)
    if (metrics_[i]->name == metric.name && metrics_[i]->isCount() == metric.isCount()) return i;
  metrics_.push_back(&metric);
  remembered_.emplace_back();
  return metrics_.size() - 1;
}

MetricReading SimulatedFleet::read(const MetricRequest& request) {
  MetricReading reading;  // nothing is asked: the scenario answers, the query is as written (queryAsWritten)
  reading.value = valueFromMemory(request);
  return reading;
}

std::optional<double> SimulatedFleet::valueFromMemory(const MetricRequest& request) {
  const Scope& scope = request.scope;
  std::uint32_t slot = slots_.slotOf(scope);
  if (slot >= slotRegion_.size()) {
    const Scope* region = model_.knownRegionScope(scope.fleet, scope.region);
    slotRegion_.push_back(region ? region->id : generations_.size() - 1);
  }
  auto& row = remembered_[metricNumber(request.metric)];
  if (row.size() <= slot) row.resize(slots_.size());
  Remembered& remembered = row[slot];
  unsigned generation = generations_[slotRegion_[slot]];
  size_t epoch = static_cast<size_t>(std::upper_bound(edges_.begin(), edges_.end(), request.at - scenario_.start) -
                                     edges_.begin());
  if (!remembered.known || remembered.generation != generation || remembered.epoch != epoch) {
    remembered = {true, generation, epoch, mix(request)};
    ++readingsComputed_;
  }
  return remembered.value;
}

std::optional<double> SimulatedFleet::mix(const MetricRequest& request) {
  const Scope& scope = request.scope;
  bool count = request.metric.isCount();
  std::optional<double> base;
  if (auto it = scenario_.baseline.find(request.metric.name); it != scenario_.baseline.end()) base = it->second;
  // What a host reads by the version it runs: [0] the previous version, then each behaviour's.
  std::vector<std::optional<double>>& byVersion = byVersion_;  // reused: no allocation per read
  byVersion.assign(behaviours_.size() + 1, base);
  for (size_t i = 0; i < behaviours_.size(); ++i)
    if (auto it = behaviours_[i].metrics->find(request.metric.name); it != behaviours_[i].metrics->end())
      byVersion[i + 1] = it->second;
  // A version's own faults of this metric in force now (multi-version scenarios only).
  std::vector<std::vector<const MetricFault*>> ownFaults;
  if (versionFaults_) {
    std::int64_t offset = request.at - scenario_.start;
    ownFaults.resize(behaviours_.size() + 1);
    for (size_t i = 0; i < behaviours_.size(); ++i)
      if (behaviours_[i].faults)
        for (const auto& fault : *behaviours_[i].faults)
          if (fault.metric == request.metric.name && fault.fromS <= offset && offset < fault.toS)
            ownFaults[i + 1].push_back(&fault);
  }
  // The faults of this metric in force now, in the scenario's order: once per
  // read, then once per zone, never per host.
  std::vector<const MetricFault*> active;
  if (auto it = faultsByMetric_.find(request.metric.name); it != faultsByMetric_.end()) {
    std::int64_t offset = request.at - scenario_.start;
    for (const auto* fault : it->second)
      if (fault->fromS <= offset && offset < fault->toS) active.push_back(fault);
  }
  const auto& regionHosts = model_.hostsIn(scope.fleet, scope.region);
  double regionSize = static_cast<double>(regionHosts.size());
  std::vector<const HostInfo*> one;
  const std::vector<const HostInfo*>* hosts = &one;
  if (scope.kind == Scope::Kind::Host) {
    const HostInfo* host = model_.host(scope.fleet, scope.host);
    if (host && host->region == scope.region && (scope.zone.empty() || host->zone == scope.zone)) one.push_back(host);
  } else {
    hosts = &model_.hostsIn(scope.fleet, scope.region, scope.zone);
  }
  double weighted = 0, weights = 0;
  const std::string* zone = nullptr;
  std::optional<double> zoneFault;
  for (const auto* host : *hosts) {
    if (!active.empty() && (!zone || *zone != host->zone)) {
      zone = &host->zone;
      zoneFault = faultValue(active, *host);
    }
    std::uint8_t version = versionOf_[model_.indexOf(*host)];
    std::optional<double> value = byVersion[version];
    if (!ownFaults.empty() && !ownFaults[version].empty())
      if (auto own = faultValue(ownFaults[version], *host)) value = own;
    if (zoneFault) value = zoneFault;
    if (!value) return std::nullopt;  // no data
    if (count) {
      // A count is summed: each host serves its share of the region's traffic.
      weighted += *value * host->weight * regionSize;
    } else {
      weighted += *value * host->weight;
      weights += host->weight;
    }
  }
  if (count) return weighted;
  if (weights > 0) return weighted / weights;
  return std::nullopt;
}

std::optional<bool> SimulatedFleet::firing(const std::string& name, Instant at) {
  std::int64_t offset = at - scenario_.start;
  for (const auto& window : scenario_.externalAlarms)
    if (window.name == name && window.fromS <= offset && offset < window.toS) return true;
  return false;
}

std::optional<Instant> SimulatedFleet::nextChange(Instant at) {
  std::optional<Instant> next;
  auto consider = [&](std::int64_t edge) {
    Instant t = scenario_.start + edge;
    if (t > at && (!next || t < *next)) next = t;
  };
  forEachEdge(scenario_, consider);
  return next;
}

std::optional<Instant> SimulatedFleet::lastChange(Instant at) {
  Instant last = scenario_.start;
  auto consider = [&](std::int64_t edge) {
    Instant t = scenario_.start + edge;
    if (t <= at && t > last) last = t;
  };
  forEachEdge(scenario_, consider);
  return last;
}

int SimulatedDeployer::start(const DeployCall& call, Instant now) {
  int handle = next_++;
  int duration = call.action == "rollback" ? plan_.deploy.rollbackTimeS : scenario_.batchTimeS;
  calls_[handle] = {call, now + std::max(1, duration)};
  return handle;
}

std::optional<DeployResult> SimulatedDeployer::poll(int handle, Instant now) {
  auto it = calls_.find(handle);
  if (it == calls_.end()) return DeployResult{false, -1, false, "", "", "unknown call"};
  if (now < it->second.done) return std::nullopt;
  const DeployCall& call = it->second.call;
  DeployResult result;
  if (call.action == "deploy" && fleet_.deployFails(call.version, call.step)) {
    result.exitCode = 1;
    result.summary = "exit 1 (simulated deploy failure)";
  } else {
    result.ok = true;
    result.exitCode = 0;
    result.summary = "exit 0";
    if (call.action != "test") {
      const Stage* stage = plan_.stage(call.stage);
      fleet_.setVersion(stage ? stage->fleet() : "prod", call.hosts, call.version);
    }
  }
  calls_.erase(it);
  return result;
}

std::optional<Instant> SimulatedDeployer::nextCompletion() const {
  std::optional<Instant> next;
  for (const auto& [handle, call] : calls_)
    if (!next || call.done < *next) next = call.done;
  return next;
}

}  // namespace pipelang::runtime
