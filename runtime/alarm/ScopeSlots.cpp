#include "runtime/alarm/ScopeSlots.h"

namespace pipelang::runtime {

std::uint32_t ScopeSlots::slotOf(const Scope& scope) {
  if (scope.id < byId_.size()) {
    std::uint32_t slot = byId_[scope.id];
    if (slot != Scope::kNoId && labels_[slot] == scope.cachedLabel) return slot;
  }
  std::string label = scope.label();
  auto [it, added] = bySlot_.try_emplace(label, static_cast<std::uint32_t>(labels_.size()));
  if (added) labels_.push_back(std::move(label));
  // Only a scope that carries its label is found by id: the id path compares it.
  if (scope.id != Scope::kNoId && !scope.cachedLabel.empty()) {
    if (scope.id >= byId_.size()) byId_.resize(scope.id + 1, Scope::kNoId);
    byId_[scope.id] = it->second;
  }
  return it->second;
}

}  // namespace pipelang::runtime
