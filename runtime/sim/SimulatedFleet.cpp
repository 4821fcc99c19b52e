#include "runtime/sim/SimulatedFleet.h"

#include <fmt/format.h>

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
}

}  // namespace

SimulatedFleet::SimulatedFleet(const Plan& plan, const Scenario& scenario)
    : plan_(plan), scenario_(scenario), model_(plan) {
  onNew_.assign(model_.hosts().size(), false);
  for (const auto& fault : scenario_.faults) faultsByMetric_[fault.metric].push_back(&fault);
  std::map<std::pair<std::string, std::string>, size_t> regions;
  for (const auto& host : model_.hosts())
    regionOf_.push_back(regions.emplace(std::make_pair(host.fleet, host.region), regions.size()).first->second);
  generations_.assign(regions.size() + 1, 0);
}

void SimulatedFleet::setVersion(const std::string& fleet, const std::vector<std::string>& hosts,
                                const std::string& version) {
  bool onNew = version == scenario_.version;
  for (const auto& name : hosts)
    if (const HostInfo* host = model_.host(fleet, name)) {
      size_t index = model_.indexOf(*host);
      if (onNew_[index] == onNew) continue;
      onNew_[index] = onNew;
      ++generations_[regionOf_[index]];
    }
}

std::optional<double> SimulatedFleet::faultValue(const std::vector<const MetricFault*>& active, const HostInfo& host) {
  std::optional<double> value;
  for (const auto* fault : active)  // the last one that applies wins
    if ((fault->region.empty() || fault->region == host.region) && (fault->zone.empty() || fault->zone == host.zone))
      value = fault->value;
  return value;
}

MetricReading SimulatedFleet::read(const MetricRequest& request) {
  MetricReading reading;
  const Scope& scope = request.scope;
  reading.resolvedQuery = request.metric.query;  // nothing is asked: the scenario answers
  // The faults of this metric in force now, in the scenario's order: once per
  // read, then once per zone, never per host.
  std::vector<const MetricFault*> active;
  if (auto it = faultsByMetric_.find(request.metric.name); it != faultsByMetric_.end()) {
    std::int64_t offset = request.at - scenario_.start;
    for (const auto* fault : it->second)
      if (fault->fromS <= offset && offset < fault->toS) active.push_back(fault);
  }
  Remembered& remembered = remembered_[request.metric.name][scope.label()];
  if (remembered.generation > 0 && remembered.generation == generations_[remembered.region] + 1 &&
      remembered.active == active) {
    reading.value = remembered.value;
    return reading;
  }
  std::optional<double> base, onNew;
  if (auto it = scenario_.baseline.find(request.metric.name); it != scenario_.baseline.end()) base = it->second;
  if (auto it = scenario_.newVersion.find(request.metric.name); it != scenario_.newVersion.end()) onNew = it->second;
  const auto& regionHosts = model_.hostsIn(scope.fleet, scope.region);
  std::vector<const HostInfo*> one;
  const std::vector<const HostInfo*>* hosts = &one;
  if (scope.kind == Scope::Kind::Host) {
    const HostInfo* host = model_.host(scope.fleet, scope.host);
    if (host && host->region == scope.region && (scope.zone.empty() || host->zone == scope.zone)) one.push_back(host);
  } else {
    hosts = &model_.hostsIn(scope.fleet, scope.region, scope.zone);
  }
  reading.value = mix(*hosts, active, base, onNew, request.metric.isCount(), static_cast<double>(regionHosts.size()));
  // Every host of a scope is in the scope's region: its generation says when to compute again.
  remembered.region = regionHosts.empty() ? generations_.size() - 1 : regionOf_[model_.indexOf(*regionHosts.front())];
  remembered.generation = generations_[remembered.region] + 1;  // 0: never computed
  remembered.active = std::move(active);
  remembered.value = reading.value;
  return reading;
}

std::optional<double> SimulatedFleet::mix(const std::vector<const HostInfo*>& hosts,
                                          const std::vector<const MetricFault*>& active, std::optional<double> base,
                                          std::optional<double> onNew, bool count, double regionSize) const {
  double weighted = 0, weights = 0;
  const std::string* zone = nullptr;
  std::optional<double> zoneFault;
  for (const auto* host : hosts) {
    if (!active.empty() && (!zone || *zone != host->zone)) {
      zone = &host->zone;
      zoneFault = faultValue(active, *host);
    }
    std::optional<double> value = onNew && onNew_[model_.indexOf(*host)] ? onNew : base;
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
  if (call.action == "deploy" && scenario_.deployFailures.count(call.step)) {
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
