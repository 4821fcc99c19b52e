// The hosts a plan deploys, grouped by fleet, region and zone, with each host's
// share of its region's traffic: the one-box serves its `traffic`, the other
// hosts share the rest equally. Scopes, exposure and the simulated metrics all
// derive from this one model.
#pragma once

#include "runtime/alarm/Scope.h"
#include "runtime/plan/Plan.h"

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace pipelang::runtime {

struct HostInfo {
  std::string fleet, region, zone, host;
  double weight = 0;  // share of the region's traffic
  bool onebox = false;
  std::string id;            // "fleet/host", built once: the inner loops look hosts up by it
  double regionTraffic = 0;  // the topology's share of global traffic for `region` (0 if unknown)
  bool prod = false;         // fleet == "prod": counts in the global exposure
  const std::string& key() const { return id; }
};

class FleetModel {
 public:
  explicit FleetModel(const Plan& plan);
  // Hosts point into the model: it is neither copied nor moved.
  FleetModel(const FleetModel&) = delete;
  FleetModel& operator=(const FleetModel&) = delete;

  const std::vector<HostInfo>& hosts() const { return hosts_; }
  const HostInfo* host(const std::string& fleet, const std::string& name) const;
  const std::vector<const HostInfo*>& hostsIn(const std::string& fleet, const std::string& region,
                                              const std::string& zone = "") const;
  size_t indexOf(const HostInfo& host) const { return static_cast<size_t>(&host - hosts_.data()); }
  Scope regionScope(const std::string& fleet, const std::string& region) const;
  // The model's own scope of a region it has hosts in, not copied; null otherwise (regionScope() builds one).
  const Scope* knownRegionScope(const std::string& fleet, const std::string& region) const;
  Scope zoneScope(const std::string& fleet, const std::string& region, const std::string& zone) const;
  Scope hostScope(const HostInfo& host) const;
  // Hosts in the zone's capacity: the topology's count, else those the plan lists.
  int zoneSize(const std::string& fleet, const std::string& zone) const;
  int regionSize(const std::string& fleet, const std::string& region) const;
  double regionTraffic(const std::string& region) const;
  // A host's region and zone (by host index) as the Scope::id of the model's
  // region and zone scope: numbers below regionAndZoneIds(), one per
  // (fleet, region) and per (fleet, region, zone). What the engine and the
  // simulated fleet key their per-zone and per-region tables by.
  std::uint32_t regionIdOf(size_t index) const { return regionIds_[index]; }
  std::uint32_t zoneIdOf(size_t index) const { return zoneIds_[index]; }
  std::uint32_t regionAndZoneIds() const { return hostIdBase_; }

 private:
  const Plan& plan_;
  std::vector<HostInfo> hosts_;
  // Lookups the engine and the simulation do every period, by name parts so
  // that no key string is built per lookup: fleet -> host -> index, and
  // fleet -> region -> (hosts, zone -> hosts).
  struct RegionHosts {
    std::vector<const HostInfo*> hosts;
    std::unordered_map<std::string, std::vector<const HostInfo*>> zones;
    Scope scope;                                        // regionScope(), built once
    std::unordered_map<std::string, Scope> zoneScopes;  // zoneScope(), built once
  };
  std::unordered_map<std::string, std::unordered_map<std::string, size_t>> index_;
  std::unordered_map<std::string, std::unordered_map<std::string, RegionHosts>> byRegion_;
  std::map<std::pair<std::string, std::string>, int> zoneSizes_;  // (fleet, zone) -> zoneSize()
  std::vector<std::uint32_t> regionIds_, zoneIds_;                // by host index
  std::uint32_t hostIdBase_ = 0;  // Scope::id of the first host's scope (after every region and zone)
  std::uint32_t serial_ = 0;      // this model's Scope::model, unique in the process

  const RegionHosts* regionHosts(const std::string& fleet, const std::string& region) const;
  Scope buildScope(Scope::Kind kind, const std::string& fleet, const std::string& region,
                   const std::string& zone) const;
};

}  // namespace pipelang::runtime
