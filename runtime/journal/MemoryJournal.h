// A journal that lives in the process's memory only: `piperun simulate`
// without `--state` (docs/runtime.md "Try it without touching anything").
// It answers every read as SqliteJournal would after the same writes (same
// ids from 1, same orders, same upserts), so the engine cannot tell them
// apart; it costs a map insert where SQLite costs a statement, and nothing of
// it outlives the object. It never throws JournalError. `transaction` runs
// its body and keeps what the body wrote even if it throws: nothing reads a
// simulation's journal after a failure.
#pragma once

#include "runtime/journal/Journal.h"

#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pipelang::runtime {

class MemoryJournal final : public Journal {
 public:
  const std::string& pipeline() const override { return pipeline_; }
  llvm::Error bindPlan(const Plan& plan, bool allowNewDigest) override;
  std::optional<std::string> meta(const std::string& key) override;
  void setMeta(const std::string& key, const std::string& value) override { meta_[key] = value; }
  void transaction(const std::function<void()>& body) override { body(); }

  std::int64_t createRun(const RunRecord& run) override;
  std::optional<RunRecord> run(std::int64_t id) override;
  std::optional<RunRecord> activeRun() override;
  std::vector<RunRecord> activeRuns() override;
  std::optional<RunRecord> nextQueuedRun() override;
  std::optional<RunRecord> latestRun() override;
  std::vector<RunRecord> runs() override { return runs_; }
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
  void notification(std::int64_t runId, const NotificationRecord& record) override;
  std::vector<NotificationRecord> notifications(std::int64_t runId) override;
  void evaluation(std::int64_t runId, const EvaluationRecord& evaluation) override;
  std::vector<EvaluationRecord> evaluations(std::int64_t runId, int limit) override;

  std::int64_t callStarted(const CallRecord& call) override;
  void callEnded(std::int64_t pgid, Instant t) override;
  std::vector<CallRecord> openCalls() override;

  std::int64_t addRequest(const RequestRecord& request) override;
  std::vector<RequestRecord> requestsAfter(std::int64_t afterId) override;

 private:
  using RunKey = std::pair<std::int64_t, std::string>;  // (run id, stage or step)
  using HostKey = std::pair<std::string, std::string>;  // (fleet, host): SQLite's ORDER BY fleet, host
  RunRecord* findRun(std::int64_t id);

  std::string pipeline_;  // always "": a simulation's journal is a single-pipeline file's
  std::map<std::string, std::string> meta_;
  std::vector<RunRecord> runs_;  // by id - 1
  std::map<RunKey, std::string> stages_;
  std::map<RunKey, StepRecord> steps_;
  std::map<RunKey, BakeRecord> bakes_;
  // Hosts by row, found by a hash of (fleet, host): a step's hosts cost a
  // hash each, not a walk of a tree of string pairs; hosts() and
  // hostsBefore() sort by (fleet, host) when asked (docs/performance.md, issue 18).
  struct HostKeyHash {
    size_t operator()(const HostKey& key) const {
      return std::hash<std::string>()(key.first) * 31 + std::hash<std::string>()(key.second);
    }
  };
  std::vector<HostRecord> hostRows_;
  std::unordered_map<HostKey, size_t, HostKeyHash> hostRowOf_;
  std::unordered_map<std::int64_t, std::unordered_map<size_t, std::string>> hostMoves_;  // run -> row -> version before
  // Rows by (fleet, host) and each row's place in that order: worked out
  // again only when hosts were added since, and by a sort only when some
  // came out of that order (the engine knows a fleet's hosts in order).
  void orderRows();
  bool rowsInOrder_ = true;
  std::vector<size_t> keyOrder_, keyRank_;
  void addRow(HostRecord row);
  std::vector<EventRecord> events_;                                         // by id - 1
  std::vector<std::pair<std::int64_t, NotificationRecord>> notifications_;  // (run, attempt), oldest first
  std::vector<std::pair<std::int64_t, CommandRecord>> commands_;            // (run, command) by id - 1
  std::vector<std::pair<std::int64_t, EvaluationRecord>> evaluations_;      // (run, evaluation) by id - 1
  std::vector<std::pair<CallRecord, Instant>> calls_;                       // (call, ended at; 0 while open)
  std::vector<RequestRecord> requests_;                                     // by id - 1
};

}  // namespace pipelang::runtime
