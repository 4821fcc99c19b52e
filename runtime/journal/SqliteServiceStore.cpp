#include "runtime/journal/SqliteServiceStore.h"

namespace pipelang::runtime {

llvm::Expected<std::unique_ptr<SqliteServiceStore>> SqliteServiceStore::open(const std::string& path) {
  auto store = SqliteStore::open(path, /*durable=*/true);
  if (!store) return store.takeError();
  return std::unique_ptr<SqliteServiceStore>(new SqliteServiceStore(std::move(*store)));
}

Journal& SqliteServiceStore::journal(const std::string& pipeline) {
  auto& slot = journals_[pipeline];
  if (!slot) slot = std::make_unique<SqliteJournal>(*store_, pipeline);
  return *slot;
}

std::vector<std::string> SqliteServiceStore::pipelinesWithRuns() {
  Statement s(*store_, "SELECT DISTINCT pipeline FROM runs WHERE pipeline != '' ORDER BY pipeline");
  std::vector<std::string> out;
  while (s.row()) out.push_back(s.text(0));
  return out;
}

void SqliteServiceStore::savePlan(const std::string& digest, const std::string& text) {
  store_->transaction([&] {
    Statement s(*store_, "INSERT OR IGNORE INTO plans(digest, text) VALUES(?, ?)");
    s.bind(1, digest).bind(2, text).run();
  });
}

std::optional<std::string> SqliteServiceStore::planText(const std::string& digest) {
  Statement s(*store_, "SELECT text FROM plans WHERE digest = ?");
  s.bind(1, digest);
  if (s.row()) return s.text(0);
  return std::nullopt;
}

std::vector<FeedEvent> SqliteServiceStore::eventsAfter(std::int64_t afterId, const std::string& pipeline, int limit) {
  Statement s(*store_,
              "SELECT e.id, e.run_id, e.t, e.type, e.stage, e.step, e.message, e.detail, r.pipeline, r.version "
              "FROM events e JOIN runs r ON r.id = e.run_id "
              "WHERE e.id > ? AND r.pipeline != '' AND (? = '' OR r.pipeline = ?) ORDER BY e.id LIMIT ?");
  s.bind(1, afterId).bind(2, pipeline).bind(3, pipeline).bind(4, limit);
  std::vector<FeedEvent> out;
  while (s.row())
    out.push_back({s.text(8),
                   s.text(9),
                   {s.integer(0), s.integer(1), s.integer(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7)}});
  return out;
}

std::int64_t SqliteServiceStore::latestEventId() {
  Statement s(*store_, "SELECT COALESCE(MAX(id), 0) FROM events");
  return s.row() ? s.integer(0) : 0;
}

}  // namespace pipelang::runtime
