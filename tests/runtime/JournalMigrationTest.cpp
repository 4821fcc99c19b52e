// The state DB's schema is versioned and migrated in place (docs/runtime-journal.md):
// a file written by the first release keeps its runs and hosts; a newer one is refused.
#include "runtime/journal/SqliteStore.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>
#include <cstdio>
#include <string>

namespace pipelang::runtime {
namespace {

std::string scratchDb(const char* name) {
  std::string path = ::testing::TempDir() + name + std::to_string(::getpid()) + ".db";
  std::remove(path.c_str());
  return path;
}

void writeRaw(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST(JournalMigration, AFirstReleaseFileKeepsItsRunsAndHosts) {
  std::string path = scratchDb("v1-");
  writeRaw(path, R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs(id INTEGER PRIMARY KEY, version TEXT NOT NULL, previous TEXT NOT NULL, status TEXT NOT NULL,
  emergency INTEGER NOT NULL DEFAULT 0, rollback_all INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '',
  submitted_at INTEGER NOT NULL DEFAULT 0, started_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0,
  trigger TEXT NOT NULL DEFAULT '', stage TEXT NOT NULL DEFAULT '', step TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '');
CREATE TABLE hosts(fleet TEXT NOT NULL, host TEXT NOT NULL, region TEXT NOT NULL, zone TEXT NOT NULL,
  version TEXT NOT NULL DEFAULT '', pending_version TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL,
  PRIMARY KEY(fleet, host));
CREATE TABLE requests(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, kind TEXT NOT NULL,
  target TEXT NOT NULL, reason TEXT NOT NULL, who TEXT NOT NULL, stage TEXT NOT NULL, t INTEGER NOT NULL);
INSERT INTO meta VALUES('known_good', 'v1');
INSERT INTO runs(id, version, previous, status) VALUES(1, 'v1', '', 'deployed');
INSERT INTO hosts VALUES('prod', 'use1-az1-h01', 'us-east-1', 'use1-az1', 'v1', '', 100);
INSERT INTO requests VALUES(1, 1, 'approve', '', '', 'ana', 'wave1', 5);
)sql");
  auto journal = Journal::open(path, true);
  ASSERT_TRUE(static_cast<bool>(journal)) << llvm::toString(journal.takeError());
  auto hosts = (*journal)->hosts();
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].host, "use1-az1-h01");
  EXPECT_EQ(hosts[0].version, "v1");
  ASSERT_TRUE((*journal)->run(1).has_value());
  EXPECT_EQ((*journal)->run(1)->status, "deployed");
  EXPECT_EQ((*journal)->meta("known_good").value_or(""), "v1");
  ASSERT_EQ((*journal)->requestsAfter(0).size(), 1u);
  // The new columns work on the migrated file.
  (*journal)->hostsMoving("prod", "us-east-1", "use1-az1", {"use1-az1-h01"}, "v2", 200, 2);
  EXPECT_EQ((*journal)->hostsBefore(2).at("prod/use1-az1-h01"), "v1");
  journal->reset();
  std::remove(path.c_str());
}

TEST(JournalMigration, AFileFromANewerPiperunIsRefused) {
  std::string path = scratchDb("v99-");
  writeRaw(path,
           "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
           "INSERT INTO meta VALUES('schema_version', '99');");
  auto journal = Journal::open(path, true);
  ASSERT_FALSE(static_cast<bool>(journal));
  EXPECT_EQ(llvm::toString(journal.takeError()),
            "cannot use state DB " + path + ": written by a newer piperun (schema 99, this piperun knows up to 4)");
  std::remove(path.c_str());
}

TEST(JournalMigration, PipelinesInOneStoreSeeOnlyTheirOwnRunsAndHosts) {
  std::string path = scratchDb("two-");
  auto store = SqliteStore::open(path, true);
  ASSERT_TRUE(static_cast<bool>(store));
  SqliteJournal a(**store, "Checkout"), b(**store, "Search");
  RunRecord run;
  run.version = "v7";
  run.status = "running";
  std::int64_t id = a.createRun(run);
  a.knowHost("prod", "r", "z", "h1", "v6", 1);
  b.knowHost("prod", "r", "z", "h1", "v1", 1);
  EXPECT_EQ(a.activeRuns().size(), 1u);
  EXPECT_TRUE(b.activeRuns().empty());
  EXPECT_FALSE(b.run(id).has_value());
  EXPECT_EQ(a.hosts().at(0).version, "v6");
  EXPECT_EQ(b.hosts().at(0).version, "v1");
  a.setMeta("known_good", "v6");
  EXPECT_FALSE(b.meta("known_good").has_value());
  std::remove(path.c_str());
}

// How SQLite finds the rows of `sql` (EXPLAIN QUERY PLAN's details, one per line).
std::string queryPlan(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  std::string plan;
  if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &statement, nullptr) == SQLITE_OK)
    while (sqlite3_step(statement) == SQLITE_ROW)
      plan += reinterpret_cast<const char*>(sqlite3_column_text(statement, 3)) + std::string("\n");
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return plan;
}

// A service asks for a call's row when the call ends and for a pipeline's new
// requests on every pass; calls and requests keep every version ever
// deployed, so each lookup must go through an index, in a new file and in one
// migrated from the first release alike.
TEST(JournalMigration, ACallsEndAndAPassesRequestsAreFoundThroughAnIndex) {
  std::string fresh = scratchDb("fresh-");
  std::string old = scratchDb("old-");
  ASSERT_TRUE(static_cast<bool>(SqliteStore::open(fresh, true)));
  writeRaw(old,
           "CREATE TABLE calls(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, step TEXT NOT NULL, action TEXT NOT "
           "NULL, hosts TEXT NOT NULL, pgid INTEGER NOT NULL, start_ticks INTEGER NOT NULL, started_at INTEGER NOT "
           "NULL, timeout_s INTEGER NOT NULL, ended_at INTEGER NOT NULL DEFAULT 0);"
           "CREATE TABLE requests(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, kind TEXT NOT NULL, target TEXT "
           "NOT NULL, reason TEXT NOT NULL, who TEXT NOT NULL, stage TEXT NOT NULL, t INTEGER NOT NULL);");
  ASSERT_TRUE(static_cast<bool>(SqliteStore::open(old, true)));
  for (const auto& path : {fresh, old}) {
    EXPECT_EQ(queryPlan(path, "UPDATE calls SET ended_at = 1 WHERE pgid = 42 AND ended_at = 0"),
              "SEARCH calls USING INDEX calls_open (pgid=?)\n");
    EXPECT_EQ(queryPlan(path,
                        "SELECT id, run_id, kind, target, reason, who, stage, t FROM requests WHERE id > 7 AND "
                        "pipeline = 'Checkout' ORDER BY id"),
              "SEARCH requests USING INDEX requests_by_pipeline (pipeline=? AND id>?)\n");
    EXPECT_EQ(queryPlan(path, "SELECT id FROM calls WHERE run_id = 3"),
              "SEARCH calls USING COVERING INDEX calls_by_run (run_id=?)\n");
  }
  std::remove(fresh.c_str());
  std::remove(old.c_str());
}

}  // namespace
}  // namespace pipelang::runtime
