// Per-scope state in vectors: each scope label gets a dense slot number once,
// and a scope numbered by its FleetModel (Scope::id) finds its slot by that
// number afterwards, with no string hashed (docs/performance.md, issue 18).
#pragma once

#include "runtime/alarm/Scope.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace pipelang::runtime {

class ScopeSlots {
 public:
  // The slot of the scope's label, made on first sight (0, 1, 2... in that
  // order). A scope numbered by a FleetModel whose (model, id) was seen
  // before is found by them, without comparing its label: the pair names
  // one label (Scope::model); any other scope is found by its label.
  std::uint32_t slotOf(const Scope& scope);
  size_t size() const { return labels_.size(); }
  const std::string& label(std::uint32_t slot) const { return labels_[slot]; }

 private:
  std::vector<std::string> labels_;                        // by slot
  std::unordered_map<std::string, std::uint32_t> bySlot_;  // label -> slot
  struct ById {
    std::uint32_t model = 0;  // the Scope::model the slot was found for (0: none yet)
    std::uint32_t slot = Scope::kNoId;
  };
  std::vector<ById> byId_;  // Scope::id -> the slot of the last model's scope of that id
};

}  // namespace pipelang::runtime
