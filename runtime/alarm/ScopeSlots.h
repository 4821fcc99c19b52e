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
  // order). A scope whose id was seen before with the same label is found by
  // its id; the label is compared, so a scope of another model never takes
  // the wrong slot (it is found by label instead).
  std::uint32_t slotOf(const Scope& scope);
  size_t size() const { return labels_.size(); }
  const std::string& label(std::uint32_t slot) const { return labels_[slot]; }

 private:
  std::vector<std::string> labels_;                        // by slot
  std::unordered_map<std::string, std::uint32_t> bySlot_;  // label -> slot
  std::vector<std::uint32_t> byId_;                        // Scope::id -> slot, kNoId when unknown
};

}  // namespace pipelang::runtime
