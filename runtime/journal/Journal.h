// The runner's durable memory (docs/runtime-journal.md): SQLite in WAL mode with
// synchronous=FULL, one DB per pipeline. The engine commits an intent before
// every action and a completion after it, so a killed runner resumes exactly.
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

struct sqlite3;
struct sqlite3_stmt;

namespace pipelang::runtime {

struct RunRecord {
  std::int64_t id = 0;
  std::string version, previous, status;  // queued running rolling_back deployed rolled_back failed
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

class Journal {
 public:
  // `durable`: WAL + synchronous=FULL on a file; otherwise (simulation) nothing is synced.
  static llvm::Expected<std::unique_ptr<Journal>> open(const std::string& path, bool durable);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Binds the DB to a plan; refuses a DB written for another plan digest.
  llvm::Error bindPlan(const Plan& plan, bool allowNewDigest);
  std::optional<std::string> meta(const std::string& key);
  void setMeta(const std::string& key, const std::string& value);

  // Groups writes into one commit (nested calls join the outer one).
  void transaction(const std::function<void()>& body);

  std::int64_t createRun(const RunRecord& run);
  std::optional<RunRecord> run(std::int64_t id);
  std::optional<RunRecord> activeRun();  // running or rolling back
  std::optional<RunRecord> nextQueuedRun();
  std::optional<RunRecord> latestRun();
  std::vector<RunRecord> runs();
  void updateRun(const RunRecord& run);

  void setStage(std::int64_t runId, const std::string& stage, const std::string& state, Instant t);
  std::map<std::string, std::string> stageStates(std::int64_t runId);
  void setStep(std::int64_t runId, const std::string& step, const std::string& state, Instant t,
               const std::string& result = "");
  std::map<std::string, StepRecord> steps(std::int64_t runId);
  void setBake(std::int64_t runId, const std::string& step, const BakeRecord& bake);
  std::map<std::string, BakeRecord> bakes(std::int64_t runId);

  // Intent: the hosts are moving to `version`. Settled: they run it.
  void hostsMoving(const std::string& fleet, const std::string& region, const std::string& zone,
                   const std::vector<std::string>& hosts, const std::string& version, Instant t);
  void hostsSettled(const std::string& fleet, const std::vector<std::string>& hosts, const std::string& version,
                    Instant t);
  std::vector<HostRecord> hosts();
  // Records a host the DB has never seen as running `version` (no-op otherwise).
  void knowHost(const std::string& fleet, const std::string& region, const std::string& zone, const std::string& host,
                const std::string& version, Instant t);

  void event(std::int64_t runId, const EventRecord& event);
  std::vector<EventRecord> events(std::optional<std::int64_t> runId = std::nullopt);
  void command(std::int64_t runId, const CommandRecord& command);
  std::vector<CommandRecord> commands(std::int64_t runId);
  void evaluation(std::int64_t runId, const EvaluationRecord& evaluation);
  std::vector<EvaluationRecord> evaluations(std::int64_t runId, int limit);

  std::int64_t callStarted(const CallRecord& call);
  void callEnded(std::int64_t pgid, Instant t);  // every open call of that group
  std::vector<CallRecord> openCalls();           // started and not known to have ended

  std::int64_t addRequest(const RequestRecord& request);
  std::vector<RequestRecord> requestsAfter(std::int64_t afterId);

 private:
  Journal(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void exec(const std::string& sql);
  void commitPoint();  // counts commits: the crash tests stop the process after N
  // SQLite goes on writing to a deleted or replaced file (the WAL's open
  // descriptor): before each transaction the file must still be the one opened.
  void checkFile();

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*> statements_;  // prepared once, reused
  int depth_ = 0;
  long commits_ = 0;
  long crashAfter_ = -1;
  bool durable_ = false;
  std::uint64_t device_ = 0, inode_ = 0;
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
