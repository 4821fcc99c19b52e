#include "runtime/journal/MemoryJournal.h"

#include <algorithm>
#include <tuple>

namespace pipelang::runtime {
namespace {

bool active(const RunRecord& run) {
  return run.status == "running" || run.status == "rolling_back";
}

}  // namespace

llvm::Error MemoryJournal::bindPlan(const Plan& plan, bool allowNewDigest) {
  // The same refusals as SqliteJournal::bindPlan, for a journal reused across runs.
  auto digest = meta("plan_digest");
  if (digest && *digest != plan.digest && (!allowNewDigest || activeRun()))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "state DB was written for plan %s but this plan is %s; use the plan the DB was "
                                   "started with, or another --state",
                                   digest->c_str(), plan.digest.c_str());
  auto pipeline = meta("pipeline");
  if (pipeline && *pipeline != plan.pipeline)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "state DB belongs to pipeline %s, not %s",
                                   pipeline->c_str(), plan.pipeline.c_str());
  setMeta("plan_digest", plan.digest);
  setMeta("pipeline", plan.pipeline);
  setMeta("plan", plan.text);
  return llvm::Error::success();
}

std::optional<std::string> MemoryJournal::meta(const std::string& key) {
  auto it = meta_.find(key);
  if (it == meta_.end()) return std::nullopt;
  return it->second;
}

std::int64_t MemoryJournal::createRun(const RunRecord& run) {
  // Only the columns SqliteJournal inserts; the others start empty.
  RunRecord r;
  r.id = static_cast<std::int64_t>(runs_.size()) + 1;
  r.version = run.version;
  r.previous = run.previous;
  r.status = run.status;
  r.emergency = run.emergency;
  r.rollbackAll = run.rollbackAll;
  r.reason = run.reason;
  r.submittedAt = run.submittedAt;
  r.startedAt = run.startedAt;
  r.planDigest = run.planDigest;
  r.submittedBy = run.submittedBy;
  runs_.push_back(r);
  return r.id;
}

RunRecord* MemoryJournal::findRun(std::int64_t id) {
  if (id < 1 || id > static_cast<std::int64_t>(runs_.size())) return nullptr;
  return &runs_[static_cast<size_t>(id - 1)];
}

std::optional<RunRecord> MemoryJournal::run(std::int64_t id) {
  if (const RunRecord* r = findRun(id)) return *r;
  return std::nullopt;
}

std::optional<RunRecord> MemoryJournal::activeRun() {
  for (const auto& r : runs_)
    if (active(r)) return r;
  return std::nullopt;
}

std::vector<RunRecord> MemoryJournal::activeRuns() {
  std::vector<RunRecord> out;
  std::copy_if(runs_.begin(), runs_.end(), std::back_inserter(out), active);
  return out;
}

std::optional<RunRecord> MemoryJournal::nextQueuedRun() {
  for (const auto& r : runs_)
    if (r.status == "queued") return r;
  return std::nullopt;
}

std::optional<RunRecord> MemoryJournal::latestRun() {
  if (runs_.empty()) return std::nullopt;
  return runs_.back();
}

void MemoryJournal::updateRun(const RunRecord& run) {
  RunRecord* r = findRun(run.id);
  if (!r) return;  // an UPDATE of no row
  // The columns SqliteJournal updates; version, reason and who asked never change.
  r->status = run.status;
  r->startedAt = run.startedAt;
  r->finishedAt = run.finishedAt;
  r->trigger = run.trigger;
  r->stage = run.stage;
  r->step = run.step;
  r->message = run.message;
  r->rollbackAll = run.rollbackAll;
  r->previous = run.previous;
}

void MemoryJournal::setStage(std::int64_t runId, const std::string& stage, const std::string& state, Instant) {
  stages_[{runId, stage}] = state;
}

std::map<std::string, std::string> MemoryJournal::stageStates(std::int64_t runId) {
  std::map<std::string, std::string> out;
  for (auto it = stages_.lower_bound({runId, ""}); it != stages_.end() && it->first.first == runId; ++it)
    out[it->first.second] = it->second;
  return out;
}

void MemoryJournal::setStep(std::int64_t runId, const std::string& step, const std::string& state, Instant t,
                            const std::string& result) {
  StepRecord& r = steps_[{runId, step}];
  r.state = state;
  if (state == "started") {
    r.startedAt = t;  // a restarted step keeps its last end and result, as the upsert does
  } else {
    r.finishedAt = t;
    r.result = result;
  }
}

std::map<std::string, StepRecord> MemoryJournal::steps(std::int64_t runId) {
  std::map<std::string, StepRecord> out;
  for (auto it = steps_.lower_bound({runId, ""}); it != steps_.end() && it->first.first == runId; ++it)
    out[it->first.second] = it->second;
  return out;
}

void MemoryJournal::setBake(std::int64_t runId, const std::string& step, const BakeRecord& bake) {
  bakes_[{runId, step}] = bake;
}

std::map<std::string, BakeRecord> MemoryJournal::bakes(std::int64_t runId) {
  std::map<std::string, BakeRecord> out;
  for (auto it = bakes_.lower_bound({runId, ""}); it != bakes_.end() && it->first.first == runId; ++it)
    out[it->first.second] = it->second;
  return out;
}

void MemoryJournal::addRow(HostRecord row) {
  if (!hostRows_.empty() && rowsInOrder_)
    rowsInOrder_ = std::tie(hostRows_.back().fleet, hostRows_.back().host) < std::tie(row.fleet, row.host);
  hostRows_.push_back(std::move(row));
}

void MemoryJournal::orderRows() {
  if (keyOrder_.size() == hostRows_.size()) return;
  keyOrder_.resize(hostRows_.size());
  for (size_t i = 0; i < keyOrder_.size(); ++i) keyOrder_[i] = i;
  if (!rowsInOrder_)
    std::sort(keyOrder_.begin(), keyOrder_.end(), [this](size_t a, size_t b) {
      return std::tie(hostRows_[a].fleet, hostRows_[a].host) < std::tie(hostRows_[b].fleet, hostRows_[b].host);
    });
  keyRank_.resize(keyOrder_.size());
  for (size_t i = 0; i < keyOrder_.size(); ++i) keyRank_[keyOrder_[i]] = i;
}

void MemoryJournal::hostsMoving(const std::string& fleet, const std::string& region, const std::string& zone,
                                const std::vector<std::string>& hosts, const std::string& version, Instant t,
                                std::int64_t runId) {
  std::unordered_map<size_t, std::string>* moves = runId > 0 ? &hostMoves_[runId] : nullptr;
  for (const auto& host : hosts) {
    auto [it, added] = hostRowOf_.try_emplace(HostKey{fleet, host}, hostRows_.size());
    if (moves)  // what it ran before this run first touched it
      moves->try_emplace(it->second, added ? "" : hostRows_[it->second].version);
    if (added) {
      addRow(HostRecord{fleet, host, region, zone, "", version, t});
    } else {
      HostRecord& row = hostRows_[it->second];
      row.pendingVersion = version;
      row.updatedAt = t;
    }
  }
}

void MemoryJournal::hostsSettled(const std::string& fleet, const std::vector<std::string>& hosts,
                                 const std::string& version, Instant t) {
  HostKey key{fleet, ""};
  for (const auto& host : hosts) {
    key.second = host;
    auto it = hostRowOf_.find(key);
    if (it == hostRowOf_.end()) continue;  // an UPDATE of no row
    HostRecord& row = hostRows_[it->second];
    row.version = version;
    row.pendingVersion.clear();
    row.updatedAt = t;
  }
}

std::vector<HostRecord> MemoryJournal::hosts() {
  orderRows();
  std::vector<HostRecord> out;
  out.reserve(keyOrder_.size());
  for (size_t row : keyOrder_) out.push_back(hostRows_[row]);
  return out;
}

std::map<std::string, std::string> MemoryJournal::hostsBefore(std::int64_t runId) {
  std::map<std::string, std::string> out;
  auto moves = hostMoves_.find(runId);
  if (moves == hostMoves_.end()) return out;
  orderRows();
  std::vector<size_t> rows;
  for (const auto& [row, before] : moves->second) rows.push_back(row);
  std::sort(rows.begin(), rows.end(), [this](size_t a, size_t b) { return keyRank_[a] < keyRank_[b]; });
  for (size_t row : rows)  // (fleet, host) order: a later equal "fleet/host" wins, as before
    out[hostRows_[row].fleet + "/" + hostRows_[row].host] = moves->second.at(row);
  return out;
}

void MemoryJournal::knowHost(const std::string& fleet, const std::string& region, const std::string& zone,
                             const std::string& host, const std::string& version, Instant t) {
  auto [it, added] = hostRowOf_.try_emplace(HostKey{fleet, host}, hostRows_.size());
  if (added) addRow(HostRecord{fleet, host, region, zone, version, "", t});
}

void MemoryJournal::event(std::int64_t runId, const EventRecord& e) {
  events_.push_back(
      {static_cast<std::int64_t>(events_.size()) + 1, runId, e.t, e.type, e.stage, e.step, e.message, e.detail});
}

std::vector<EventRecord> MemoryJournal::events(std::optional<std::int64_t> runId) {
  std::vector<EventRecord> out;
  for (const auto& e : events_)
    if (runId ? e.runId == *runId : findRun(e.runId) != nullptr) out.push_back(e);
  return out;
}

void MemoryJournal::command(std::int64_t runId, const CommandRecord& command) {
  commands_.emplace_back(runId, command);
}

std::vector<CommandRecord> MemoryJournal::commands(std::int64_t runId) {
  std::vector<CommandRecord> out;
  for (const auto& [run, command] : commands_)
    if (run == runId) out.push_back(command);
  return out;
}

void MemoryJournal::evaluation(std::int64_t runId, const EvaluationRecord& evaluation) {
  evaluations_.emplace_back(runId, evaluation);
}

std::vector<EvaluationRecord> MemoryJournal::evaluations(std::int64_t runId, int limit) {
  std::vector<EvaluationRecord> out;  // newest first; a negative limit is none, as in SQLite
  for (auto it = evaluations_.rbegin(); it != evaluations_.rend(); ++it) {
    if (limit >= 0 && static_cast<int>(out.size()) >= limit) break;
    if (it->first == runId) out.push_back(it->second);
  }
  return out;
}

std::int64_t MemoryJournal::callStarted(const CallRecord& call) {
  CallRecord c = call;
  c.id = static_cast<std::int64_t>(calls_.size()) + 1;
  calls_.emplace_back(c, 0);
  return c.id;
}

void MemoryJournal::callEnded(std::int64_t pgid, Instant t) {
  for (auto& [call, endedAt] : calls_)
    if (call.pgid == pgid && endedAt == 0) endedAt = t;
}

std::vector<CallRecord> MemoryJournal::openCalls() {
  std::vector<CallRecord> out;
  for (const auto& [call, endedAt] : calls_)
    if (endedAt == 0 && findRun(call.runId)) out.push_back(call);
  return out;
}

std::int64_t MemoryJournal::addRequest(const RequestRecord& request) {
  RequestRecord r = request;
  r.id = static_cast<std::int64_t>(requests_.size()) + 1;
  requests_.push_back(r);
  return r.id;
}

std::vector<RequestRecord> MemoryJournal::requestsAfter(std::int64_t afterId) {
  std::vector<RequestRecord> out;
  for (const auto& r : requests_)
    if (r.id > afterId) out.push_back(r);
  return out;
}

void MemoryJournal::notification(std::int64_t runId, const NotificationRecord& record) {
  notifications_.emplace_back(runId, record);
}

std::vector<NotificationRecord> MemoryJournal::notifications(std::int64_t runId) {
  std::vector<NotificationRecord> out;
  for (const auto& [run, record] : notifications_)
    if (run == runId) out.push_back(record);
  return out;
}

}  // namespace pipelang::runtime
