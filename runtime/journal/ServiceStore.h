// The store of `piperun serve` (docs/service.md "The store"): one journal per
// pipeline, plus what belongs to the service as a whole: plans by digest (a
// version in flight resumes with the plan it started with, whatever the plans
// folder holds now) and the event feed across pipelines. An interface with
// the embedded SQLite store behind it today (SqliteServiceStore) and
// PostgreSQL planned: no SQL crosses it, every method may throw JournalError,
// and writes that must land together go through transaction().
#pragma once

#include "runtime/journal/Journal.h"

#include <functional>
#include <string>
#include <vector>

namespace pipelang::runtime {

// An event with the pipeline and version it concerns (the API's Event).
struct FeedEvent {
  std::string pipeline, version;
  EventRecord event;
};

class ServiceStore {
 public:
  virtual ~ServiceStore() = default;
  // The journal of one pipeline, created on first use; valid as long as the store.
  virtual Journal& journal(const std::string& pipeline) = 0;
  // Every pipeline that has at least one run, sorted.
  virtual std::vector<std::string> pipelinesWithRuns() = 0;
  virtual void savePlan(const std::string& digest, const std::string& text) = 0;
  virtual std::optional<std::string> planText(const std::string& digest) = 0;
  // Events with id > afterId, oldest first, at most `limit`; only `pipeline`'s when not empty.
  virtual std::vector<FeedEvent> eventsAfter(std::int64_t afterId, const std::string& pipeline, int limit) = 0;
  virtual std::int64_t latestEventId() = 0;  // 0 when none
  virtual void transaction(const std::function<void()>& body) = 0;
};

}  // namespace pipelang::runtime
