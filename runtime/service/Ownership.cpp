#include "runtime/service/Ownership.h"

#include <algorithm>

namespace pipelang::runtime::service {

Ownership::Changes Ownership::tick(const std::vector<std::string>& pipelines,
                                   const std::function<bool(const std::string&)>& idle) {
  Changes changes;
  auto now = Clock::now();
  if (overdue()) {
    changes.lost.assign(held_.begin(), held_.end());
    held_.clear();
  }
  if (now >= nextRenew_) {
    // The deadline counts from before the renewal was sent: the database's
    // expiry is at least as late, so this instance stops first.
    auto renewed = leases_.renew();
    for (const auto& name : held_)
      if (!renewed.count(name)) changes.lost.push_back(name);
    std::set<std::string> still;
    for (const auto& [name, epoch] : renewed)
      if (held_.count(name)) still.insert(name);
    held_ = std::move(still);
    deadline_ = now + lease_;
    nextRenew_ = now + lease_ / 3;
  }
  if (now < nextClaim_) return changes;
  nextClaim_ = now + std::min<Clock::duration>(std::chrono::seconds(1), lease_ / 3);
  int live = std::max(1, leases_.liveInstances());
  int share = static_cast<int>((pipelines.size() + live - 1) / live);
  int mine = static_cast<int>(held_.size());
  if (mine < share) {
    std::vector<std::string> wanted;
    for (const auto& name : pipelines)
      if (!held_.count(name)) wanted.push_back(name);
    for (const auto& [name, epoch] : leases_.claim(wanted, share - mine)) {
      held_.insert(name);
      changes.gained.push_back(name);
    }
  } else if (mine > share) {
    std::vector<std::string> giveBack;
    for (const auto& name : held_)
      if (mine - static_cast<int>(giveBack.size()) > share && idle(name)) giveBack.push_back(name);
    leases_.release(giveBack);
    for (const auto& name : giveBack) {
      held_.erase(name);
      changes.lost.push_back(name);
    }
  }
  return changes;
}

std::vector<std::string> Ownership::dropAll() {
  std::vector<std::string> dropped(held_.begin(), held_.end());
  held_.clear();
  nextRenew_ = nextClaim_ = Clock::time_point{};
  leases_.reconnect();
  return dropped;
}

}  // namespace pipelang::runtime::service
