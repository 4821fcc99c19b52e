#include "runtime/alarm/ScopeSlots.h"

namespace pipelang::runtime {

std::uint32_t ScopeSlots::slotOf(const Scope& scope) {
  if (scope.model != 0 && scope.id < byId_.size() && byId_[scope.id].model == scope.model) return byId_[scope.id].slot;
  std::string label = scope.label();
  auto [it, added] = bySlot_.try_emplace(label, static_cast<std::uint32_t>(labels_.size()));
  if (added) labels_.push_back(std::move(label));
  if (scope.model != 0 && scope.id != Scope::kNoId && !scope.cachedLabel.empty()) {
    if (scope.id >= byId_.size()) byId_.resize(scope.id + 1);
    byId_[scope.id] = {scope.model, it->second};
  }
  return it->second;
}

}  // namespace pipelang::runtime
