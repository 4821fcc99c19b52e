// The leases of one `piperun serve` instance in the PostgreSQL store
// (Leases.h; docs/service.md "Several instances on PostgreSQL"): rows of
// `leases` (pipeline, owner, epoch, expires_at) and `instances` (id,
// machine, seen_until), on the store's own connection, each call one
// transaction. Every lease it holds is also a fence of the store (PgStore::fence).
#pragma once

#include "runtime/journal/Leases.h"
#include "runtime/journal/PgStore.h"

namespace pipelang::runtime {

class PgLeases final : public LeaseStore {
 public:
  // `instance`: this instance's id (unique per process start);
  // `leaseSeconds` >= 1: how long a lease lasts after each renewal.
  PgLeases(PgStore& store, std::string instance, int leaseSeconds);

  const std::string& instance() const override { return instance_; }
  std::map<std::string, std::int64_t> renew() override;
  std::map<std::string, std::int64_t> claim(const std::vector<std::string>& wanted, int limit) override;
  void release(const std::vector<std::string>& pipelines) override;
  int liveInstances() override;
  bool reconnect() override;

 private:
  PgStore& store_;
  std::string instance_;
  int leaseSeconds_;
  std::map<std::string, std::int64_t> held_;  // pipeline -> epoch, as fenced in the store
};

// A new instance id: "HOST-PID-RANDOM" (8 hex digits from /dev/urandom).
std::string newInstanceId();

}  // namespace pipelang::runtime
