// The runner's durable memory (docs/runtime-journal.md): the engine commits an
// intent before every action and a completion after it, so a killed runner
// resumes exactly. `run` keeps one SQLite file per pipeline, `serve` one store
// for every pipeline (runtime/journal/SqliteStore.h).
#pragma once

#include "runtime/plan/Plan.h"

#include <llvm/Support/Error.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pipelang::runtime {

struct RunRecord {
  std::int64_t id = 0;
  // queued running rolling_back deployed rolled_back failed superseded
  std::string version, previous, status;
  std::string planDigest;   // the plan the run started with (serve: a reload never changes it)
  std::string submittedBy;  // who asked for it (serve: the token's name)
  bool emergency = false;
  bool rollbackAll = false;
  std::string reason, trigger, stage, step, message;
  Instant submittedAt = 0, startedAt = 0, finishedAt = 0;
};

struct StepRecord {
  std::string state;  // started done failed cancelled
  Instant startedAt = 0, finishedAt = 0;
  std::string result;
};

struct BakeRecord {
  int requiredS = 0;
  int elapsedS = 0;
  double trafficSum = 0;
};

struct HostRecord {
  std::string fleet, host, region, zone, version, pendingVersion;
  Instant updatedAt = 0;
};

struct EventRecord {
  std::int64_t id = 0, runId = 0;
  Instant t = 0;
  std::string type, stage, step, message, detail;
};

struct RequestRecord {
  std::int64_t id = 0, runId = 0;
  std::string kind;  // override approve rollback
  std::string target, reason, who, stage;
  Instant t = 0;
};

struct CommandRecord {
  Instant t = 0;
  std::string step, action, command, hosts, result, output, errors;
  int exitCode = -1;
};

// A deploy, rollback or test call whose command was started: recorded before
// the command runs, closed when it has ended (docs/runtime-journal.md).
struct CallRecord {
  std::int64_t id = 0, runId = 0;
  std::string step, action, hosts;
  std::int64_t pgid = 0;
  std::uint64_t startTicks = 0;  // the leader's start time, /proc/PID/stat field 22
  Instant startedAt = 0;
  int timeoutS = 0;
  // Recorded by an instance on another machine (PostgreSQL store): its pgid
  // means nothing here, so it is waited for until its deadline, never signalled.
  bool elsewhere = false;
};

// One delivery attempt of a notification (docs/runtime.md "Notifications"):
// which target and channel, which event, the attempt's number (1, 2, ...)
// and its result: "delivered", "failed: WHY, retry in 4s" or
// "failed: WHY, gave up after N attempts".
struct NotificationRecord {
  Instant t = 0;
  std::string target, channel, event, result;  // channel: "webhook" | "run"
  int attempt = 1;
};

struct EvaluationRecord {
  Instant t = 0;
  std::string scope, condition, metric, query, error;
  std::optional<double> value;
  bool breach = false;
};

// Any failure of the state DB once it is open: a damaged file, a full disk, a
// deleted or read-only file (runtime.md, "Failures of piperun's own parts").
// what() is "state DB PATH: <SQLite's reason>". Every command catches it and
// ends with exit 1 (runtime.md §1) after a runner has stopped its calls.
class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The journal of one pipeline: everything the engine, `status` and the service
// read and write about its runs (docs/runtime-journal.md). An interface, so
// the same engine runs on the embedded SQLite store (SqliteStore.h) and on
// the PostgreSQL store planned for several service instances: no SQL, no
// connection and no file crosses it. Every method throws JournalError when
// the store fails; writes are atomic, and `transaction` groups them.
class Journal {
 public:
  // The single-pipeline SQLite file of `piperun run` (docs/runtime-journal.md).
  // `durable`: WAL + synchronous=FULL on a file; otherwise (simulation) nothing is synced.
  static llvm::Expected<std::unique_ptr<Journal>> open(const std::string& path, bool durable);
  virtual ~Journal() = default;

  // The pipeline this journal is about ("" in a single-pipeline file).
  virtual const std::string& pipeline() const = 0;

  // Binds the journal to a plan; refuses one written for another plan digest.
  virtual llvm::Error bindPlan(const Plan& plan, bool allowNewDigest) = 0;
  virtual std::optional<std::string> meta(const std::string& key) = 0;
  virtual void setMeta(const std::string& key, const std::string& value) = 0;

  // Groups writes into one commit (nested calls join the outer one).
  virtual void transaction(const std::function<void()>& body) = 0;

  virtual std::int64_t createRun(const RunRecord& run) = 0;
  virtual std::optional<RunRecord> run(std::int64_t id) = 0;
  virtual std::optional<RunRecord> activeRun() = 0;  // the oldest running or rolling back
  virtual std::vector<RunRecord> activeRuns() = 0;   // every run running or rolling back, oldest first
  virtual std::optional<RunRecord> nextQueuedRun() = 0;
  virtual std::optional<RunRecord> latestRun() = 0;
  virtual std::vector<RunRecord> runs() = 0;
  virtual void updateRun(const RunRecord& run) = 0;

  virtual void setStage(std::int64_t runId, const std::string& stage, const std::string& state, Instant t) = 0;
  virtual std::map<std::string, std::string> stageStates(std::int64_t runId) = 0;
  virtual void setStep(std::int64_t runId, const std::string& step, const std::string& state, Instant t,
                       const std::string& result = "") = 0;
  virtual std::map<std::string, StepRecord> steps(std::int64_t runId) = 0;
  virtual void setBake(std::int64_t runId, const std::string& step, const BakeRecord& bake) = 0;
  virtual std::map<std::string, BakeRecord> bakes(std::int64_t runId) = 0;

  // Intent: the hosts are moving to `version`. Settled: they run it. A move
  // made by run `runId` (0: a rollback's move) also records, once per run and
  // host, the version the host ran before that run touched it (hostsBefore).
  virtual void hostsMoving(const std::string& fleet, const std::string& region, const std::string& zone,
                           const std::vector<std::string>& hosts, const std::string& version, Instant t,
                           std::int64_t runId = 0) = 0;
  virtual void hostsSettled(const std::string& fleet, const std::vector<std::string>& hosts, const std::string& version,
                            Instant t) = 0;
  virtual std::vector<HostRecord> hosts() = 0;
  // "fleet/host" -> the version it ran before run `runId` first moved it ("" when it ran none).
  virtual std::map<std::string, std::string> hostsBefore(std::int64_t runId) = 0;
  // Records a host the journal has never seen as running `version` (no-op otherwise).
  virtual void knowHost(const std::string& fleet, const std::string& region, const std::string& zone,
                        const std::string& host, const std::string& version, Instant t) = 0;

  virtual void event(std::int64_t runId, const EventRecord& event) = 0;
  virtual std::vector<EventRecord> events(std::optional<std::int64_t> runId = std::nullopt) = 0;
  virtual void command(std::int64_t runId, const CommandRecord& command) = 0;
  virtual std::vector<CommandRecord> commands(std::int64_t runId) = 0;
  virtual void evaluation(std::int64_t runId, const EvaluationRecord& evaluation) = 0;
  virtual std::vector<EvaluationRecord> evaluations(std::int64_t runId, int limit) = 0;

  // Notification attempts, oldest first (written by runtime/notify on the engine's thread).
  virtual void notification(std::int64_t runId, const NotificationRecord& record) = 0;
  virtual std::vector<NotificationRecord> notifications(std::int64_t runId) = 0;

  virtual std::int64_t callStarted(const CallRecord& call) = 0;
  virtual void callEnded(std::int64_t pgid, Instant t) = 0;  // every open call of that group
  virtual std::vector<CallRecord> openCalls() = 0;           // started and not known to have ended

  virtual std::int64_t addRequest(const RequestRecord& request) = 0;
  virtual std::vector<RequestRecord> requestsAfter(std::int64_t afterId) = 0;
};

// One runner per DB: an exclusive flock on DB.lock, released by the kernel when
// the holder dies, so a stale lock is taken over without any cleanup.
class RunnerLock {
 public:
  static llvm::Expected<std::unique_ptr<RunnerLock>> acquire(const std::string& dbPath);
  ~RunnerLock();

 private:
  explicit RunnerLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace pipelang::runtime
