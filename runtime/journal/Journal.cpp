#include "runtime/journal/Journal.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <stdexcept>

namespace pipelang::runtime {
namespace {

const char* kSchema = R"sql(
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

// The DB's own words ("database disk image is malformed", "database or disk is
// full", "attempt to write a readonly database"), with the file they concern.
JournalError failure(sqlite3* db) {
  const char* file = sqlite3_db_filename(db, "main");
  return JournalError(std::string("state DB ") + (file && *file ? file : "(memory)") + ": " + sqlite3_errmsg(db));
}

// A prepared statement, compiled once per journal and reset after each use.
class Statement {
 public:
  Statement(sqlite3* db, std::map<std::string, sqlite3_stmt*>& cache, const char* sql) : db_(db) {
    sqlite3_stmt*& cached = cache[sql];
    if (!cached && sqlite3_prepare_v2(db, sql, -1, &cached, nullptr) != SQLITE_OK) throw failure(db);
    stmt_ = cached;
  }
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Statement& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v)); }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, std::optional<double> v) {
    if (v) return bind(i, *v);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  bool row() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) throw failure(db_);
    return false;
  }
  void run() { row(); }
  std::string text(int i) {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  std::int64_t integer(int i) { return sqlite3_column_int64(stmt_, i); }
  double real(int i) { return sqlite3_column_double(stmt_, i); }
  bool isNull(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

const char* kRunColumns =
    "id, version, previous, status, emergency, rollback_all, reason, submitted_at, started_at, finished_at, trigger, "
    "stage, step, message";

RunRecord readRun(Statement& s) {
  RunRecord r;
  r.id = s.integer(0);
  r.version = s.text(1);
  r.previous = s.text(2);
  r.status = s.text(3);
  r.emergency = s.integer(4) != 0;
  r.rollbackAll = s.integer(5) != 0;
  r.reason = s.text(6);
  r.submittedAt = s.integer(7);
  r.startedAt = s.integer(8);
  r.finishedAt = s.integer(9);
  r.trigger = s.text(10);
  r.stage = s.text(11);
  r.step = s.text(12);
  r.message = s.text(13);
  return r;
}

}  // namespace

llvm::Expected<std::unique_ptr<Journal>> Journal::open(const std::string& path, bool durable) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot open state DB %s: %s", path.c_str(),
                                   message.c_str());
  }
  std::unique_ptr<Journal> journal(new Journal(db, path));
  try {
    sqlite3_busy_timeout(db, 5000);  // the CLI's approve/override write while a runner holds the DB
    if (durable) {
      journal->exec("PRAGMA journal_mode=WAL");
      journal->exec("PRAGMA synchronous=FULL");
    } else {
      journal->exec("PRAGMA journal_mode=MEMORY");
      journal->exec("PRAGMA synchronous=OFF");
    }
    journal->exec(kSchema);
    // Test hook: a DB that cannot grow past N pages fails its writes with
    // SQLITE_FULL ("database or disk is full"), the error a full disk gives.
    if (const char* pages = std::getenv("PIPERUN_TEST_MAX_PAGES"); pages && durable)
      journal->exec("PRAGMA max_page_count=" + std::to_string(std::atol(pages)));
  } catch (const std::exception& e) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot use %s", e.what());
  }
  if (const char* crash = std::getenv("PIPERUN_TEST_CRASH_AFTER_COMMITS"); crash && durable)
    journal->crashAfter_ = std::atol(crash);
  struct stat file {};
  if (durable && ::stat(path.c_str(), &file) == 0) {
    journal->durable_ = true;
    journal->device_ = file.st_dev;
    journal->inode_ = file.st_ino;
  }
  return journal;
}

Journal::~Journal() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

void Journal::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw JournalError("state DB " + path_ + ": " + message);
  }
}

void Journal::commitPoint() {
  ++commits_;
  if (crashAfter_ >= 0 && commits_ >= crashAfter_) raise(SIGKILL);  // test hook: die like kill -9
}

void Journal::checkFile() {
  if (!durable_) return;
  struct stat file {};
  if (::stat(path_.c_str(), &file) != 0)
    throw JournalError("state DB " + path_ + ": the file was deleted while piperun used it");
  if (file.st_dev != device_ || file.st_ino != inode_)
    throw JournalError("state DB " + path_ + ": the file was replaced by another while piperun used it");
}

void Journal::transaction(const std::function<void()>& body) {
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

llvm::Error Journal::bindPlan(const Plan& plan, bool allowNewDigest) {
  auto digest = meta("plan_digest");
  if (digest && *digest != plan.digest) {
    if (!allowNewDigest || activeRun())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "state DB was written for plan %s but this plan is %s; use the plan the DB was started with, or another "
          "--state",
          digest->c_str(), plan.digest.c_str());
  }
  auto pipeline = meta("pipeline");
  if (pipeline && *pipeline != plan.pipeline)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "state DB belongs to pipeline %s, not %s",
                                   pipeline->c_str(), plan.pipeline.c_str());
  transaction([&] {
    setMeta("plan_digest", plan.digest);
    setMeta("pipeline", plan.pipeline);
    setMeta("plan", plan.text);
  });
  return llvm::Error::success();
}

std::optional<std::string> Journal::meta(const std::string& key) {
  Statement s(db_, statements_, "SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  if (s.row()) return s.text(0);
  return std::nullopt;
}

void Journal::setMeta(const std::string& key, const std::string& value) {
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(1, key).bind(2, value).run();
  });
}

std::int64_t Journal::createRun(const RunRecord& run) {
  std::int64_t id = 0;
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT INTO runs(version, previous, status, emergency, rollback_all, reason, submitted_at, "
                "started_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, run.version).bind(2, run.previous).bind(3, run.status).bind(4, run.emergency);
    s.bind(5, run.rollbackAll).bind(6, run.reason).bind(7, run.submittedAt).bind(8, run.startedAt).run();
    id = sqlite3_last_insert_rowid(db_);
  });
  return id;
}

std::optional<RunRecord> Journal::run(std::int64_t id) {
  Statement s(db_, statements_, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?").c_str());
  s.bind(1, id);
  if (s.row()) return readRun(s);
  return std::nullopt;
}

std::optional<RunRecord> Journal::activeRun() {
  Statement s(db_, statements_,
              (std::string("SELECT ") + kRunColumns +
               " FROM runs WHERE status IN ('running', 'rolling_back') ORDER BY id LIMIT 1")
                  .c_str());
  if (s.row()) return readRun(s);
  return std::nullopt;
}

std::optional<RunRecord> Journal::nextQueuedRun() {
  Statement s(
      db_, statements_,
      (std::string("SELECT ") + kRunColumns + " FROM runs WHERE status = 'queued' ORDER BY id LIMIT 1").c_str());
  if (s.row()) return readRun(s);
  return std::nullopt;
}

std::optional<RunRecord> Journal::latestRun() {
  Statement s(db_, statements_, (std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id DESC LIMIT 1").c_str());
  if (s.row()) return readRun(s);
  return std::nullopt;
}

std::vector<RunRecord> Journal::runs() {
  Statement s(db_, statements_, (std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id").c_str());
  std::vector<RunRecord> out;
  while (s.row()) out.push_back(readRun(s));
  return out;
}

void Journal::updateRun(const RunRecord& run) {
  transaction([&] {
    Statement s(db_, statements_,
                "UPDATE runs SET status = ?, started_at = ?, finished_at = ?, trigger = ?, stage = ?, step = ?, "
                "message = ?, rollback_all = ?, previous = ? WHERE id = ?");
    s.bind(1, run.status).bind(2, run.startedAt).bind(3, run.finishedAt).bind(4, run.trigger).bind(5, run.stage);
    s.bind(6, run.step).bind(7, run.message).bind(8, run.rollbackAll).bind(9, run.previous).bind(10, run.id).run();
  });
}

void Journal::setStage(std::int64_t runId, const std::string& stage, const std::string& state, Instant t) {
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT INTO stages(run_id, stage, state, updated_at) VALUES(?, ?, ?, ?) "
                "ON CONFLICT(run_id, stage) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at");
    s.bind(1, runId).bind(2, stage).bind(3, state).bind(4, t).run();
  });
}

std::map<std::string, std::string> Journal::stageStates(std::int64_t runId) {
  Statement s(db_, statements_, "SELECT stage, state FROM stages WHERE run_id = ?");
  s.bind(1, runId);
  std::map<std::string, std::string> out;
  while (s.row()) out[s.text(0)] = s.text(1);
  return out;
}

void Journal::setStep(std::int64_t runId, const std::string& step, const std::string& state, Instant t,
                      const std::string& result) {
  transaction([&] {
    if (state == "started") {
      Statement s(db_, statements_,
                  "INSERT INTO steps(run_id, step, state, started_at) VALUES(?, ?, 'started', ?) "
                  "ON CONFLICT(run_id, step) DO UPDATE SET state = 'started', started_at = excluded.started_at");
      s.bind(1, runId).bind(2, step).bind(3, t).run();
    } else {
      Statement s(db_, statements_,
                  "INSERT INTO steps(run_id, step, state, finished_at, result) VALUES(?, ?, ?, ?, ?) "
                  "ON CONFLICT(run_id, step) DO UPDATE SET state = excluded.state, "
                  "finished_at = excluded.finished_at, result = excluded.result");
      s.bind(1, runId).bind(2, step).bind(3, state).bind(4, t).bind(5, result).run();
    }
  });
}

std::map<std::string, StepRecord> Journal::steps(std::int64_t runId) {
  Statement s(db_, statements_, "SELECT step, state, started_at, finished_at, result FROM steps WHERE run_id = ?");
  s.bind(1, runId);
  std::map<std::string, StepRecord> out;
  while (s.row()) out[s.text(0)] = {s.text(1), s.integer(2), s.integer(3), s.text(4)};
  return out;
}

void Journal::setBake(std::int64_t runId, const std::string& step, const BakeRecord& bake) {
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT INTO bakes(run_id, step, required_s, elapsed_s, traffic_sum) VALUES(?, ?, ?, ?, ?) "
                "ON CONFLICT(run_id, step) DO UPDATE SET required_s = excluded.required_s, "
                "elapsed_s = excluded.elapsed_s, traffic_sum = excluded.traffic_sum");
    s.bind(1, runId).bind(2, step).bind(3, bake.requiredS).bind(4, bake.elapsedS).bind(5, bake.trafficSum).run();
  });
}

std::map<std::string, BakeRecord> Journal::bakes(std::int64_t runId) {
  Statement s(db_, statements_, "SELECT step, required_s, elapsed_s, traffic_sum FROM bakes WHERE run_id = ?");
  s.bind(1, runId);
  std::map<std::string, BakeRecord> out;
  while (s.row()) out[s.text(0)] = {static_cast<int>(s.integer(1)), static_cast<int>(s.integer(2)), s.real(3)};
  return out;
}

void Journal::hostsMoving(const std::string& fleet, const std::string& region, const std::string& zone,
                          const std::vector<std::string>& hosts, const std::string& version, Instant t) {
  transaction([&] {
    for (const auto& host : hosts) {
      Statement s(db_, statements_,
                  "INSERT INTO hosts(fleet, host, region, zone, pending_version, updated_at) VALUES(?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT(fleet, host) DO UPDATE SET pending_version = excluded.pending_version, "
                  "updated_at = excluded.updated_at");
      s.bind(1, fleet).bind(2, host).bind(3, region).bind(4, zone).bind(5, version).bind(6, t).run();
    }
  });
}

void Journal::hostsSettled(const std::string& fleet, const std::vector<std::string>& hosts, const std::string& version,
                           Instant t) {
  transaction([&] {
    for (const auto& host : hosts) {
      Statement s(db_, statements_,
                  "UPDATE hosts SET version = ?, pending_version = '', updated_at = ? WHERE fleet = ? AND host = ?");
      s.bind(1, version).bind(2, t).bind(3, fleet).bind(4, host).run();
    }
  });
}

void Journal::knowHost(const std::string& fleet, const std::string& region, const std::string& zone,
                       const std::string& host, const std::string& version, Instant t) {
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT OR IGNORE INTO hosts(fleet, host, region, zone, version, updated_at) VALUES(?, ?, ?, ?, ?, ?)");
    s.bind(1, fleet).bind(2, host).bind(3, region).bind(4, zone).bind(5, version).bind(6, t).run();
  });
}

std::vector<HostRecord> Journal::hosts() {
  Statement s(db_, statements_,
              "SELECT fleet, host, region, zone, version, pending_version, updated_at FROM hosts ORDER BY fleet, host");
  std::vector<HostRecord> out;
  while (s.row()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.integer(6)});
  return out;
}

void Journal::event(std::int64_t runId, const EventRecord& e) {
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT INTO events(run_id, t, type, stage, step, message, detail) VALUES(?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, runId).bind(2, e.t).bind(3, e.type).bind(4, e.stage).bind(5, e.step).bind(6, e.message);
    s.bind(7, e.detail).run();
  });
}

std::vector<EventRecord> Journal::events(std::optional<std::int64_t> runId) {
  Statement s(db_, statements_,
              runId ? "SELECT id, run_id, t, type, stage, step, message, detail FROM events WHERE run_id = ? "
                      "ORDER BY id"
                    : "SELECT id, run_id, t, type, stage, step, message, detail FROM events ORDER BY id");
  if (runId) s.bind(1, *runId);
  std::vector<EventRecord> out;
  while (s.row())
    out.push_back({s.integer(0), s.integer(1), s.integer(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7)});
  return out;
}

void Journal::command(std::int64_t runId, const CommandRecord& c) {
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT INTO commands(run_id, t, step, action, command, hosts, result, exit_code, stdout, stderr) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, runId).bind(2, c.t).bind(3, c.step).bind(4, c.action).bind(5, c.command).bind(6, c.hosts);
    s.bind(7, c.result).bind(8, c.exitCode).bind(9, c.output).bind(10, c.errors).run();
  });
}

std::vector<CommandRecord> Journal::commands(std::int64_t runId) {
  Statement s(db_, statements_,
              "SELECT t, step, action, command, hosts, result, stdout, stderr, exit_code FROM commands "
              "WHERE run_id = ? ORDER BY id");
  s.bind(1, runId);
  std::vector<CommandRecord> out;
  while (s.row())
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7),
                   static_cast<int>(s.integer(8))});
  return out;
}

void Journal::evaluation(std::int64_t runId, const EvaluationRecord& e) {
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT INTO evaluations(run_id, t, scope, condition, metric, query, value, breach, error) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, runId).bind(2, e.t).bind(3, e.scope).bind(4, e.condition).bind(5, e.metric).bind(6, e.query);
    s.bind(7, e.value).bind(8, e.breach).bind(9, e.error).run();
  });
}

std::vector<EvaluationRecord> Journal::evaluations(std::int64_t runId, int limit) {
  Statement s(db_, statements_,
              "SELECT t, scope, condition, metric, query, error, value, breach FROM evaluations WHERE run_id = ? "
              "ORDER BY id DESC LIMIT ?");
  s.bind(1, runId).bind(2, limit);
  std::vector<EvaluationRecord> out;
  while (s.row()) {
    EvaluationRecord e{s.integer(0), s.text(1), s.text(2),    s.text(3),
                       s.text(4),    s.text(5), std::nullopt, s.integer(7) != 0};
    if (!s.isNull(6)) e.value = s.real(6);
    out.push_back(e);
  }
  return out;
}

std::int64_t Journal::callStarted(const CallRecord& c) {
  std::int64_t id = 0;
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT INTO calls(run_id, step, action, hosts, pgid, start_ticks, started_at, timeout_s) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, c.runId).bind(2, c.step).bind(3, c.action).bind(4, c.hosts).bind(5, c.pgid);
    s.bind(6, static_cast<std::int64_t>(c.startTicks)).bind(7, c.startedAt).bind(8, c.timeoutS).run();
    id = sqlite3_last_insert_rowid(db_);
  });
  return id;
}

void Journal::callEnded(std::int64_t pgid, Instant t) {
  transaction([&] {
    Statement s(db_, statements_, "UPDATE calls SET ended_at = ? WHERE pgid = ? AND ended_at = 0");
    s.bind(1, t).bind(2, pgid).run();
  });
}

std::vector<CallRecord> Journal::openCalls() {
  Statement s(db_, statements_,
              "SELECT id, run_id, step, action, hosts, pgid, start_ticks, started_at, timeout_s FROM calls "
              "WHERE ended_at = 0 ORDER BY id");
  std::vector<CallRecord> out;
  while (s.row())
    out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.integer(5),
                   static_cast<std::uint64_t>(s.integer(6)), s.integer(7), static_cast<int>(s.integer(8))});
  return out;
}

std::int64_t Journal::addRequest(const RequestRecord& r) {
  std::int64_t id = 0;
  transaction([&] {
    Statement s(db_, statements_,
                "INSERT INTO requests(run_id, kind, target, reason, who, stage, t) VALUES(?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, r.runId).bind(2, r.kind).bind(3, r.target).bind(4, r.reason).bind(5, r.who).bind(6, r.stage);
    s.bind(7, r.t).run();
    id = sqlite3_last_insert_rowid(db_);
  });
  return id;
}

std::vector<RequestRecord> Journal::requestsAfter(std::int64_t afterId) {
  Statement s(db_, statements_,
              "SELECT id, run_id, kind, target, reason, who, stage, t FROM requests WHERE id > ? ORDER BY id");
  s.bind(1, afterId);
  std::vector<RequestRecord> out;
  while (s.row())
    out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.integer(7)});
  return out;
}

llvm::Expected<std::unique_ptr<RunnerLock>> RunnerLock::acquire(const std::string& dbPath) {
  std::string path = dbPath + ".lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot open lock file %s", path.c_str());
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buffer[64] = {0};
    ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
    std::string holder = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "unknown";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd);
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "state DB %s is held by another live piperun (pid %s); one runner per DB",
                                   dbPath.c_str(), holder.c_str());
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only informative; the flock is the lock.
  }
  return std::unique_ptr<RunnerLock>(new RunnerLock(fd));
}

RunnerLock::~RunnerLock() {
  ::close(fd_);
}

}  // namespace pipelang::runtime
