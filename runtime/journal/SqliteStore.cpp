#include "runtime/journal/SqliteStore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>

namespace pipelang::runtime {
namespace {

// Version 1: the first release's single-pipeline file.
const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY, version TEXT NOT NULL, previous TEXT NOT NULL, status TEXT NOT NULL,
  emergency INTEGER NOT NULL DEFAULT 0, rollback_all INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '',
  submitted_at INTEGER NOT NULL DEFAULT 0, started_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0,
  trigger TEXT NOT NULL DEFAULT '', stage TEXT NOT NULL DEFAULT '', step TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS stages(run_id INTEGER NOT NULL, stage TEXT NOT NULL, state TEXT NOT NULL,
  updated_at INTEGER NOT NULL, PRIMARY KEY(run_id, stage));
CREATE TABLE IF NOT EXISTS steps(run_id INTEGER NOT NULL, step TEXT NOT NULL, state TEXT NOT NULL,
  started_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0, result TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(run_id, step));
CREATE TABLE IF NOT EXISTS bakes(run_id INTEGER NOT NULL, step TEXT NOT NULL, required_s INTEGER NOT NULL,
  elapsed_s INTEGER NOT NULL, traffic_sum REAL NOT NULL, PRIMARY KEY(run_id, step));
CREATE TABLE IF NOT EXISTS hosts(fleet TEXT NOT NULL, host TEXT NOT NULL, region TEXT NOT NULL, zone TEXT NOT NULL,
  version TEXT NOT NULL DEFAULT '', pending_version TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL,
  PRIMARY KEY(fleet, host));
CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, t INTEGER NOT NULL,
  type TEXT NOT NULL, stage TEXT NOT NULL, step TEXT NOT NULL, message TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commands(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, t INTEGER NOT NULL,
  step TEXT NOT NULL, action TEXT NOT NULL, command TEXT NOT NULL, hosts TEXT NOT NULL, result TEXT NOT NULL,
  exit_code INTEGER NOT NULL, stdout TEXT NOT NULL, stderr TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evaluations(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, t INTEGER NOT NULL,
  scope TEXT NOT NULL, condition TEXT NOT NULL, metric TEXT NOT NULL, query TEXT NOT NULL, value REAL,
  breach INTEGER NOT NULL, error TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS calls(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, step TEXT NOT NULL,
  action TEXT NOT NULL, hosts TEXT NOT NULL, pgid INTEGER NOT NULL, start_ticks INTEGER NOT NULL,
  started_at INTEGER NOT NULL, timeout_s INTEGER NOT NULL, ended_at INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS requests(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, kind TEXT NOT NULL,
  target TEXT NOT NULL, reason TEXT NOT NULL, who TEXT NOT NULL, stage TEXT NOT NULL, t INTEGER NOT NULL);
)sql";

// Version 2: several pipelines in one store (`piperun serve`), several runs of
// one pipeline in flight (each host remembers what it ran before each run),
// plans kept by digest so a run resumes with the plan it started with.
const char* kToV2 = R"sql(
ALTER TABLE runs ADD COLUMN pipeline TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN plan_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN submitted_by TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN pipeline TEXT NOT NULL DEFAULT '';
CREATE TABLE hosts_v2(pipeline TEXT NOT NULL DEFAULT '', fleet TEXT NOT NULL, host TEXT NOT NULL,
  region TEXT NOT NULL, zone TEXT NOT NULL, version TEXT NOT NULL DEFAULT '',
  pending_version TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL, PRIMARY KEY(pipeline, fleet, host));
INSERT INTO hosts_v2(pipeline, fleet, host, region, zone, version, pending_version, updated_at)
  SELECT '', fleet, host, region, zone, version, pending_version, updated_at FROM hosts;
DROP TABLE hosts;
ALTER TABLE hosts_v2 RENAME TO hosts;
CREATE TABLE host_moves(run_id INTEGER NOT NULL, fleet TEXT NOT NULL, host TEXT NOT NULL, before TEXT NOT NULL,
  PRIMARY KEY(run_id, fleet, host));
CREATE TABLE plans(digest TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE INDEX runs_by_pipeline ON runs(pipeline, status);
CREATE INDEX events_by_run ON events(run_id);
CREATE INDEX evaluations_by_run ON evaluations(run_id);
CREATE INDEX commands_by_run ON commands(run_id);
)sql";

// Version 3: every notification delivery attempt (docs/runtime.md "Notifications").
const char* kToV3 = R"sql(
CREATE TABLE notifications(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, t INTEGER NOT NULL,
  target TEXT NOT NULL, channel TEXT NOT NULL, event TEXT NOT NULL, attempt INTEGER NOT NULL, result TEXT NOT NULL);
CREATE INDEX notifications_by_run ON notifications(run_id);
)sql";

// Version 4: what a service asks on every call's end and every pass finds its
// rows through an index, not a scan of the whole history (calls and requests
// grow with every version ever deployed).
const char* kToV4 = R"sql(
CREATE INDEX calls_open ON calls(pgid) WHERE ended_at = 0;
CREATE INDEX calls_by_run ON calls(run_id);
CREATE INDEX requests_by_pipeline ON requests(pipeline, id);
)sql";

}  // namespace

llvm::Expected<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, bool durable) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot open state DB %s: %s", path.c_str(),
                                   message.c_str());
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  try {
    sqlite3_busy_timeout(db, 5000);  // the CLI's approve/override write while a runner holds the DB
    if (durable) {
      store->exec("PRAGMA journal_mode=WAL");
      store->exec("PRAGMA synchronous=FULL");
    } else {
      store->exec("PRAGMA journal_mode=MEMORY");
      store->exec("PRAGMA synchronous=OFF");
    }
    store->migrate();
    // Test hook: a DB that cannot grow past N pages fails its writes with
    // SQLITE_FULL ("database or disk is full"), the error a full disk gives.
    if (const char* pages = std::getenv("PIPERUN_TEST_MAX_PAGES"); pages && durable)
      store->exec("PRAGMA max_page_count=" + std::to_string(std::atol(pages)));
  } catch (const std::exception& e) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot use %s", e.what());
  }
  if (const char* crash = std::getenv("PIPERUN_TEST_CRASH_AFTER_COMMITS"); crash && durable)
    store->crashAfter_ = std::atol(crash);
  struct stat file {};
  if (durable && ::stat(path.c_str(), &file) == 0) {
    store->durable_ = true;
    store->device_ = file.st_dev;
    store->inode_ = file.st_ino;
  }
  return store;
}

void SqliteStore::migrate() {
  exec(kSchemaV1);
  auto version = [&] {
    Statement s(*this, "SELECT value FROM meta WHERE key = 'schema_version'");
    return s.row() ? std::atoi(s.text(0).c_str()) : 1;
  };
  auto refuseNewer = [&](int found) {
    if (found > kSchemaVersion)
      throw JournalError("state DB " + path_ + ": written by a newer piperun (schema " + std::to_string(found) +
                         ", this piperun knows up to " + std::to_string(kSchemaVersion) + ")");
  };
  refuseNewer(version());
  if (version() == kSchemaVersion) return;  // a read-only DB that needs nothing stays readable
  // Another piperun (a `status` beside a runner) may be migrating the same
  // file: the write lock is taken first, then the version read again.
  transaction([&] {
    int found = version();
    refuseNewer(found);
    if (found < 2) exec(kToV2);
    if (found < 3) exec(kToV3);
    if (found < 4) exec(kToV4);
    exec("INSERT INTO meta(key, value) VALUES('schema_version', '" + std::to_string(kSchemaVersion) +
         "') ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  });
}

SqliteStore::~SqliteStore() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* SqliteStore::prepare(const char* sql) {
  sqlite3_stmt*& cached = statements_[sql];
  if (!cached && sqlite3_prepare_v2(db_, sql, -1, &cached, nullptr) != SQLITE_OK) throw failure();
  return cached;
}

// The DB's own words ("database disk image is malformed", "database or disk is
// full", "attempt to write a readonly database"), with the file they concern.
JournalError SqliteStore::failure() const {
  const char* file = sqlite3_db_filename(db_, "main");
  return JournalError(std::string("state DB ") + (file && *file ? file : "(memory)") + ": " + sqlite3_errmsg(db_));
}

void SqliteStore::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw JournalError("state DB " + path_ + ": " + message);
  }
}

void SqliteStore::commitPoint() {
  ++commits_;
  if (crashAfter_ >= 0 && commits_ >= crashAfter_) raise(SIGKILL);  // test hook: die like kill -9
}

void SqliteStore::checkFile() {
  if (!durable_) return;
  struct stat file {};
  if (::stat(path_.c_str(), &file) != 0)
    throw JournalError("state DB " + path_ + ": the file was deleted while piperun used it");
  if (file.st_dev != device_ || file.st_ino != inode_)
    throw JournalError("state DB " + path_ + ": the file was replaced by another while piperun used it");
}

void SqliteStore::transaction(const std::function<void()>& body) {
  if (depth_ == 0) {
    checkFile();
    exec("BEGIN IMMEDIATE");
  }
  ++depth_;
  try {
    body();
  } catch (...) {
    // SQLite may have rolled back already (a full disk does): the first error
    // is the one to report, never the failed ROLLBACK after it.
    if (--depth_ == 0 && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  if (--depth_ == 0) {
    try {
      exec("COMMIT");
    } catch (...) {
      if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    commitPoint();
  }
}

}  // namespace pipelang::runtime
