// The PostgreSQL store (docs/service.md "The store"): the same Journal and
// ServiceStore interfaces as the embedded SQLite store, over libpq, so
// several piperun instances share one organisation's pipelines (leases and
// fencing: PgLeases.h, docs/service.md "Several instances on PostgreSQL").
// The schema is created and migrated by piperun itself, versioned in meta
// `schema_version`, in one transaction under an advisory lock.
#pragma once

#include "runtime/journal/Leases.h"
#include "runtime/journal/ServiceStore.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

struct pg_conn;
struct pg_result;

namespace pipelang::runtime {

// One answer of the server; rows and columns by index, text as sent.
class PgResult {
 public:
  explicit PgResult(pg_result* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  int rows() const;
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  double real(int row, int column) const;
  bool isNull(int row, int column) const;

 private:
  pg_result* result_;
};

// A parameter of a statement: text, or SQL NULL.
using PgParam = std::optional<std::string>;

// A PostgreSQL text[] literal of `items` (every element quoted, `"` and `\`
// escaped), for a parameter such as `= ANY($1)`.
std::string pgTextArray(const std::vector<std::string>& items);

class PgStore {
 public:
  // 1: the tables of SQLite's schema 2; 2: leases, instances, calls.machine;
  // 3: notifications.
  static constexpr int kSchemaVersion = 4;

  // `conninfo`: a libpq connection string or URI (postgresql://...). Errors:
  // cannot connect, or the database holds a schema from a newer piperun.
  static llvm::Expected<std::unique_ptr<PgStore>> open(const std::string& conninfo);
  ~PgStore();
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  // Runs one statement with $1.. parameters; throws JournalError ("state DB
  // postgresql: <server's reason>") on failure.
  PgResult exec(const char* sql, const std::vector<PgParam>& params = {});
  void transaction(const std::function<void()>& body);

  // Fencing (Leases.h): from now on every write of `pipeline`'s journal first
  // checks, in its own transaction, that `owner` still holds the lease with
  // `epoch` unexpired (locking the lease row until the commit), and throws
  // LeaseLost otherwise. Without a fence a journal writes unchecked (tests,
  // tools) until requireFences(): then a pipeline without a fence, or
  // unfenced (its lease lost or given up), cannot be written at all.
  void fence(const std::string& pipeline, const std::string& owner, std::int64_t epoch);
  void unfence(const std::string& pipeline);
  void requireFences() { leased_ = true; }
  // Inside a transaction: the fence check of `pipeline`, once per transaction.
  void checkFence(const std::string& pipeline);
  // `application_name` of the connection (pg_stat_activity), kept across reconnect().
  void setApplicationName(const std::string& name);
  // After a failure: a new connection to the same server; every fence is
  // dropped (the caller holds nothing until it has renewed or claimed again).
  bool reconnect();
  // This machine: "HOSTNAME/BOOT-ID", recorded with each call so that only an
  // instance on the same machine trusts a process id.
  static const std::string& machine();

 private:
  struct Fence {
    std::string owner;
    std::int64_t epoch = 0;
  };
  explicit PgStore(pg_conn* conn) : conn_(conn) {}
  void migrate();
  void setUp();

  pg_conn* conn_;
  int depth_ = 0;
  std::map<std::string, Fence> fences_;
  std::set<std::string> lockedFences_;  // checked in the current transaction
  std::string applicationName_;
  bool leased_ = false;  // requireFences()
};

class PgJournal final : public Journal {
 public:
  PgJournal(PgStore& store, std::string pipeline) : store_(store), pipeline_(std::move(pipeline)) {}

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
  std::vector<RunRecord> selectRuns(const char* tail, const std::vector<PgParam>& extra = {});
  // A write of this pipeline's decisions: in a transaction, after the fence check.
  void write(const std::function<void()>& body);
  PgStore& store_;
  std::string pipeline_;
};

class PgServiceStore final : public ServiceStore {
 public:
  static llvm::Expected<std::unique_ptr<PgServiceStore>> open(const std::string& conninfo);

  Journal& journal(const std::string& pipeline) override;
  std::vector<std::string> pipelinesWithRuns() override;
  void savePlan(const std::string& digest, const std::string& text) override;
  std::optional<std::string> planText(const std::string& digest) override;
  std::vector<FeedEvent> eventsAfter(std::int64_t afterId, const std::string& pipeline, int limit) override;
  std::int64_t latestEventId() override;
  void transaction(const std::function<void()>& body) override { store_->transaction(body); }
  PgStore& store() { return *store_; }

 private:
  explicit PgServiceStore(std::unique_ptr<PgStore> store) : store_(std::move(store)) {}
  std::unique_ptr<PgStore> store_;
  std::map<std::string, std::unique_ptr<PgJournal>> journals_;
};

}  // namespace pipelang::runtime
