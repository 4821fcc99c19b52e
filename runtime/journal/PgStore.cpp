#include "runtime/journal/PgStore.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace pipelang::runtime {
namespace {

// Version 1 of the PostgreSQL schema: SQLite's version 2, in PostgreSQL's types.
const char* kSchemaV1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs(id BIGSERIAL PRIMARY KEY, pipeline TEXT NOT NULL, version TEXT NOT NULL, previous TEXT NOT NULL,
  status TEXT NOT NULL, emergency BOOLEAN NOT NULL DEFAULT false, rollback_all BOOLEAN NOT NULL DEFAULT false,
  reason TEXT NOT NULL DEFAULT '', submitted_at BIGINT NOT NULL DEFAULT 0, started_at BIGINT NOT NULL DEFAULT 0,
  finished_at BIGINT NOT NULL DEFAULT 0, trigger TEXT NOT NULL DEFAULT '', stage TEXT NOT NULL DEFAULT '',
  step TEXT NOT NULL DEFAULT '', message TEXT NOT NULL DEFAULT '', plan_digest TEXT NOT NULL DEFAULT '',
  submitted_by TEXT NOT NULL DEFAULT '');
CREATE INDEX runs_by_pipeline ON runs(pipeline, status);
CREATE TABLE stages(run_id BIGINT NOT NULL, stage TEXT NOT NULL, state TEXT NOT NULL, updated_at BIGINT NOT NULL,
  PRIMARY KEY(run_id, stage));
CREATE TABLE steps(run_id BIGINT NOT NULL, step TEXT NOT NULL, state TEXT NOT NULL,
  started_at BIGINT NOT NULL DEFAULT 0, finished_at BIGINT NOT NULL DEFAULT 0, result TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(run_id, step));
CREATE TABLE bakes(run_id BIGINT NOT NULL, step TEXT NOT NULL, required_s BIGINT NOT NULL, elapsed_s BIGINT NOT NULL,
  traffic_sum DOUBLE PRECISION NOT NULL, PRIMARY KEY(run_id, step));
CREATE TABLE hosts(pipeline TEXT NOT NULL, fleet TEXT NOT NULL, host TEXT NOT NULL, region TEXT NOT NULL,
  zone TEXT NOT NULL, version TEXT NOT NULL DEFAULT '', pending_version TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL, PRIMARY KEY(pipeline, fleet, host));
CREATE TABLE host_moves(run_id BIGINT NOT NULL, fleet TEXT NOT NULL, host TEXT NOT NULL, before TEXT NOT NULL,
  PRIMARY KEY(run_id, fleet, host));
CREATE TABLE events(id BIGSERIAL PRIMARY KEY, run_id BIGINT NOT NULL, t BIGINT NOT NULL, type TEXT NOT NULL,
  stage TEXT NOT NULL, step TEXT NOT NULL, message TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX events_by_run ON events(run_id);
CREATE TABLE commands(id BIGSERIAL PRIMARY KEY, run_id BIGINT NOT NULL, t BIGINT NOT NULL, step TEXT NOT NULL,
  action TEXT NOT NULL, command TEXT NOT NULL, hosts TEXT NOT NULL, result TEXT NOT NULL, exit_code INTEGER NOT NULL,
  stdout TEXT NOT NULL, stderr TEXT NOT NULL);
CREATE INDEX commands_by_run ON commands(run_id);
CREATE TABLE evaluations(id BIGSERIAL PRIMARY KEY, run_id BIGINT NOT NULL, t BIGINT NOT NULL, scope TEXT NOT NULL,
  condition TEXT NOT NULL, metric TEXT NOT NULL, query TEXT NOT NULL, value DOUBLE PRECISION,
  breach BOOLEAN NOT NULL, error TEXT NOT NULL);
CREATE INDEX evaluations_by_run ON evaluations(run_id);
CREATE TABLE calls(id BIGSERIAL PRIMARY KEY, run_id BIGINT NOT NULL, step TEXT NOT NULL, action TEXT NOT NULL,
  hosts TEXT NOT NULL, pgid BIGINT NOT NULL, start_ticks BIGINT NOT NULL, started_at BIGINT NOT NULL,
  timeout_s INTEGER NOT NULL, ended_at BIGINT NOT NULL DEFAULT 0);
CREATE TABLE requests(id BIGSERIAL PRIMARY KEY, pipeline TEXT NOT NULL, run_id BIGINT NOT NULL, kind TEXT NOT NULL,
  target TEXT NOT NULL, reason TEXT NOT NULL, who TEXT NOT NULL, stage TEXT NOT NULL, t BIGINT NOT NULL);
CREATE TABLE plans(digest TEXT PRIMARY KEY, text TEXT NOT NULL);
)sql";

// Version 2: several instances (docs/service.md "Several instances on
// PostgreSQL"): one lease per pipeline, the instances' heartbeats, the
// machine that started each call, and requests forwarded to a pipeline's owner.
const char* kSchemaV2 = R"sql(
CREATE TABLE leases(pipeline TEXT PRIMARY KEY, owner TEXT NOT NULL DEFAULT '', epoch BIGINT NOT NULL DEFAULT 0,
  expires_at TIMESTAMPTZ NOT NULL DEFAULT 'epoch');
CREATE TABLE instances(id TEXT PRIMARY KEY, machine TEXT NOT NULL, seen_until TIMESTAMPTZ NOT NULL);
ALTER TABLE calls ADD COLUMN machine TEXT NOT NULL DEFAULT '';
CREATE TABLE forwarded(id BIGSERIAL PRIMARY KEY, pipeline TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,
  who TEXT NOT NULL, status INTEGER NOT NULL DEFAULT 0, answer TEXT NOT NULL DEFAULT '',
  asked_at TIMESTAMPTZ NOT NULL DEFAULT now());
)sql";

// Version 3: every notification delivery attempt (docs/runtime.md "Notifications").
const char* kSchemaV3 = R"sql(
CREATE TABLE notifications(id BIGSERIAL PRIMARY KEY, run_id BIGINT NOT NULL, t BIGINT NOT NULL, target TEXT NOT NULL,
  channel TEXT NOT NULL, event TEXT NOT NULL, attempt BIGINT NOT NULL, result TEXT NOT NULL);
CREATE INDEX notifications_by_run ON notifications(run_id);
)sql";

// Version 4: a call's end and each pass find their rows through an index, not
// a scan of the whole history (calls and requests grow with every version).
const char* kSchemaV4 = R"sql(
CREATE INDEX calls_open ON calls(pgid) WHERE ended_at = 0;
CREATE INDEX calls_by_run ON calls(run_id);
CREATE INDEX requests_by_pipeline ON requests(pipeline, id);
)sql";

constexpr std::int64_t kMigrationLock = 0x70697065;  // "pipe": one migrating piperun at a time

PgParam num(std::int64_t v) {
  return std::to_string(v);
}
PgParam flag(bool v) {
  return std::string(v ? "true" : "false");
}
PgParam real(std::optional<double> v) {
  if (!v) return std::nullopt;
  return fmt::format("{:.17g}", *v);
}

const char* kRunColumns =
    "id, version, previous, status, emergency, rollback_all, reason, submitted_at, started_at, finished_at, trigger, "
    "stage, step, message, plan_digest, submitted_by";

RunRecord readRun(const PgResult& r, int i) {
  RunRecord run;
  run.id = r.integer(i, 0);
  run.version = r.text(i, 1);
  run.previous = r.text(i, 2);
  run.status = r.text(i, 3);
  run.emergency = r.text(i, 4) == "t";
  run.rollbackAll = r.text(i, 5) == "t";
  run.reason = r.text(i, 6);
  run.submittedAt = r.integer(i, 7);
  run.startedAt = r.integer(i, 8);
  run.finishedAt = r.integer(i, 9);
  run.trigger = r.text(i, 10);
  run.stage = r.text(i, 11);
  run.step = r.text(i, 12);
  run.message = r.text(i, 13);
  run.planDigest = r.text(i, 14);
  run.submittedBy = r.text(i, 15);
  return run;
}

}  // namespace

PgResult::~PgResult() {
  if (result_) PQclear(result_);
}
int PgResult::rows() const {
  return PQntuples(result_);
}
std::string PgResult::text(int row, int column) const {
  return PQgetvalue(result_, row, column);
}
std::int64_t PgResult::integer(int row, int column) const {
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}
double PgResult::real(int row, int column) const {
  return std::strtod(PQgetvalue(result_, row, column), nullptr);
}
bool PgResult::isNull(int row, int column) const {
  return PQgetisnull(result_, row, column) != 0;
}

llvm::Expected<std::unique_ptr<PgStore>> PgStore::open(const std::string& conninfo) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string message = conn ? PQerrorMessage(conn) : "out of memory";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    PQfinish(conn);
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot connect to the PostgreSQL store: %s",
                                   message.c_str());
  }
  std::unique_ptr<PgStore> store(new PgStore(conn));
  try {
    store->setUp();
    store->migrate();
  } catch (const std::exception& e) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot use %s", e.what());
  }
  return store;
}

PgStore::~PgStore() {
  PQfinish(conn_);
}

PgResult PgStore::exec(const char* sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  // Without parameters, the simple protocol: it also takes the schema's several statements.
  pg_result* raw = params.empty() ? PQexec(conn_, sql)
                                  : PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(),
                                                 nullptr, nullptr, 0);
  PgResult result(raw);
  ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string message = PQerrorMessage(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw JournalError("state DB postgresql: " + message);
  }
  return result;
}

std::string pgTextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

void PgStore::setUp() {
  exec("SET client_min_messages = warning");
  if (!applicationName_.empty()) exec("SELECT set_config('application_name', $1, false)", {applicationName_});
}

void PgStore::transaction(const std::function<void()>& body) {
  if (depth_ == 0) {
    lockedFences_.clear();
    exec("BEGIN");
  }
  ++depth_;
  try {
    body();
  } catch (...) {
    if (--depth_ == 0) {
      lockedFences_.clear();
      PQclear(PQexec(conn_, "ROLLBACK"));
    }
    throw;
  }
  if (--depth_ == 0) {
    lockedFences_.clear();
    exec("COMMIT");
  }
}

void PgStore::fence(const std::string& pipeline, const std::string& owner, std::int64_t epoch) {
  fences_[pipeline] = {owner, epoch};
}

void PgStore::unfence(const std::string& pipeline) {
  fences_.erase(pipeline);
}

void PgStore::checkFence(const std::string& pipeline) {
  auto it = fences_.find(pipeline);
  if (it == fences_.end()) {
    if (!leased_) return;
    throw LeaseLost(pipeline, "state DB postgresql: " + pipeline + " is not leased to this instance; write refused");
  }
  if (!lockedFences_.insert(pipeline).second) return;
  // FOR UPDATE: the lease row stays locked until this transaction ends, so a
  // takeover commits either before this check (which then fails) or after
  // every write of this transaction.
  auto r =
      exec("SELECT 1 FROM leases WHERE pipeline = $1 AND owner = $2 AND epoch = $3 AND expires_at > now() FOR UPDATE",
           {pipeline, it->second.owner, num(it->second.epoch)});
  if (r.rows() == 1) return;
  std::int64_t epoch = it->second.epoch;
  fences_.erase(it);
  throw LeaseLost(pipeline, fmt::format("state DB postgresql: the lease of {} (epoch {}) expired or was taken over; "
                                        "write refused",
                                        pipeline, epoch));
}

void PgStore::setApplicationName(const std::string& name) {
  applicationName_ = name;
  exec("SELECT set_config('application_name', $1, false)", {name});
}

bool PgStore::reconnect() {
  fences_.clear();
  lockedFences_.clear();
  depth_ = 0;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  try {
    setUp();
  } catch (const JournalError&) {
    return false;
  }
  return true;
}

const std::string& PgStore::machine() {
  static const std::string id = [] {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    std::string boot;
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::getline(in, boot);
    return std::string(host) + "/" + boot;
  }();
  return id;
}

void PgStore::migrate() {
  transaction([&] {
    exec("SELECT pg_advisory_xact_lock($1)", {num(kMigrationLock)});
    bool exists = exec("SELECT to_regclass('meta') IS NOT NULL").text(0, 0) == "t";
    int version = 0;
    if (exists) {
      auto found = exec("SELECT value FROM meta WHERE key = 'schema_version'");
      version = found.rows() ? std::atoi(found.text(0, 0).c_str()) : 0;
    }
    if (version > kSchemaVersion)
      throw JournalError(
          fmt::format("state DB postgresql: written by a newer piperun (schema {}, this piperun knows "
                      "up to {})",
                      version, kSchemaVersion));
    if (version < 1) exec(kSchemaV1);
    if (version < 2) exec(kSchemaV2);
    if (version < 3) exec(kSchemaV3);
    if (version < 4) exec(kSchemaV4);
    exec(
        "INSERT INTO meta(key, value) VALUES('schema_version', $1) ON CONFLICT(key) DO UPDATE SET value = "
        "excluded.value",
        {std::to_string(kSchemaVersion)});
  });
}

// ---------------------------------------------------------------------------
// One pipeline's journal

llvm::Error PgJournal::bindPlan(const Plan& plan, bool) {
  transaction([&] {
    store_.exec("INSERT INTO plans(digest, text) VALUES($1, $2) ON CONFLICT DO NOTHING", {plan.digest, plan.text});
    setMeta("plan_digest", plan.digest);
    setMeta("pipeline", plan.pipeline);
  });
  return llvm::Error::success();
}

void PgJournal::write(const std::function<void()>& body) {
  store_.transaction([&] {
    store_.checkFence(pipeline_);
    body();
  });
}

std::optional<std::string> PgJournal::meta(const std::string& key) {
  auto r = store_.exec("SELECT value FROM meta WHERE key = $1", {pipeline_ + "/" + key});
  if (r.rows()) return r.text(0, 0);
  return std::nullopt;
}

void PgJournal::setMeta(const std::string& key, const std::string& value) {
  write([&] {
    store_.exec("INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                {pipeline_ + "/" + key, value});
  });
}

std::int64_t PgJournal::createRun(const RunRecord& run) {
  std::int64_t id = 0;
  write([&] {
    auto r = store_.exec(
        "INSERT INTO runs(pipeline, version, previous, status, emergency, rollback_all, reason, submitted_at, "
        "started_at, plan_digest, submitted_by) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        {pipeline_, run.version, run.previous, run.status, flag(run.emergency), flag(run.rollbackAll), run.reason,
         num(run.submittedAt), num(run.startedAt), run.planDigest, run.submittedBy});
    id = r.integer(0, 0);
  });
  return id;
}

std::vector<RunRecord> PgJournal::selectRuns(const char* tail, const std::vector<PgParam>& extra) {
  std::vector<PgParam> params{pipeline_};
  params.insert(params.end(), extra.begin(), extra.end());
  std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE pipeline = $1 " + tail;
  auto r = store_.exec(sql.c_str(), params);
  std::vector<RunRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(readRun(r, i));
  return out;
}

std::optional<RunRecord> PgJournal::run(std::int64_t id) {
  auto found = selectRuns("AND id = $2", {num(id)});
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::optional<RunRecord> PgJournal::activeRun() {
  auto found = activeRuns();
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<RunRecord> PgJournal::activeRuns() {
  return selectRuns("AND status IN ('running', 'rolling_back') ORDER BY id");
}

std::optional<RunRecord> PgJournal::nextQueuedRun() {
  auto found = selectRuns("AND status = 'queued' ORDER BY id LIMIT 1");
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::optional<RunRecord> PgJournal::latestRun() {
  auto found = selectRuns("ORDER BY id DESC LIMIT 1");
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<RunRecord> PgJournal::runs() {
  return selectRuns("ORDER BY id");
}

void PgJournal::updateRun(const RunRecord& run) {
  write([&] {
    store_.exec(
        "UPDATE runs SET status = $1, started_at = $2, finished_at = $3, trigger = $4, stage = $5, step = $6, "
        "message = $7, rollback_all = $8, previous = $9 WHERE id = $10",
        {run.status, num(run.startedAt), num(run.finishedAt), run.trigger, run.stage, run.step, run.message,
         flag(run.rollbackAll), run.previous, num(run.id)});
  });
}

void PgJournal::setStage(std::int64_t runId, const std::string& stage, const std::string& state, Instant t) {
  write([&] {
    store_.exec(
        "INSERT INTO stages(run_id, stage, state, updated_at) VALUES($1, $2, $3, $4) ON CONFLICT(run_id, stage) "
        "DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        {num(runId), stage, state, num(t)});
  });
}

std::map<std::string, std::string> PgJournal::stageStates(std::int64_t runId) {
  auto r = store_.exec("SELECT stage, state FROM stages WHERE run_id = $1", {num(runId)});
  std::map<std::string, std::string> out;
  for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0)] = r.text(i, 1);
  return out;
}

void PgJournal::setStep(std::int64_t runId, const std::string& step, const std::string& state, Instant t,
                        const std::string& result) {
  write([&] {
    if (state == "started")
      store_.exec(
          "INSERT INTO steps(run_id, step, state, started_at) VALUES($1, $2, 'started', $3) "
          "ON CONFLICT(run_id, step) DO UPDATE SET state = 'started', started_at = excluded.started_at",
          {num(runId), step, num(t)});
    else
      store_.exec(
          "INSERT INTO steps(run_id, step, state, finished_at, result) VALUES($1, $2, $3, $4, $5) "
          "ON CONFLICT(run_id, step) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at, "
          "result = excluded.result",
          {num(runId), step, state, num(t), result});
  });
}

std::map<std::string, StepRecord> PgJournal::steps(std::int64_t runId) {
  auto r =
      store_.exec("SELECT step, state, started_at, finished_at, result FROM steps WHERE run_id = $1", {num(runId)});
  std::map<std::string, StepRecord> out;
  for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0)] = {r.text(i, 1), r.integer(i, 2), r.integer(i, 3), r.text(i, 4)};
  return out;
}

void PgJournal::setBake(std::int64_t runId, const std::string& step, const BakeRecord& bake) {
  write([&] {
    store_.exec(
        "INSERT INTO bakes(run_id, step, required_s, elapsed_s, traffic_sum) VALUES($1, $2, $3, $4, $5) "
        "ON CONFLICT(run_id, step) DO UPDATE SET required_s = excluded.required_s, elapsed_s = "
        "excluded.elapsed_s, traffic_sum = excluded.traffic_sum",
        {num(runId), step, num(bake.requiredS), num(bake.elapsedS), real(bake.trafficSum)});
  });
}

std::map<std::string, BakeRecord> PgJournal::bakes(std::int64_t runId) {
  auto r = store_.exec("SELECT step, required_s, elapsed_s, traffic_sum FROM bakes WHERE run_id = $1", {num(runId)});
  std::map<std::string, BakeRecord> out;
  for (int i = 0; i < r.rows(); ++i)
    out[r.text(i, 0)] = {static_cast<int>(r.integer(i, 1)), static_cast<int>(r.integer(i, 2)), r.real(i, 3)};
  return out;
}

void PgJournal::hostsMoving(const std::string& fleet, const std::string& region, const std::string& zone,
                            const std::vector<std::string>& hosts, const std::string& version, Instant t,
                            std::int64_t runId) {
  write([&] {
    transaction([&] {
      for (const auto& host : hosts) {
        if (runId > 0)
          store_.exec(
              "INSERT INTO host_moves(run_id, fleet, host, before) VALUES($1, $2, $3, COALESCE((SELECT version "
              "FROM hosts WHERE pipeline = $4 AND fleet = $2 AND host = $3), '')) ON CONFLICT DO NOTHING",
              {num(runId), fleet, host, pipeline_});
        store_.exec(
            "INSERT INTO hosts(pipeline, fleet, host, region, zone, pending_version, updated_at) "
            "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(pipeline, fleet, host) DO UPDATE SET "
            "pending_version = excluded.pending_version, updated_at = excluded.updated_at",
            {pipeline_, fleet, host, region, zone, version, num(t)});
      }
    });
  });
}

void PgJournal::hostsSettled(const std::string& fleet, const std::vector<std::string>& hosts,
                             const std::string& version, Instant t) {
  write([&] {
    transaction([&] {
      for (const auto& host : hosts)
        store_.exec(
            "UPDATE hosts SET version = $1, pending_version = '', updated_at = $2 WHERE pipeline = $3 AND "
            "fleet = $4 AND host = $5",
            {version, num(t), pipeline_, fleet, host});
    });
  });
}

std::vector<HostRecord> PgJournal::hosts() {
  auto r = store_.exec(
      "SELECT fleet, host, region, zone, version, pending_version, updated_at FROM hosts WHERE "
      "pipeline = $1 ORDER BY fleet, host",
      {pipeline_});
  std::vector<HostRecord> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(
        {r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5), r.integer(i, 6)});
  return out;
}

std::map<std::string, std::string> PgJournal::hostsBefore(std::int64_t runId) {
  auto r = store_.exec("SELECT fleet, host, before FROM host_moves WHERE run_id = $1", {num(runId)});
  std::map<std::string, std::string> out;
  for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0) + "/" + r.text(i, 1)] = r.text(i, 2);
  return out;
}

void PgJournal::knowHost(const std::string& fleet, const std::string& region, const std::string& zone,
                         const std::string& host, const std::string& version, Instant t) {
  write([&] {
    store_.exec(
        "INSERT INTO hosts(pipeline, fleet, host, region, zone, version, updated_at) VALUES($1, $2, $3, $4, $5, "
        "$6, $7) ON CONFLICT DO NOTHING",
        {pipeline_, fleet, host, region, zone, version, num(t)});
  });
}

void PgJournal::event(std::int64_t runId, const EventRecord& e) {
  write([&] {
    store_.exec("INSERT INTO events(run_id, t, type, stage, step, message, detail) VALUES($1, $2, $3, $4, $5, $6, $7)",
                {num(runId), num(e.t), e.type, e.stage, e.step, e.message, e.detail});
  });
}

std::vector<EventRecord> PgJournal::events(std::optional<std::int64_t> runId) {
  auto r = runId ? store_.exec(
                       "SELECT id, run_id, t, type, stage, step, message, detail FROM events WHERE run_id = $1 "
                       "ORDER BY id",
                       {num(*runId)})
                 : store_.exec(
                       "SELECT id, run_id, t, type, stage, step, message, detail FROM events WHERE run_id IN "
                       "(SELECT id FROM runs WHERE pipeline = $1) ORDER BY id",
                       {pipeline_});
  std::vector<EventRecord> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.integer(i, 0), r.integer(i, 1), r.integer(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5),
                   r.text(i, 6), r.text(i, 7)});
  return out;
}

void PgJournal::command(std::int64_t runId, const CommandRecord& c) {
  write([&] {
    store_.exec(
        "INSERT INTO commands(run_id, t, step, action, command, hosts, result, exit_code, stdout, stderr) "
        "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {num(runId), num(c.t), c.step, c.action, c.command, c.hosts, c.result, num(c.exitCode), c.output, c.errors});
  });
}

std::vector<CommandRecord> PgJournal::commands(std::int64_t runId) {
  auto r = store_.exec(
      "SELECT t, step, action, command, hosts, result, stdout, stderr, exit_code FROM commands WHERE "
      "run_id = $1 ORDER BY id",
      {num(runId)});
  std::vector<CommandRecord> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5), r.text(i, 6),
                   r.text(i, 7), static_cast<int>(r.integer(i, 8))});
  return out;
}

void PgJournal::notification(std::int64_t runId, const NotificationRecord& n) {
  write([&] {
    store_.exec(
        "INSERT INTO notifications(run_id, t, target, channel, event, attempt, result) "
        "VALUES($1, $2, $3, $4, $5, $6, $7)",
        {num(runId), num(n.t), n.target, n.channel, n.event, num(n.attempt), n.result});
  });
}

std::vector<NotificationRecord> PgJournal::notifications(std::int64_t runId) {
  auto r =
      store_.exec("SELECT t, target, channel, event, result, attempt FROM notifications WHERE run_id = $1 ORDER BY id",
                  {num(runId)});
  std::vector<NotificationRecord> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(
        {r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), static_cast<int>(r.integer(i, 5))});
  return out;
}

void PgJournal::evaluation(std::int64_t runId, const EvaluationRecord& e) {
  write([&] {
    store_.exec(
        "INSERT INTO evaluations(run_id, t, scope, condition, metric, query, value, breach, error) "
        "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {num(runId), num(e.t), e.scope, e.condition, e.metric, e.query, real(e.value), flag(e.breach), e.error});
  });
}

std::vector<EvaluationRecord> PgJournal::evaluations(std::int64_t runId, int limit) {
  auto r = store_.exec(
      "SELECT t, scope, condition, metric, query, error, value, breach FROM evaluations WHERE "
      "run_id = $1 ORDER BY id DESC LIMIT $2",
      {num(runId), num(limit)});
  std::vector<EvaluationRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    EvaluationRecord e{r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3),
                       r.text(i, 4),    r.text(i, 5), std::nullopt, r.text(i, 7) == "t"};
    if (!r.isNull(i, 6)) e.value = r.real(i, 6);
    out.push_back(e);
  }
  return out;
}

std::int64_t PgJournal::callStarted(const CallRecord& c) {
  std::int64_t id = 0;
  write([&] {
    auto r = store_.exec(
        "INSERT INTO calls(run_id, step, action, hosts, pgid, start_ticks, started_at, timeout_s, machine) "
        "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        {num(c.runId), c.step, c.action, c.hosts, num(c.pgid), num(static_cast<std::int64_t>(c.startTicks)),
         num(c.startedAt), num(c.timeoutS), PgStore::machine()});
    id = r.integer(0, 0);
  });
  return id;
}

void PgJournal::callEnded(std::int64_t pgid, Instant t) {
  write([&] {
    store_.exec(
        "UPDATE calls SET ended_at = $1 WHERE pgid = $2 AND ended_at = 0 AND run_id IN (SELECT id FROM runs "
        "WHERE pipeline = $3)",
        {num(t), num(pgid), pipeline_});
  });
}

std::vector<CallRecord> PgJournal::openCalls() {
  auto r = store_.exec(
      "SELECT id, run_id, step, action, hosts, pgid, start_ticks, started_at, timeout_s, machine FROM calls "
      "WHERE ended_at = 0 AND run_id IN (SELECT id FROM runs WHERE pipeline = $1) ORDER BY id",
      {pipeline_});
  std::vector<CallRecord> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.integer(i, 0), r.integer(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.integer(i, 5),
                   static_cast<std::uint64_t>(r.integer(i, 6)), r.integer(i, 7), static_cast<int>(r.integer(i, 8)),
                   !r.text(i, 9).empty() && r.text(i, 9) != PgStore::machine()});
  return out;
}

std::int64_t PgJournal::addRequest(const RequestRecord& q) {
  auto r = store_.exec(
      "INSERT INTO requests(pipeline, run_id, kind, target, reason, who, stage, t) VALUES($1, $2, $3, "
      "$4, $5, $6, $7, $8) RETURNING id",
      {pipeline_, num(q.runId), q.kind, q.target, q.reason, q.who, q.stage, num(q.t)});
  return r.integer(0, 0);
}

std::vector<RequestRecord> PgJournal::requestsAfter(std::int64_t afterId) {
  auto r = store_.exec(
      "SELECT id, run_id, kind, target, reason, who, stage, t FROM requests WHERE id > $1 AND "
      "pipeline = $2 ORDER BY id",
      {num(afterId), pipeline_});
  std::vector<RequestRecord> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.integer(i, 0), r.integer(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5),
                   r.text(i, 6), r.integer(i, 7)});
  return out;
}

// ---------------------------------------------------------------------------
// The service's store

llvm::Expected<std::unique_ptr<PgServiceStore>> PgServiceStore::open(const std::string& conninfo) {
  auto store = PgStore::open(conninfo);
  if (!store) return store.takeError();
  return std::unique_ptr<PgServiceStore>(new PgServiceStore(std::move(*store)));
}

Journal& PgServiceStore::journal(const std::string& pipeline) {
  auto& slot = journals_[pipeline];
  if (!slot) slot = std::make_unique<PgJournal>(*store_, pipeline);
  return *slot;
}

std::vector<std::string> PgServiceStore::pipelinesWithRuns() {
  auto r = store_->exec("SELECT DISTINCT pipeline FROM runs ORDER BY pipeline");
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

void PgServiceStore::savePlan(const std::string& digest, const std::string& text) {
  store_->exec("INSERT INTO plans(digest, text) VALUES($1, $2) ON CONFLICT DO NOTHING", {digest, text});
}

std::optional<std::string> PgServiceStore::planText(const std::string& digest) {
  auto r = store_->exec("SELECT text FROM plans WHERE digest = $1", {digest});
  if (r.rows()) return r.text(0, 0);
  return std::nullopt;
}

std::vector<FeedEvent> PgServiceStore::eventsAfter(std::int64_t afterId, const std::string& pipeline, int limit) {
  auto r = store_->exec(
      "SELECT e.id, e.run_id, e.t, e.type, e.stage, e.step, e.message, e.detail, r.pipeline, "
      "r.version FROM events e JOIN runs r ON r.id = e.run_id WHERE e.id > $1 AND ($2 = '' OR "
      "r.pipeline = $2) ORDER BY e.id LIMIT $3",
      {num(afterId), pipeline, num(limit)});
  std::vector<FeedEvent> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 8),
                   r.text(i, 9),
                   {r.integer(i, 0), r.integer(i, 1), r.integer(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5),
                    r.text(i, 6), r.text(i, 7)}});
  return out;
}

std::int64_t PgServiceStore::latestEventId() {
  return store_->exec("SELECT COALESCE(MAX(id), 0) FROM events").integer(0, 0);
}

}  // namespace pipelang::runtime
