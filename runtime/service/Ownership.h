// Which pipelines this `piperun serve` instance may act on when several share
// one PostgreSQL store (docs/service.md "Several instances on PostgreSQL"):
// the heartbeat (renew every lease time / 3), the local deadline (an instance
// that could not renew stops acting once its last renewal's lease time has
// passed on its own monotonic clock, before the database lets anyone take
// over), and the fair share (claims up to ceil(pipelines / live instances),
// and gives back idle pipelines above it).
#pragma once

#include "runtime/journal/Leases.h"

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace pipelang::runtime::service {

class Ownership {
 public:
  using Clock = std::chrono::steady_clock;
  Ownership(LeaseStore& leases, int leaseSeconds) : leases_(leases), lease_(std::chrono::seconds(leaseSeconds)) {}

  struct Changes {
    std::vector<std::string> gained, lost;
  };
  // Called on every turn of the service's loop with every pipeline the
  // service knows; touches the store once per heartbeat, and tries to claim
  // free pipelines once a second while below its share. `idle(name)`: nothing
  // of it in flight (may be given back). Throws JournalError when the store fails.
  Changes tick(const std::vector<std::string>& pipelines, const std::function<bool(const std::string&)>& idle);
  // The lease time has passed since the last renewal: stop acting on everything.
  bool overdue() const { return !held_.empty() && Clock::now() >= deadline_; }
  bool holds(const std::string& pipeline) const { return held_.count(pipeline) != 0; }
  const std::set<std::string>& held() const { return held_; }
  // A write was refused (LeaseLost): that pipeline is not ours any more.
  void lost(const std::string& pipeline) { held_.erase(pipeline); }
  // After a store failure: holds nothing, reconnects; the next tick claims again.
  std::vector<std::string> dropAll();
  const std::string& instance() const { return leases_.instance(); }

 private:
  LeaseStore& leases_;
  Clock::duration lease_;
  std::set<std::string> held_;
  Clock::time_point deadline_{};
  Clock::time_point nextRenew_{};
  Clock::time_point nextClaim_{};
};

}  // namespace pipelang::runtime::service
