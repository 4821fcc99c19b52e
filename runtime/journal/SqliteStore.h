// The embedded store: one SQLite file (WAL, synchronous=FULL when durable,
// runtime.md §3) holding one pipeline (`piperun run`) or every pipeline of a
// service (`piperun serve`). The schema is versioned in meta `schema_version`
// and migrated in place by `open`, oldest step first (docs/runtime-journal.md).
#pragma once

#include "runtime/journal/Journal.h"

#include <sqlite3.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace pipelang::runtime {

class SqliteStore {
 public:
  // The schema version this piperun writes; an older file is migrated, a newer one refused.
  static constexpr int kSchemaVersion = 4;

  // Errors: the file cannot be opened or created, is not a SQLite DB, or was
  // written by a newer piperun.
  static llvm::Expected<std::unique_ptr<SqliteStore>> open(const std::string& path, bool durable);
  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Groups writes into one commit (nested calls join the outer one); throws JournalError.
  void transaction(const std::function<void()>& body);
  void exec(const std::string& sql);
  // The statement for `sql`, compiled once and reused.
  sqlite3_stmt* prepare(const char* sql);
  // "state DB PATH: <SQLite's reason>" for the last failure.
  JournalError failure() const;
  sqlite3* db() const { return db_; }

 private:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void migrate();
  void commitPoint();  // counts commits: the crash tests stop the process after N
  // SQLite goes on writing to a deleted or replaced file (the WAL's open
  // descriptor): before each transaction the file must still be the one opened.
  void checkFile();

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*> statements_;
  int depth_ = 0;
  long commits_ = 0;
  long crashAfter_ = -1;
  bool durable_ = false;
  std::uint64_t device_ = 0, inode_ = 0;
};

// One use of a prepared statement: binds, steps, reads columns, and resets it
// when it goes out of scope. Throws JournalError on any SQLite failure.
class Statement {
 public:
  Statement(SqliteStore& store, const char* sql) : store_(store), stmt_(store.prepare(sql)) {}
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
    if (rc != SQLITE_DONE) throw store_.failure();
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
  SqliteStore& store_;
  sqlite3_stmt* stmt_;
};

// One pipeline's journal in a SqliteStore: every row it reads or writes is
// that pipeline's (runs and hosts carry the pipeline, meta keys are prefixed).
class SqliteJournal final : public Journal {
 public:
  // `owned`: the single-pipeline file of `run`; otherwise the store outlives the journal.
  SqliteJournal(SqliteStore& store, std::string pipeline, std::unique_ptr<SqliteStore> owned = nullptr)
      : owned_(std::move(owned)), store_(store), pipeline_(std::move(pipeline)) {}

  const std::string& pipeline() const override { return pipeline_; }
  llvm::Error bindPlan(const Plan& plan, bool allowNewDigest) override;
  std::optional<std::string> meta(const std::string& key) override;
  void setMeta(const std::string& key, const std::string& value) override;
  void transaction(const std::function<void()>& body) override { store_.transaction(body); }

  std::int64_t createRun(const RunRecord& run) override;
  std::optional<RunRecord> run(std::int64_t id) override;
  std::optional<RunRecord> activeRun() override;
  std::vector<RunRecord> activeRuns() override;
  std::optional<RunRecord> nextQueuedRun() override;
  std::optional<RunRecord> latestRun() override;
  std::vector<RunRecord> runs() override;
  void updateRun(const RunRecord& run) override;

  void setStage(std::int64_t runId, const std::string& stage, const std::string& state, Instant t) override;
  std::map<std::string, std::string> stageStates(std::int64_t runId) override;
  void setStep(std::int64_t runId, const std::string& step, const std::string& state, Instant t,
               const std::string& result = "") override;
  std::map<std::string, StepRecord> steps(std::int64_t runId) override;
  void setBake(std::int64_t runId, const std::string& step, const BakeRecord& bake) override;
  std::map<std::string, BakeRecord> bakes(std::int64_t runId) override;

  void hostsMoving(const std::string& fleet, const std::string& region, const std::string& zone,
                   const std::vector<std::string>& hosts, const std::string& version, Instant t,
                   std::int64_t runId = 0) override;
  void hostsSettled(const std::string& fleet, const std::vector<std::string>& hosts, const std::string& version,
                    Instant t) override;
  std::vector<HostRecord> hosts() override;
  std::map<std::string, std::string> hostsBefore(std::int64_t runId) override;
  void knowHost(const std::string& fleet, const std::string& region, const std::string& zone, const std::string& host,
                const std::string& version, Instant t) override;

  void event(std::int64_t runId, const EventRecord& event) override;
  std::vector<EventRecord> events(std::optional<std::int64_t> runId = std::nullopt) override;
  void command(std::int64_t runId, const CommandRecord& command) override;
  std::vector<CommandRecord> commands(std::int64_t runId) override;
  void evaluation(std::int64_t runId, const EvaluationRecord& evaluation) override;
  std::vector<EvaluationRecord> evaluations(std::int64_t runId, int limit) override;

  void notification(std::int64_t runId, const NotificationRecord& record) override;
  std::vector<NotificationRecord> notifications(std::int64_t runId) override;

  std::int64_t callStarted(const CallRecord& call) override;
  void callEnded(std::int64_t pgid, Instant t) override;
  std::vector<CallRecord> openCalls() override;

  std::int64_t addRequest(const RequestRecord& request) override;
  std::vector<RequestRecord> requestsAfter(std::int64_t afterId) override;

 private:
  std::string metaKey(const std::string& key) const { return pipeline_.empty() ? key : pipeline_ + "/" + key; }

  std::unique_ptr<SqliteStore> owned_;
  SqliteStore& store_;
  std::string pipeline_;
};

}  // namespace pipelang::runtime
