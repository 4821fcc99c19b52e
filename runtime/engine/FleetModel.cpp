#include "runtime/engine/FleetModel.h"

#include <algorithm>
#include <atomic>

namespace pipelang::runtime {

FleetModel::FleetModel(const Plan& plan) : plan_(plan) {
  static std::atomic<std::uint32_t> models{0};
  serial_ = ++models;
  // Built once per run, but with 4,000 hosts no key string is made per host
  // beyond its id: hosts are grouped by (fleet, region) and the one-box share,
  // weights and traffic are worked out per group (docs/performance.md, issue 18).
  std::map<std::pair<std::string, std::string>, double> oneboxTraffic;  // (fleet, region) -> one-box share
  std::vector<size_t> oneboxHosts;                                      // by index
  for (const auto& step : plan.steps) {
    const Stage* stage = plan.stage(step.stage);
    if (!stage || !step.deploys()) continue;
    std::string fleet = stage->fleet();
    auto& fleetIndex = index_[fleet];
    for (const auto& name : step.hosts) {
      if (!fleetIndex.emplace(name, hosts_.size()).second) continue;
      hosts_.push_back({fleet, step.region, step.zone, name, 0, false, fleet + "/" + name, 0});
    }
    if (step.type == "onebox" && !step.hosts.empty()) {
      oneboxTraffic[{fleet, step.region}] = step.traffic.value_or(0);
      oneboxHosts.push_back(fleetIndex.find(step.hosts.front())->second);
    }
  }
  for (size_t index : oneboxHosts) hosts_[index].onebox = true;
  RegionHosts* last = nullptr;  // hosts of one step come together: most lookups are the previous one's
  for (const auto& h : hosts_) {
    if (!last || last->hosts.front()->fleet != h.fleet || last->hosts.front()->region != h.region)
      last = &byRegion_[h.fleet][h.region];
    last->hosts.push_back(&h);
    last->zones[h.zone].push_back(&h);
  }
  for (auto& [fleet, regions] : byRegion_)
    for (auto& [region, group] : regions) {
      int others = 0;  // hosts that are not the one-box
      for (const HostInfo* h : group.hosts) others += !h->onebox;
      auto found = oneboxTraffic.find({fleet, region});
      double onebox = found != oneboxTraffic.end() ? found->second : 0;
      double traffic = regionTraffic(region);
      bool prod = fleet == "prod";
      for (const HostInfo* h : group.hosts) {
        HostInfo& host = hosts_[indexOf(*h)];
        host.weight = host.onebox ? onebox : (1.0 - onebox) / std::max(1, others);
        host.regionTraffic = traffic;
        host.prod = prod;
      }
      for (const auto& [zone, zoneHosts] : group.zones) zoneSizes_[{fleet, zone}] += static_cast<int>(zoneHosts.size());
    }
  std::uint32_t id = 0;  // region and zone scopes, then host scopes by host index
  regionIds_.resize(hosts_.size());
  zoneIds_.resize(hosts_.size());
  for (auto& [fleet, regions] : byRegion_)
    for (auto& [region, hosts] : regions) {
      hosts.scope = buildScope(Scope::Kind::Region, fleet, region, "");
      hosts.scope.id = id++;
      hosts.scope.model = serial_;
      for (const auto& [zone, zoneHosts] : hosts.zones) {
        Scope& scope = hosts.zoneScopes.emplace(zone, buildScope(Scope::Kind::Zone, fleet, region, zone)).first->second;
        scope.id = id++;
        scope.model = serial_;
        for (const HostInfo* h : zoneHosts) {
          regionIds_[indexOf(*h)] = hosts.scope.id;
          zoneIds_[indexOf(*h)] = scope.id;
        }
      }
    }
  hostIdBase_ = id;
}

Scope FleetModel::buildScope(Scope::Kind kind, const std::string& fleet, const std::string& region,
                             const std::string& zone) const {
  Scope scope{kind, fleet, region, zone, "", {}, "", Scope::kNoId};
  for (const auto* h : hostsIn(fleet, region, zone)) scope.hosts.push_back(h->host);
  scope.cachedLabel = scope.label();
  return scope;
}

const FleetModel::RegionHosts* FleetModel::regionHosts(const std::string& fleet, const std::string& region) const {
  auto f = byRegion_.find(fleet);
  if (f == byRegion_.end()) return nullptr;
  auto r = f->second.find(region);
  return r == f->second.end() ? nullptr : &r->second;
}

const HostInfo* FleetModel::host(const std::string& fleet, const std::string& name) const {
  auto f = index_.find(fleet);
  if (f == index_.end()) return nullptr;
  auto it = f->second.find(name);
  return it == f->second.end() ? nullptr : &hosts_[it->second];
}

const std::vector<const HostInfo*>& FleetModel::hostsIn(const std::string& fleet, const std::string& region,
                                                        const std::string& zone) const {
  static const std::vector<const HostInfo*> none;
  auto f = byRegion_.find(fleet);
  if (f == byRegion_.end()) return none;
  auto r = f->second.find(region);
  if (r == f->second.end()) return none;
  if (zone.empty()) return r->second.hosts;
  auto z = r->second.zones.find(zone);
  return z == r->second.zones.end() ? none : z->second;
}

Scope FleetModel::regionScope(const std::string& fleet, const std::string& region) const {
  if (const RegionHosts* hosts = regionHosts(fleet, region)) return hosts->scope;
  return buildScope(Scope::Kind::Region, fleet, region, "");
}

const Scope* FleetModel::knownRegionScope(const std::string& fleet, const std::string& region) const {
  const RegionHosts* hosts = regionHosts(fleet, region);
  return hosts ? &hosts->scope : nullptr;
}

Scope FleetModel::zoneScope(const std::string& fleet, const std::string& region, const std::string& zone) const {
  if (const RegionHosts* hosts = regionHosts(fleet, region))
    if (auto it = hosts->zoneScopes.find(zone); it != hosts->zoneScopes.end()) return it->second;
  return buildScope(Scope::Kind::Zone, fleet, region, zone);
}

Scope FleetModel::hostScope(const HostInfo& host) const {
  Scope scope{Scope::Kind::Host, host.fleet, host.region, host.zone, host.host, {host.host}, "", Scope::kNoId};
  scope.cachedLabel = scope.label();
  scope.id = hostIdBase_ + static_cast<std::uint32_t>(indexOf(host));
  scope.model = serial_;
  return scope;
}

int FleetModel::zoneSize(const std::string& fleet, const std::string& zone) const {
  if (fleet == "prod")
    for (const auto& region : plan_.regions)
      for (const auto& z : region.zones)
        if (z.id == zone && z.hosts > 0) return z.hosts;
  auto it = zoneSizes_.find({fleet, zone});
  return it == zoneSizes_.end() ? 0 : it->second;
}

int FleetModel::regionSize(const std::string& fleet, const std::string& region) const {
  return static_cast<int>(hostsIn(fleet, region).size());
}

double FleetModel::regionTraffic(const std::string& region) const {
  const RegionTopology* r = plan_.region(region);
  return r ? r->traffic : 0;
}

}  // namespace pipelang::runtime
