// The embedded default store of `piperun serve`: every pipeline in one SQLite
// file (WAL, synchronous=FULL: runtime.md §3), default .piperun/service.db.
#pragma once

#include "runtime/journal/ServiceStore.h"
#include "runtime/journal/SqliteStore.h"

#include <map>
#include <memory>

namespace pipelang::runtime {

class SqliteServiceStore final : public ServiceStore {
 public:
  // Errors as SqliteStore::open.
  static llvm::Expected<std::unique_ptr<SqliteServiceStore>> open(const std::string& path);

  Journal& journal(const std::string& pipeline) override;
  std::vector<std::string> pipelinesWithRuns() override;
  void savePlan(const std::string& digest, const std::string& text) override;
  std::optional<std::string> planText(const std::string& digest) override;
  std::vector<FeedEvent> eventsAfter(std::int64_t afterId, const std::string& pipeline, int limit) override;
  std::int64_t latestEventId() override;
  void transaction(const std::function<void()>& body) override { store_->transaction(body); }

 private:
  explicit SqliteServiceStore(std::unique_ptr<SqliteStore> store) : store_(std::move(store)) {}
  std::unique_ptr<SqliteStore> store_;
  std::map<std::string, std::unique_ptr<SqliteJournal>> journals_;
};

}  // namespace pipelang::runtime
