#include "plan/PlanReader.h"

#include "plan/BoundedJson.h"
#include "plan/NotifyRules.h"
#include "plan/PlanDigest.h"
#include "plan/Printable.h"
#include "plan/TimeZones.h"

#include <llvm/Support/MemoryBuffer.h>

#include <cmath>
#include <future>
#include <set>
#include <thread>

namespace pipelang::planformat {
namespace {

namespace json = llvm::json;

// Shape errors carry the JSON path so a hand-edited plan is easy to fix.
class ShapeError {
 public:
  explicit ShapeError(std::string origin) : origin_(std::move(origin)) {}
  llvm::Error at(const std::string& path, const std::string& what) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s: %s", origin_.c_str(), path.c_str(),
                                   what.c_str());
  }

 private:
  std::string origin_;
};

std::string str(const json::Object& o, llvm::StringRef key) {
  auto value = o.getString(key);
  return value ? value->str() : std::string();
}

std::vector<std::string> strings(const json::Object& o, llvm::StringRef key) {
  std::vector<std::string> out;
  if (const auto* list = o.getArray(key))
    for (const auto& item : *list)
      if (auto s = item.getAsString()) out.push_back(s->str());
  return out;
}

int integer(const json::Object& o, llvm::StringRef key, int fallback) {
  if (auto v = o.getInteger(key)) return static_cast<int>(*v);
  if (auto v = o.getNumber(key)) return static_cast<int>(std::llround(*v));
  return fallback;
}

std::int64_t integer64(const json::Object& o, llvm::StringRef key) {
  if (auto v = o.getInteger(key)) return *v;
  if (auto v = o.getNumber(key)) return std::llround(*v);
  return 0;
}

// pipec's figures, kept so a plan read and written again is the same text;
// piperun does not act on them, so only their shape is checked.
llvm::Expected<AnalysisFigures> analysisFromJson(const json::Object& o, const ShapeError& err) {
  AnalysisFigures figures;
  if (o.getNumber("time_to_global_s")) figures.timeToGlobalS = integer64(o, "time_to_global_s");
  if (auto days = o.getNumber("time_to_global_business_days")) figures.timeToGlobalBusinessDays = *days;
  figures.regionsInNoWave = strings(o, "regions_in_no_wave");
  figures.trafficInNoWave = o.getNumber("traffic_in_no_wave").getValueOr(0);
  figures.finalExposure = o.getNumber("final_exposure").getValueOr(0);
  figures.detectionS = integer64(o, "detection_s");
  figures.rollbackS = integer64(o, "rollback_s");
  figures.worstRecoveryS = integer64(o, "worst_recovery_s");
  figures.maxExposureBeforeWave2 = o.getNumber("max_exposure_before_wave2").getValueOr(0);
  if (const auto* exposure = o.getArray("exposure"))
    for (size_t i = 0; i < exposure->size(); ++i) {
      const auto* entry = (*exposure)[i].getAsObject();
      if (!entry) return err.at("analysis.exposure[" + std::to_string(i) + "]", "not an object");
      figures.exposure.push_back({str(*entry, "step"), entry->getNumber("global_traffic").getValueOr(0)});
    }
  if (const auto* schedule = o.getArray("schedule"))
    for (size_t i = 0; i < schedule->size(); ++i) {
      const auto* entry = (*schedule)[i].getAsObject();
      if (!entry) return err.at("analysis.schedule[" + std::to_string(i) + "]", "not an object");
      figures.schedule.push_back({str(*entry, "stage"), integer64(*entry, "start_s"), integer64(*entry, "end_s")});
    }
  if (const auto* value = o.get("throughput"); value && value->kind() != json::Value::Null) {
    const auto* throughput = value->getAsObject();
    if (!throughput) return err.at("analysis.throughput", "not an object");
    ThroughputFigures t;
    t.bottleneck = str(*throughput, "bottleneck");
    if (auto perWeek = throughput->getNumber("versions_per_week")) t.versionsPerWeek = *perWeek;
    if (throughput->getNumber("busy_time_to_global_s"))
      t.busyTimeToGlobalS = integer64(*throughput, "busy_time_to_global_s");
    if (const auto* occupancy = throughput->getArray("occupancy"))
      for (size_t i = 0; i < occupancy->size(); ++i) {
        const auto* entry = (*occupancy)[i].getAsObject();
        if (!entry) return err.at("analysis.throughput.occupancy[" + std::to_string(i) + "]", "not an object");
        t.occupancy.push_back({str(*entry, "stage"), integer64(*entry, "occupancy_s")});
      }
    figures.throughput = std::move(t);
  }
  return figures;
}

llvm::Expected<AlarmExpr> alarmFromJson(const json::Value& value, const std::string& path, const ShapeError& err) {
  const auto* o = value.getAsObject();
  if (!o) return err.at(path, "alarm expression is not an object");
  AlarmExpr expr;
  std::string op = str(*o, "op");
  if (op == "cond") {
    expr.op = AlarmExpr::Op::Cond;
    expr.metric = str(*o, "metric");
    expr.cmp = str(*o, "cmp");
    expr.value = o->getNumber("value").getValueOr(0);
    expr.m = integer(*o, "m", 1);
    expr.n = integer(*o, "n", 1);
    expr.periodS = integer(*o, "period_s", 60);
    static const char* cmps[] = {">", ">=", "<", "<=", "==", "!="};
    if (std::find(std::begin(cmps), std::end(cmps), expr.cmp) == std::end(cmps))
      return err.at(path, "unknown comparison '" + expr.cmp + "'");
    if (expr.m < 1 || expr.n < expr.m || expr.periodS < 1) return err.at(path, "needs 1 <= m <= n and period_s >= 1");
  } else if (op == "ref") {
    expr.op = AlarmExpr::Op::Ref;
    expr.name = str(*o, "alarm");
  } else if (op == "external") {
    expr.op = AlarmExpr::Op::External;
    expr.name = str(*o, "name");
  } else if (op == "or" || op == "and") {
    expr.op = op == "or" ? AlarmExpr::Op::Or : AlarmExpr::Op::And;
    const auto* args = o->getArray("args");
    if (!args || args->empty()) return err.at(path, "'" + op + "' needs args");
    for (size_t i = 0; i < args->size(); ++i) {
      auto arg = alarmFromJson((*args)[i], path + ".args[" + std::to_string(i) + "]", err);
      if (!arg) return arg.takeError();
      expr.args.push_back(std::move(*arg));
    }
  } else if (op == "not") {
    expr.op = AlarmExpr::Op::Not;
    const auto* arg = o->get("arg");
    if (!arg) return err.at(path, "'not' needs arg");
    auto inner = alarmFromJson(*arg, path + ".arg", err);
    if (!inner) return inner.takeError();
    expr.args.push_back(std::move(*inner));
  } else {
    return err.at(path, "unknown alarm op '" + op + "'");
  }
  return expr;
}

// The `notify` targets (plan-format.md "Notify"): the same rules as pipec's
// R115-R117, so a hand-edited plan cannot POST to file:// or run nothing.
llvm::Expected<std::vector<NotifyTarget>> notifyFromJson(const json::Value& value, const ShapeError& err) {
  const auto* list = value.getAsArray();
  if (!list) return err.at("notify", "not a list");
  std::vector<NotifyTarget> targets;
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string path = "notify[" + std::to_string(i) + "]";
    const auto* o = (*list)[i].getAsObject();
    if (!o) return err.at(path, "not an object");
    NotifyTarget target;
    target.name = str(*o, "name");
    if (target.name.empty() || hasControl(target.name)) return err.at(path + ".name", "missing or not printable");
    if (!names.insert(target.name).second) return err.at(path, "duplicate notify target '" + target.name + "'");
    target.events = strings(*o, "events");
    if (target.events.empty()) return err.at(path + ".events", "missing or empty");
    for (const auto& event : target.events)
      if (!isNotifyEvent(event)) return err.at(path + ".events", "unknown event '" + printable(event) + "'");
    target.blockedAfterS = integer(*o, "blocked_after_s", kDefaultBlockedAfterS);
    if (target.blockedAfterS < 1) return err.at(path + ".blocked_after_s", "must be at least 1");
    target.webhook = str(*o, "webhook");
    target.run = str(*o, "run");
    if (!target.webhook.empty() && !isWebhookUrl(target.webhook))
      return err.at(path + ".webhook", "'" + printable(target.webhook) + "' is not an http:// or https:// URL");
    if (o->get("run") && o->get("run")->kind() != json::Value::Null && !hasCommand(target.run))
      return err.at(path + ".run", "an empty command");
    if (target.webhook.empty() && target.run.empty()) return err.at(path, "neither webhook nor run");
    targets.push_back(std::move(target));
  }
  return targets;
}

llvm::Error checkRefs(const Plan& plan, const AlarmExpr& expr, const std::string& path, const ShapeError& err) {
  if (expr.op == AlarmExpr::Op::Ref && !plan.alarms.count(expr.name))
    return err.at(path, "reference to unknown alarm '" + expr.name + "'");
  if (expr.op == AlarmExpr::Op::Cond && !plan.metrics.count(expr.metric))
    return err.at(path, "condition on unknown metric '" + expr.metric + "'");
  for (const auto& arg : expr.args)
    if (auto e = checkRefs(plan, arg, path, err)) return e;
  return llvm::Error::success();
}

// The document's fields after its digest, into `plan` (parsePlan's shape checks).
llvm::Error convert(const json::Object* root, Plan& plan, const ShapeError& err);

}  // namespace

struct DigestCheck::State {
  std::string origin, said;              // the plan's name in errors, the digest it says
  std::shared_future<std::string> hash;  // what its content hashes to
  std::promise<void> released;           // the conversion no longer reads the document
  bool releasedSet = false;
  std::thread thread;

  void release() {
    if (!releasedSet) released.set_value();
    releasedSet = true;
  }
};

DigestCheck::DigestCheck() = default;

DigestCheck::~DigestCheck() {
  if (!state_) return;
  state_->release();
  if (state_->thread.joinable()) state_->thread.join();
}

llvm::Error DigestCheck::wait() {
  if (!state_ || !state_->hash.valid()) return llvm::Error::success();
  const std::string& expected = state_->hash.get();
  if (state_->said == expected) return llvm::Error::success();
  return ShapeError(state_->origin)
      .at("digest", "digest mismatch: the plan says " + (state_->said.empty() ? "nothing" : state_->said) +
                        " but its content hashes to " + expected + " (edited or truncated after pipec wrote it?)");
}

llvm::Expected<Plan> parsePlan(const std::string& text, const std::string& origin) {
  DigestCheck check;
  auto plan = parsePlan(text, origin, check);
  if (!plan) return plan.takeError();
  if (auto error = check.wait()) return error;
  return plan;
}

llvm::Expected<Plan> parsePlan(const std::string& text, const std::string& origin, DigestCheck& check) {
  ShapeError err(origin);
  auto parsed = parseBoundedJson(text);
  if (!parsed) return err.at("plan", "not valid JSON: " + llvm::toString(parsed.takeError()));
  const auto* root = parsed->getAsObject();
  if (!root) return err.at("plan", "not a JSON object");

  Plan plan;
  plan.text = text;
  plan.schema = str(*root, "schema");
  llvm::StringRef schema(plan.schema);
  if (!schema.startswith("pipe.plan/v"))
    return err.at("schema", "'" + plan.schema + "' is not a pipe plan (expected pipe.plan/v1)");
  llvm::StringRef major = schema.drop_front(strlen("pipe.plan/v")).split('.').first;
  if (major != "1")
    return err.at("schema", "plan schema '" + plan.schema +
                                "' has a major version this piperun does not know (it reads pipe.plan/v1)");

  plan.digest = str(*root, "digest");
  // The digest is hashed beside the conversion (on a second thread for a
  // large plan), and its error, if any, wins over the conversion's.
  check.state_ = std::make_unique<DigestCheck::State>();
  DigestCheck::State& state = *check.state_;
  state.origin = origin;
  state.said = plan.digest;
  auto document = std::make_shared<json::Value>(std::move(*parsed));
  root = document->getAsObject();
  if (text.size() < kDigestThreadFrom) {
    std::promise<std::string> hashed;
    hashed.set_value(computeDigest(*document));
    state.hash = hashed.get_future().share();
    state.releasedSet = true;
  } else {
    std::promise<std::string> hashed;
    state.hash = hashed.get_future().share();
    state.thread =
        std::thread([document, hashed = std::move(hashed), released = state.released.get_future()]() mutable {
          try {
            hashed.set_value(computeDigest(*document));
          } catch (...) {
            hashed.set_exception(std::current_exception());
          }
          released.wait();
          document.reset();  // freed here, off the caller's path
        });
  }
  llvm::Error shape = convert(root, plan, err);
  root = nullptr;
  document.reset();
  state.release();
  if (shape) {
    if (auto digest = check.wait()) {
      llvm::consumeError(std::move(shape));
      return digest;
    }
    return shape;
  }
  return plan;
}

namespace {

llvm::Error convert(const json::Object* root, Plan& plan, const ShapeError& err) {
  plan.pipeline = str(*root, "pipeline");
  if (plan.pipeline.empty()) return err.at("pipeline", "missing");
  plan.artifact = str(*root, "artifact");
  plan.kind = str(*root, "kind");
  if (const auto* mode = root->get("execution_mode")) {
    auto name = mode->getAsString();
    if (!name) return err.at("execution_mode", "must be a string, superseded or queued");
    if (*name != "superseded" && *name != "queued")
      return err.at("execution_mode", "unknown execution mode '" + printable(*name) + "' (superseded or queued)");
    plan.executionMode = name->str();
  }
  plan.policy = str(*root, "policy");
  if (auto url = root->getString("prometheus_url")) plan.prometheusUrl = url->str();
  if (const auto* url = root->get("alertmanager_url")) {
    auto text = url->getAsString();
    if (!text) return err.at("alertmanager_url", "must be a string (a URL)");
    plan.alertmanagerUrl = text->str();
  }

  if (const auto* topology = root->getObject("topology")) {
    plan.topologyName = str(*topology, "name");
    if (const auto* regions = topology->getArray("regions"))
      for (const auto& r : *regions) {
        const auto* ro = r.getAsObject();
        if (!ro) return err.at("topology.regions", "region is not an object");
        RegionTopology region{str(*ro, "id"), ro->getNumber("traffic").getValueOr(0), {}};
        if (const auto* zones = ro->getArray("zones"))
          for (const auto& z : *zones)
            if (const auto* zo = z.getAsObject()) region.zones.push_back({str(*zo, "id"), integer(*zo, "hosts", 0)});
        plan.regions.push_back(std::move(region));
      }
  }

  const auto* deploy = root->getObject("deploy");
  if (!deploy) return err.at("deploy", "missing");
  plan.deploy.run = str(*deploy, "run");
  plan.deploy.rollback = str(*deploy, "rollback");
  if (plan.deploy.rollback.empty()) plan.deploy.rollback = plan.deploy.run;
  plan.deploy.timeoutS = integer(*deploy, "timeout_s", 600);
  plan.deploy.expectedS = integer(*deploy, "expected_s", 300);
  plan.deploy.rollbackTimeS = integer(*deploy, "rollback_time_s", 120);
  plan.deploy.rollbackBatch = deploy->getNumber("rollback_batch").getValueOr(1.0);
  if (plan.deploy.rollbackBatch <= 0 || plan.deploy.rollbackBatch > 1)
    return err.at("deploy.rollback_batch", "must be a fraction in (0, 1]");

  if (const auto* metrics = root->getObject("metrics"))
    for (const auto& [name, value] : *metrics) {
      const auto* mo = value.getAsObject();
      if (!mo) return err.at("metrics." + name.str(), "not an object");
      plan.metrics[name.str()] = {name.str(), str(*mo, "source"), str(*mo, "query"), str(*mo, "unit")};
    }
  if (const auto* alarms = root->getObject("alarms"))
    for (const auto& [name, value] : *alarms) {
      auto expr = alarmFromJson(value, "alarms." + name.str(), err);
      if (!expr) return expr.takeError();
      plan.alarms[name.str()] = std::move(*expr);
    }
  if (const auto* rollbackOn = root->get("rollback_on"); rollbackOn && rollbackOn->kind() != json::Value::Null) {
    auto expr = alarmFromJson(*rollbackOn, "rollback_on", err);
    if (!expr) return expr.takeError();
    plan.rollbackOn = std::move(*expr);
    plan.hasRollbackOn = true;
  }
  plan.blockOn = strings(*root, "block_on");
  for (const auto& [name, expr] : plan.alarms)
    if (auto e = checkRefs(plan, expr, "alarms." + name, err)) return e;
  if (plan.hasRollbackOn)
    if (auto e = checkRefs(plan, plan.rollbackOn, "rollback_on", err)) return e;
  for (const auto& name : plan.blockOn)
    if (!plan.alarms.count(name)) return err.at("block_on", "unknown alarm '" + name + "'");

  if (const auto* windows = root->get("windows"); windows && windows->kind() != json::Value::Null) {
    auto spec = windowSpecFromJson(*windows);
    if (!spec) return err.at("windows", llvm::toString(spec.takeError()));
    // Never walk a mistyped zone in UTC, nor set TZ from a path.
    if (!isKnownTimeZone(spec->timezone))
      return err.at("windows.timezone",
                    "unknown time zone '" + spec->timezone + "': not in the system's time-zone database");
    plan.windows = std::move(*spec);
  }
  if (const auto* emergency = root->getObject("emergency")) {
    EmergencySpec spec;
    spec.approvers = strings(*emergency, "approvers");
    spec.bake = emergency->getNumber("bake").getValueOr(0.25);
    spec.minBakeS = integer(*emergency, "min_bake_s", 900);
    if (spec.minBakeS < 1) return err.at("emergency.min_bake_s", "must be at least 1: a bake is never zero");
    plan.emergency = std::move(spec);
  }

  if (const auto* notify = root->get("notify"); notify && notify->kind() != json::Value::Null) {
    auto targets = notifyFromJson(*notify, err);
    if (!targets) return targets.takeError();
    plan.notify = std::move(*targets);
  }

  const auto* stages = root->getArray("stages");
  if (!stages || stages->empty()) return err.at("stages", "missing or empty");
  for (size_t i = 0; i < stages->size(); ++i) {
    const auto* so = (*stages)[i].getAsObject();
    std::string path = "stages[" + std::to_string(i) + "]";
    if (!so) return err.at(path, "not an object");
    Stage stage{str(*so, "id"), str(*so, "kind"), strings(*so, "regions"), integer(*so, "bake_s", 0), {}, {}};
    if (const auto* mt = so->getObject("min_traffic"))
      stage.minTraffic = MinTraffic{str(*mt, "metric"), str(*mt, "cmp"), mt->getNumber("value").getValueOr(0)};
    if (stage.minTraffic && !plan.metrics.count(stage.minTraffic->metric))
      return err.at(path + ".min_traffic", "unknown metric '" + stage.minTraffic->metric + "'");
    if (const auto* tests = so->getArray("tests"))
      for (const auto& t : *tests)
        if (const auto* to = t.getAsObject())
          stage.tests.push_back({str(*to, "name"), str(*to, "run"), integer(*to, "timeout_s", 0)});
    // One id, one stage: a second `wave1` would be run as well, or never finish.
    if (plan.stage(stage.id)) return err.at(path, "duplicate stage id '" + stage.id + "'");
    plan.stages.push_back(std::move(stage));
  }

  const auto* steps = root->getArray("steps");
  if (!steps || steps->empty()) return err.at("steps", "missing or empty");
  std::set<std::string> ids;
  for (size_t i = 0; i < steps->size(); ++i) {
    const auto* so = (*steps)[i].getAsObject();
    std::string path = "steps[" + std::to_string(i) + "]";
    if (!so) return err.at(path, "not an object");
    Step step;
    step.id = str(*so, "id");
    step.stage = str(*so, "stage");
    step.type = str(*so, "type");
    step.region = str(*so, "region");
    step.zone = str(*so, "zone");
    step.hosts = strings(*so, "hosts");
    if (auto traffic = so->getNumber("traffic")) step.traffic = *traffic;
    if (so->get("bake_s") && so->get("bake_s")->kind() != json::Value::Null) step.bakeS = integer(*so, "bake_s", 0);
    step.after = strings(*so, "after");
    step.run = str(*so, "run");
    step.timeoutS = integer(*so, "timeout_s", 0);
    static const char* types[] = {"onebox", "batch", "canary", "test", "bake", "approval"};
    if (std::find(std::begin(types), std::end(types), step.type) == std::end(types))
      return err.at(path, "unknown step type '" + step.type + "'");
    if (!plan.stage(step.stage)) return err.at(path, "step '" + step.id + "' names unknown stage '" + step.stage + "'");
    if (!ids.insert(step.id).second) return err.at(path, "duplicate step id '" + step.id + "'");
    plan.steps.push_back(std::move(step));
  }
  for (const auto& step : plan.steps)
    for (const auto& dep : step.after)
      if (!ids.count(dep)) return err.at("steps", "step '" + step.id + "' comes after unknown step '" + dep + "'");
  if (const auto* analysis = root->get("analysis"); analysis && analysis->kind() != json::Value::Null) {
    const auto* object = analysis->getAsObject();
    if (!object) return err.at("analysis", "not an object");
    auto figures = analysisFromJson(*object, err);
    if (!figures) return figures.takeError();
    plan.analysis = std::move(*figures);
  }
  return llvm::Error::success();
}

}  // namespace

llvm::Expected<Plan> readPlanFile(const std::string& path) {
  DigestCheck check;
  auto plan = readPlanFile(path, check);
  if (!plan) return plan.takeError();
  if (auto error = check.wait()) return error;
  return plan;
}

llvm::Expected<Plan> readPlanFile(const std::string& path, DigestCheck& check) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(buffer.getError(), "cannot read plan %s: %s", path.c_str(),
                                   buffer.getError().message().c_str());
  return parsePlan((*buffer)->getBuffer().str(), path, check);
}

}  // namespace pipelang::planformat
