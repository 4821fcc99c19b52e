// Who may act on a pipeline when several `piperun serve` instances share one
// store (docs/service.md "Several instances on PostgreSQL"): one lease per
// pipeline, held by one instance until its expiry, renewed by heartbeat; each
// takeover increments the lease's epoch, and every write of an owner checks
// its epoch in the same transaction (fencing), so an instance that paused or
// lost its connection can never write over its successor's decisions.
#pragma once

#include "runtime/journal/Journal.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pipelang::runtime {

// A write of a pipeline whose lease this instance no longer holds (expired,
// or taken over: a newer epoch). Nothing of the transaction was written.
class LeaseLost : public JournalError {
 public:
  LeaseLost(const std::string& pipeline, const std::string& message) : JournalError(message), pipeline_(pipeline) {}
  const std::string& pipeline() const { return pipeline_; }

 private:
  std::string pipeline_;
};

// The leases of one instance. Expiry is the database's clock, never the
// instance's, so machines with skewed clocks agree. Every method may throw
// JournalError (the store failed: the caller must assume it holds nothing).
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  virtual const std::string& instance() const = 0;
  // Extends every lease still held by this instance (same epoch, unexpired)
  // by the lease time and says it is alive; returns those leases, pipeline -> epoch.
  virtual std::map<std::string, std::int64_t> renew() = 0;
  // Takes up to `limit` of `wanted` whose lease is free or expired (or this
  // instance's own): epoch + 1, expiry now + lease time. Returns what it took.
  virtual std::map<std::string, std::int64_t> claim(const std::vector<std::string>& wanted, int limit) = 0;
  // Gives leases up at once (their next owner need not wait for the expiry).
  virtual void release(const std::vector<std::string>& pipelines) = 0;
  // Instances that said they were alive within the lease time, this one included.
  virtual int liveInstances() = 0;
  // Forgets every fence after the connection failed, and reconnects; false
  // when the store is still unreachable.
  virtual bool reconnect() = 0;
};

}  // namespace pipelang::runtime
