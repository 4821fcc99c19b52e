#include "runtime/journal/SqliteStore.h"

namespace pipelang::runtime {
namespace {

const char* kRunColumns =
    "id, version, previous, status, emergency, rollback_all, reason, submitted_at, started_at, finished_at, trigger, "
    "stage, step, message, plan_digest, submitted_by";

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
  r.planDigest = s.text(14);
  r.submittedBy = s.text(15);
  return r;
}

std::string runQuery(const char* tail) {
  return std::string("SELECT ") + kRunColumns + " FROM runs WHERE pipeline = ? " + tail;
}

}  // namespace

llvm::Expected<std::unique_ptr<Journal>> Journal::open(const std::string& path, bool durable) {
  auto store = SqliteStore::open(path, durable);
  if (!store) return store.takeError();
  SqliteStore& ref = **store;
  return std::make_unique<SqliteJournal>(ref, "", std::move(*store));
}

llvm::Error SqliteJournal::bindPlan(const Plan& plan, bool allowNewDigest) {
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

std::optional<std::string> SqliteJournal::meta(const std::string& key) {
  Statement s(store_, "SELECT value FROM meta WHERE key = ?");
  s.bind(1, metaKey(key));
  if (s.row()) return s.text(0);
  return std::nullopt;
}

void SqliteJournal::setMeta(const std::string& key, const std::string& value) {
  transaction([&] {
    Statement s(store_,
                "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(1, metaKey(key)).bind(2, value).run();
  });
}

std::int64_t SqliteJournal::createRun(const RunRecord& run) {
  std::int64_t id = 0;
  transaction([&] {
    Statement s(store_,
                "INSERT INTO runs(version, previous, status, emergency, rollback_all, reason, submitted_at, "
                "started_at, pipeline, plan_digest, submitted_by) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, run.version).bind(2, run.previous).bind(3, run.status).bind(4, run.emergency);
    s.bind(5, run.rollbackAll).bind(6, run.reason).bind(7, run.submittedAt).bind(8, run.startedAt);
    s.bind(9, pipeline_).bind(10, run.planDigest).bind(11, run.submittedBy).run();
    id = sqlite3_last_insert_rowid(store_.db());
  });
  return id;
}

std::optional<RunRecord> SqliteJournal::run(std::int64_t id) {
  static const std::string sql = runQuery("AND id = ?");
  Statement s(store_, sql.c_str());
  s.bind(1, pipeline_).bind(2, id);
  if (s.row()) return readRun(s);
  return std::nullopt;
}

std::optional<RunRecord> SqliteJournal::activeRun() {
  auto active = activeRuns();
  if (active.empty()) return std::nullopt;
  return active.front();
}

std::vector<RunRecord> SqliteJournal::activeRuns() {
  static const std::string sql = runQuery("AND status IN ('running', 'rolling_back') ORDER BY id");
  Statement s(store_, sql.c_str());
  s.bind(1, pipeline_);
  std::vector<RunRecord> out;
  while (s.row()) out.push_back(readRun(s));
  return out;
}

std::optional<RunRecord> SqliteJournal::nextQueuedRun() {
  static const std::string sql = runQuery("AND status = 'queued' ORDER BY id LIMIT 1");
  Statement s(store_, sql.c_str());
  s.bind(1, pipeline_);
  if (s.row()) return readRun(s);
  return std::nullopt;
}

std::optional<RunRecord> SqliteJournal::latestRun() {
  static const std::string sql = runQuery("ORDER BY id DESC LIMIT 1");
  Statement s(store_, sql.c_str());
  s.bind(1, pipeline_);
  if (s.row()) return readRun(s);
  return std::nullopt;
}

std::vector<RunRecord> SqliteJournal::runs() {
  static const std::string sql = runQuery("ORDER BY id");
  Statement s(store_, sql.c_str());
  s.bind(1, pipeline_);
  std::vector<RunRecord> out;
  while (s.row()) out.push_back(readRun(s));
  return out;
}

void SqliteJournal::updateRun(const RunRecord& run) {
  transaction([&] {
    Statement s(store_,
                "UPDATE runs SET status = ?, started_at = ?, finished_at = ?, trigger = ?, stage = ?, step = ?, "
                "message = ?, rollback_all = ?, previous = ? WHERE id = ?");
    s.bind(1, run.status).bind(2, run.startedAt).bind(3, run.finishedAt).bind(4, run.trigger).bind(5, run.stage);
    s.bind(6, run.step).bind(7, run.message).bind(8, run.rollbackAll).bind(9, run.previous).bind(10, run.id).run();
  });
}

void SqliteJournal::setStage(std::int64_t runId, const std::string& stage, const std::string& state, Instant t) {
  transaction([&] {
    Statement s(store_,
                "INSERT INTO stages(run_id, stage, state, updated_at) VALUES(?, ?, ?, ?) "
                "ON CONFLICT(run_id, stage) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at");
    s.bind(1, runId).bind(2, stage).bind(3, state).bind(4, t).run();
  });
}

std::map<std::string, std::string> SqliteJournal::stageStates(std::int64_t runId) {
  Statement s(store_, "SELECT stage, state FROM stages WHERE run_id = ?");
  s.bind(1, runId);
  std::map<std::string, std::string> out;
  while (s.row()) out[s.text(0)] = s.text(1);
  return out;
}

void SqliteJournal::setStep(std::int64_t runId, const std::string& step, const std::string& state, Instant t,
                            const std::string& result) {
  transaction([&] {
    if (state == "started") {
      Statement s(store_,
                  "INSERT INTO steps(run_id, step, state, started_at) VALUES(?, ?, 'started', ?) "
                  "ON CONFLICT(run_id, step) DO UPDATE SET state = 'started', started_at = excluded.started_at");
      s.bind(1, runId).bind(2, step).bind(3, t).run();
    } else {
      Statement s(store_,
                  "INSERT INTO steps(run_id, step, state, finished_at, result) VALUES(?, ?, ?, ?, ?) "
                  "ON CONFLICT(run_id, step) DO UPDATE SET state = excluded.state, "
                  "finished_at = excluded.finished_at, result = excluded.result");
      s.bind(1, runId).bind(2, step).bind(3, state).bind(4, t).bind(5, result).run();
    }
  });
}

std::map<std::string, StepRecord> SqliteJournal::steps(std::int64_t runId) {
  Statement s(store_, "SELECT step, state, started_at, finished_at, result FROM steps WHERE run_id = ?");
  s.bind(1, runId);
  std::map<std::string, StepRecord> out;
  while (s.row()) out[s.text(0)] = {s.text(1), s.integer(2), s.integer(3), s.text(4)};
  return out;
}

void SqliteJournal::setBake(std::int64_t runId, const std::string& step, const BakeRecord& bake) {
  transaction([&] {
    Statement s(store_,
                "INSERT INTO bakes(run_id, step, required_s, elapsed_s, traffic_sum) VALUES(?, ?, ?, ?, ?) "
                "ON CONFLICT(run_id, step) DO UPDATE SET required_s = excluded.required_s, "
                "elapsed_s = excluded.elapsed_s, traffic_sum = excluded.traffic_sum");
    s.bind(1, runId).bind(2, step).bind(3, bake.requiredS).bind(4, bake.elapsedS).bind(5, bake.trafficSum).run();
  });
}

std::map<std::string, BakeRecord> SqliteJournal::bakes(std::int64_t runId) {
  Statement s(store_, "SELECT step, required_s, elapsed_s, traffic_sum FROM bakes WHERE run_id = ?");
  s.bind(1, runId);
  std::map<std::string, BakeRecord> out;
  while (s.row()) out[s.text(0)] = {static_cast<int>(s.integer(1)), static_cast<int>(s.integer(2)), s.real(3)};
  return out;
}

void SqliteJournal::hostsMoving(const std::string& fleet, const std::string& region, const std::string& zone,
                                const std::vector<std::string>& hosts, const std::string& version, Instant t,
                                std::int64_t runId) {
  transaction([&] {
    for (const auto& host : hosts) {
      if (runId > 0) {  // what it ran before this run first touched it
        Statement before(store_,
                         "INSERT OR IGNORE INTO host_moves(run_id, fleet, host, before) VALUES(?, ?, ?, "
                         "COALESCE((SELECT version FROM hosts WHERE pipeline = ? AND fleet = ? AND host = ?), ''))");
        before.bind(1, runId).bind(2, fleet).bind(3, host).bind(4, pipeline_).bind(5, fleet).bind(6, host).run();
      }
      Statement s(store_,
                  "INSERT INTO hosts(pipeline, fleet, host, region, zone, pending_version, updated_at) "
                  "VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(pipeline, fleet, host) DO UPDATE SET "
                  "pending_version = excluded.pending_version, updated_at = excluded.updated_at");
      s.bind(1, pipeline_).bind(2, fleet).bind(3, host).bind(4, region).bind(5, zone).bind(6, version).bind(7, t);
      s.run();
    }
  });
}

void SqliteJournal::hostsSettled(const std::string& fleet, const std::vector<std::string>& hosts,
                                 const std::string& version, Instant t) {
  transaction([&] {
    for (const auto& host : hosts) {
      Statement s(store_,
                  "UPDATE hosts SET version = ?, pending_version = '', updated_at = ? "
                  "WHERE pipeline = ? AND fleet = ? AND host = ?");
      s.bind(1, version).bind(2, t).bind(3, pipeline_).bind(4, fleet).bind(5, host).run();
    }
  });
}

void SqliteJournal::knowHost(const std::string& fleet, const std::string& region, const std::string& zone,
                             const std::string& host, const std::string& version, Instant t) {
  transaction([&] {
    Statement s(store_,
                "INSERT OR IGNORE INTO hosts(pipeline, fleet, host, region, zone, version, updated_at) "
                "VALUES(?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, pipeline_).bind(2, fleet).bind(3, host).bind(4, region).bind(5, zone).bind(6, version).bind(7, t).run();
  });
}

std::vector<HostRecord> SqliteJournal::hosts() {
  Statement s(store_,
              "SELECT fleet, host, region, zone, version, pending_version, updated_at FROM hosts WHERE pipeline = ? "
              "ORDER BY fleet, host");
  s.bind(1, pipeline_);
  std::vector<HostRecord> out;
  while (s.row()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.integer(6)});
  return out;
}

std::map<std::string, std::string> SqliteJournal::hostsBefore(std::int64_t runId) {
  Statement s(store_, "SELECT fleet, host, before FROM host_moves WHERE run_id = ?");
  s.bind(1, runId);
  std::map<std::string, std::string> out;
  while (s.row()) out[s.text(0) + "/" + s.text(1)] = s.text(2);
  return out;
}

void SqliteJournal::event(std::int64_t runId, const EventRecord& e) {
  transaction([&] {
    Statement s(store_,
                "INSERT INTO events(run_id, t, type, stage, step, message, detail) VALUES(?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, runId).bind(2, e.t).bind(3, e.type).bind(4, e.stage).bind(5, e.step).bind(6, e.message);
    s.bind(7, e.detail).run();
  });
}

std::vector<EventRecord> SqliteJournal::events(std::optional<std::int64_t> runId) {
  Statement s(store_, runId ? "SELECT id, run_id, t, type, stage, step, message, detail FROM events WHERE run_id = ? "
                              "ORDER BY id"
                            : "SELECT id, run_id, t, type, stage, step, message, detail FROM events "
                              "WHERE run_id IN (SELECT id FROM runs WHERE pipeline = ?) ORDER BY id");
  if (runId)
    s.bind(1, *runId);
  else
    s.bind(1, pipeline_);
  std::vector<EventRecord> out;
  while (s.row())
    out.push_back({s.integer(0), s.integer(1), s.integer(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7)});
  return out;
}

void SqliteJournal::command(std::int64_t runId, const CommandRecord& c) {
  transaction([&] {
    Statement s(store_,
                "INSERT INTO commands(run_id, t, step, action, command, hosts, result, exit_code, stdout, stderr) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, runId).bind(2, c.t).bind(3, c.step).bind(4, c.action).bind(5, c.command).bind(6, c.hosts);
    s.bind(7, c.result).bind(8, c.exitCode).bind(9, c.output).bind(10, c.errors).run();
  });
}

void SqliteJournal::notification(std::int64_t runId, const NotificationRecord& n) {
  transaction([&] {
    Statement s(store_,
                "INSERT INTO notifications(run_id, t, target, channel, event, attempt, result) "
                "VALUES(?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, runId).bind(2, n.t).bind(3, n.target).bind(4, n.channel).bind(5, n.event);
    s.bind(6, n.attempt).bind(7, n.result).run();
  });
}

std::vector<NotificationRecord> SqliteJournal::notifications(std::int64_t runId) {
  Statement s(store_,
              "SELECT t, target, channel, event, result, attempt FROM notifications WHERE run_id = ? ORDER BY id");
  s.bind(1, runId);
  std::vector<NotificationRecord> out;
  while (s.row())
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), static_cast<int>(s.integer(5))});
  return out;
}

std::vector<CommandRecord> SqliteJournal::commands(std::int64_t runId) {
  Statement s(store_,
              "SELECT t, step, action, command, hosts, result, stdout, stderr, exit_code FROM commands "
              "WHERE run_id = ? ORDER BY id");
  s.bind(1, runId);
  std::vector<CommandRecord> out;
  while (s.row())
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7),
                   static_cast<int>(s.integer(8))});
  return out;
}

void SqliteJournal::evaluation(std::int64_t runId, const EvaluationRecord& e) {
  transaction([&] {
    Statement s(store_,
                "INSERT INTO evaluations(run_id, t, scope, condition, metric, query, value, breach, error) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, runId).bind(2, e.t).bind(3, e.scope).bind(4, e.condition).bind(5, e.metric).bind(6, e.query);
    s.bind(7, e.value).bind(8, e.breach).bind(9, e.error).run();
  });
}

std::vector<EvaluationRecord> SqliteJournal::evaluations(std::int64_t runId, int limit) {
  Statement s(store_,
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

std::int64_t SqliteJournal::callStarted(const CallRecord& c) {
  std::int64_t id = 0;
  transaction([&] {
    Statement s(store_,
                "INSERT INTO calls(run_id, step, action, hosts, pgid, start_ticks, started_at, timeout_s) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, c.runId).bind(2, c.step).bind(3, c.action).bind(4, c.hosts).bind(5, c.pgid);
    s.bind(6, static_cast<std::int64_t>(c.startTicks)).bind(7, c.startedAt).bind(8, c.timeoutS).run();
    id = sqlite3_last_insert_rowid(store_.db());
  });
  return id;
}

void SqliteJournal::callEnded(std::int64_t pgid, Instant t) {
  transaction([&] {
    Statement s(store_, "UPDATE calls SET ended_at = ? WHERE pgid = ? AND ended_at = 0");
    s.bind(1, t).bind(2, pgid).run();
  });
}

std::vector<CallRecord> SqliteJournal::openCalls() {
  Statement s(store_,
              "SELECT id, run_id, step, action, hosts, pgid, start_ticks, started_at, timeout_s FROM calls "
              "WHERE ended_at = 0 AND run_id IN (SELECT id FROM runs WHERE pipeline = ?) ORDER BY id");
  s.bind(1, pipeline_);
  std::vector<CallRecord> out;
  while (s.row())
    out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.integer(5),
                   static_cast<std::uint64_t>(s.integer(6)), s.integer(7), static_cast<int>(s.integer(8))});
  return out;
}

std::int64_t SqliteJournal::addRequest(const RequestRecord& r) {
  std::int64_t id = 0;
  transaction([&] {
    Statement s(store_,
                "INSERT INTO requests(run_id, kind, target, reason, who, stage, t, pipeline) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, r.runId).bind(2, r.kind).bind(3, r.target).bind(4, r.reason).bind(5, r.who).bind(6, r.stage);
    s.bind(7, r.t).bind(8, pipeline_).run();
    id = sqlite3_last_insert_rowid(store_.db());
  });
  return id;
}

std::vector<RequestRecord> SqliteJournal::requestsAfter(std::int64_t afterId) {
  Statement s(store_,
              "SELECT id, run_id, kind, target, reason, who, stage, t FROM requests WHERE id > ? AND pipeline = ? "
              "ORDER BY id");
  s.bind(1, afterId).bind(2, pipeline_);
  std::vector<RequestRecord> out;
  while (s.row())
    out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.integer(7)});
  return out;
}

}  // namespace pipelang::runtime
