// Where an alarm is evaluated: a one-box host, a zone, a region (or a whole stage
// for min_traffic). A pre-production stage's hosts form a fleet of their own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pipelang::runtime {

struct Scope {
  enum class Kind { Host, Zone, Region };
  Kind kind = Kind::Region;
  std::string fleet;  // "prod" or a pre-production stage id
  std::string region, zone, host;
  std::vector<std::string> hosts;  // every host the scope covers (PIPE_HOSTS)
  std::string cachedLabel;         // set by FleetModel: the label is a hot map key
  // A dense number the FleetModel that built the scope gives it (kNoId for a
  // scope built elsewhere): the evaluator and the simulated fleet find their
  // per-scope state by it in a vector instead of hashing the label
  // (ScopeSlots, docs/performance.md, issue 18).
  static constexpr std::uint32_t kNoId = UINT32_MAX;
  std::uint32_t id = kNoId;
  // Which FleetModel numbered it (a serial no two models share; 0: none):
  // with `id`, it names one label, so ScopeSlots finds the slot without
  // comparing the label.
  std::uint32_t model = 0;

  // "host usw2-az1-h01", "zone use1-az1", "region us-east-1"; prefixed "gamma " outside prod.
  std::string label() const {
    if (!cachedLabel.empty()) return cachedLabel;
    std::string prefix = fleet == "prod" ? "" : fleet + " ";
    switch (kind) {
      case Kind::Host: return prefix + "host " + host;
      case Kind::Zone: return prefix + "zone " + zone;
      case Kind::Region: break;
    }
    return prefix + "region " + region;
  }
};

}  // namespace pipelang::runtime
