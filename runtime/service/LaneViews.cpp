// The API's views of one pipeline (shapes in ServiceApi.h, contract in
// docs/openapi.yaml): built from the engines' views and the journal.
#include "runtime/service/PipelineLane.h"

#include "compiler/plan/WindowCalendar.h"
#include "runtime/engine/TimeText.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace pipelang::runtime::service {
namespace json = llvm::json;

std::string rfc3339(Instant t) {
  std::time_t time = static_cast<std::time_t>(t);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

namespace {

json::Value orNull(const std::string& text) {
  return text.empty() ? json::Value(nullptr) : json::Value(text);
}

json::Value timeOrNull(Instant t) {
  return t > 0 ? json::Value(rfc3339(t)) : json::Value(nullptr);
}

// Where a version is: its active stage, else the stage it waits at.
const EngineView::StageView* whereIs(const EngineView& view) {
  const EngineView::StageView* waiting = nullptr;
  for (const auto& stage : view.stages) {
    if (stage.state == "active") return &stage;
    if (stage.state == "waiting" && !waiting) waiting = &stage;
  }
  return waiting;
}

void waitOf(const EngineView& view, std::string& waitingFor, std::string& why) {
  if (const auto* stage = whereIs(view); stage && stage->state == "waiting") {
    waitingFor = stage->waitingFor;
    why = stage->why;
    return;
  }
  if (view.waitingForApproval) {
    waitingFor = "approval";
    why = "waiting for approval";
    return;
  }
  for (const auto& bake : view.bakes)
    if (!bake.extended.empty()) {
      waitingFor = "bake_extended";
      why = "bake extended: " + bake.extended;
      return;
    }
}

// How far a run has got against its plan's analysis (docs/service.md, "Time
// to global and exposure so far"): the plan's worst-case exposure after the
// furthest step reached (a fraction of global traffic), and the time since
// the run started beside the plan's time to global. A step is reached when
// done, or while it bakes (a one-box's own bake: its host already serves the
// version). Null figures: the plan has no analysis, or never reaches global.
json::Object progressJson(const Plan& plan, const RunRecord& run, const std::map<std::string, StepRecord>& steps,
                          const EngineView& view, Instant now) {
  int done = 0;
  for (const auto& [id, step] : steps) done += step.state == "done";
  json::Value exposure = nullptr, toGlobal = nullptr;
  if (plan.analysis) {
    double reached = 0;
    for (const auto& figure : plan.analysis->exposure) {
      auto step = steps.find(figure.step);
      bool baking = std::any_of(view.bakes.begin(), view.bakes.end(),
                                [&](const EngineView::BakeView& bake) { return bake.step == figure.step; });
      if ((step != steps.end() && step->second.state == "done") || baking)
        reached = std::max(reached, figure.globalTraffic);
    }
    exposure = reached;
    if (plan.analysis->timeToGlobalS) toGlobal = *plan.analysis->timeToGlobalS;
  }
  Instant end = run.finishedAt > 0 ? run.finishedAt : now;
  std::int64_t elapsed = run.startedAt > 0 ? std::max<std::int64_t>(0, end - run.startedAt) : 0;
  return json::Object{{"elapsed_s", elapsed},
                      {"time_to_global_s", std::move(toGlobal)},
                      {"exposure", std::move(exposure)},
                      {"steps_done", done},
                      {"steps", static_cast<std::int64_t>(plan.steps.size())}};
}

constexpr size_t kTimelineLines = 5000;  // the newest lines of one answer
constexpr size_t kRecentRuns = 5;        // ended runs the pipeline view names

}  // namespace

json::Object PipelineLane::versionJson(const Slot& slot, Instant now) const {
  const RunRecord& run = slot.engine->run();
  EngineView view = slot.engine->view();
  const auto* where = whereIs(view);
  std::string waitingFor, why;
  waitOf(view, waitingFor, why);
  json::Array bakes;
  for (const auto& bake : view.bakes)
    bakes.push_back(json::Object{{"step", bake.step},
                                 {"required_s", bake.requiredS},
                                 {"elapsed_s", bake.elapsedS},
                                 {"left_s", std::max(0, bake.requiredS - bake.elapsedS)}});
  return json::Object{{"run_id", run.id},
                      {"version", run.version},
                      {"previous", orNull(run.previous)},
                      {"status", run.status},
                      {"digest", run.planDigest},
                      {"stage", where ? json::Value(where->id) : json::Value(nullptr)},
                      {"step", view.runningSteps.empty() ? json::Value(nullptr) : json::Value(view.runningSteps[0])},
                      {"submitted_at", rfc3339(run.submittedAt)},
                      {"started_at", timeOrNull(run.startedAt)},
                      {"finished_at", timeOrNull(run.finishedAt)},
                      {"submitted_by", run.submittedBy},
                      {"reason", orNull(run.reason)},
                      {"waiting_for", orNull(waitingFor)},
                      {"why", orNull(why)},
                      {"message", orNull(run.message)},
                      {"bakes", std::move(bakes)},
                      {"progress", progressJson(*slot.plan, run, journal_.steps(run.id), view, now)}};
}

json::Object PipelineLane::summary(const Plan* current) {
  json::Array versions;
  std::string attention;
  for (const auto& [id, slot] : slots_) {
    EngineView view = slot.engine->view();
    const auto* where = whereIs(view);
    std::string waitingFor, why;
    waitOf(view, waitingFor, why);
    if (!waitingFor.empty() && waitingFor != "previous_version" && attention.empty()) attention = "blocked";
    versions.push_back(json::Object{{"run_id", id},
                                    {"version", slot.engine->run().version},
                                    {"status", slot.engine->run().status},
                                    {"stage", where ? json::Value(where->id) : json::Value(nullptr)},
                                    {"waiting_for", orNull(waitingFor)},
                                    {"why", orNull(why)}});
  }
  json::Value last = nullptr;
  auto runs = journal_.runs();
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->status != "deployed" && it->status != "rolled_back" && it->status != "failed") continue;
    last = json::Object{{"version", it->version}, {"status", it->status}, {"finished_at", rfc3339(it->finishedAt)}};
    if (it->status != "deployed") attention = it->status;  // a rollback or failure outranks a wait
    break;
  }
  return json::Object{{"name", name_},
                      {"digest", current ? json::Value(current->digest) : json::Value(nullptr)},
                      {"execution_mode", current ? current->executionMode : std::string("superseded")},
                      {"versions", std::move(versions)},
                      {"last_outcome", std::move(last)},
                      {"attention", orNull(attention)}};
}

json::Object PipelineLane::detail(const Plan* current, Instant now) {
  const Plan* plan = current ? current : (slots_.empty() ? nullptr : slots_.begin()->second.plan.get());
  json::Array stages;
  if (plan)
    for (const auto& stage : plan->stages) {
      json::Object o{{"id", stage.id},
                     {"kind", stage.kind},
                     {"regions", json::Array(llvm::ArrayRef<std::string>(stage.regions))},
                     {"run_id", nullptr},
                     {"version", nullptr},
                     {"state", "idle"},
                     {"waiting_for", nullptr},
                     {"why", nullptr}};
      // The version in the stage, else the oldest one waiting at its gate.
      for (int pass = 0; pass < 2; ++pass)
        for (const auto& [id, slot] : slots_) {
          if (o["version"].kind() != json::Value::Null) break;
          for (const auto& view : slot.engine->view().stages) {
            if (view.id != stage.id || view.state != (pass == 0 ? "active" : "waiting")) continue;
            o["run_id"] = id;
            o["version"] = slot.engine->run().version;
            o["state"] = view.state;
            if (pass == 1) {
              o["waiting_for"] = view.waitingFor;
              o["why"] = view.why;
            }
          }
        }
      stages.push_back(std::move(o));
    }
  json::Array versions;
  for (const auto& [id, slot] : slots_) versions.push_back(versionJson(slot, now));
  json::Array hosts;
  for (const auto& host : journal_.hosts())
    hosts.push_back(json::Object{{"fleet", host.fleet},
                                 {"region", host.region},
                                 {"zone", host.zone},
                                 {"host", host.host},
                                 {"version", orNull(host.version)},
                                 {"pending_version", orNull(host.pendingVersion)}});
  json::Array alarms;
  for (const auto& [id, slot] : slots_) {
    std::map<std::string, bool> seen;  // scope|condition: the latest datapoint only
    for (const auto& e : journal_.evaluations(id, 200)) {
      if (!seen.emplace(e.scope + "|" + e.condition, true).second) continue;
      alarms.push_back(json::Object{{"run_id", id},
                                    {"scope", e.scope},
                                    {"condition", e.condition},
                                    {"value", e.value ? json::Value(*e.value) : json::Value(nullptr)},
                                    {"breach", e.breach},
                                    {"t", rfc3339(e.t)},
                                    {"error", orNull(e.error)}});
    }
  }
  json::Value windows = nullptr;
  if (plan && plan->windows) {
    planformat::WindowCalendar calendar(*plan->windows);
    bool open = calendar.allowsStart(now);
    auto next = open ? std::optional<std::int64_t>{} : calendar.nextAllowedStart(now);
    windows = json::Object{{"timezone", plan->windows->timezone},
                           {"open", open},
                           {"next_open", next ? json::Value(rfc3339(*next)) : json::Value(nullptr)}};
  }
  json::Array blockers;
  if (plan)
    for (const auto& name : plan->blockOn) {
      json::Value firing = nullptr;
      auto alarm = plan->alarms.find(name);
      if (alarm != plan->alarms.end() && alarm->second.op == AlarmExpr::Op::External) {
        if (auto state = parts_.externalsFor(*plan).firing(alarm->second.name, now)) firing = *state;
      }
      for (const auto& [id, slot] : slots_)
        for (const auto& view : slot.engine->view().stages)
          if (view.state == "waiting" && view.waitingFor == name) firing = true;
      blockers.push_back(json::Object{{"name", name}, {"firing", std::move(firing)}});
    }
  json::Value analysis = nullptr;
  if (plan && plan->analysis)
    analysis =
        json::Object{{"time_to_global_s", plan->analysis->timeToGlobalS ? json::Value(*plan->analysis->timeToGlobalS)
                                                                        : json::Value(nullptr)},
                     {"final_exposure", plan->analysis->finalExposure}};
  // The newest ended runs, so that their timelines stay at hand once they leave `versions`.
  json::Array recent;
  auto runs = journal_.runs();
  for (auto it = runs.rbegin(); it != runs.rend() && recent.size() < kRecentRuns; ++it) {
    if (slots_.count(it->id) || it->status == "queued") continue;
    recent.push_back(json::Object{{"run_id", it->id},
                                  {"version", it->version},
                                  {"status", it->status},
                                  {"finished_at", timeOrNull(it->finishedAt)}});
  }
  json::Object out = summary(current);
  json::Object detail{{"name", name_},
                      {"digest", out["digest"]},
                      {"execution_mode", out["execution_mode"]},
                      {"stages", std::move(stages)},
                      {"versions", std::move(versions)},
                      {"hosts", std::move(hosts)},
                      {"alarms", std::move(alarms)},
                      {"windows", std::move(windows)},
                      {"blockers", std::move(blockers)},
                      {"analysis", std::move(analysis)},
                      {"recent_runs", std::move(recent)}};
  return detail;
}

json::Array PipelineLane::notificationsAfter(std::int64_t afterId, int limit) {
  // An attempt's id: its run's id times kAttemptsPerRun plus its place among the run's attempts
  // (1-based), so ids are stable and ordered run by run.
  constexpr std::int64_t kAttemptsPerRun = 1'000'000;
  json::Array out;
  for (const RunRecord& run : journal_.runs()) {
    if ((run.id + 1) * kAttemptsPerRun <= afterId) continue;
    std::int64_t place = 0;
    for (const NotificationRecord& n : journal_.notifications(run.id)) {
      std::int64_t id = run.id * kAttemptsPerRun + ++place;
      if (id <= afterId) continue;
      if (out.size() >= static_cast<size_t>(limit)) return out;
      out.push_back(json::Object{{"id", id},
                                 {"run_id", run.id},
                                 {"version", run.version},
                                 {"t", rfc3339(n.t)},
                                 {"target", n.target},
                                 {"channel", n.channel},
                                 {"event", n.event},
                                 {"attempt", n.attempt},
                                 {"result", n.result}});
    }
  }
  return out;
}

ApiOutcome PipelineLane::timeline(
    const TimelineRequest& request,
    const std::function<std::shared_ptr<const Plan>(const std::string& digest)>& planFor) {
  std::optional<RunRecord> run;
  if (request.runId > 0) {
    run = journal_.run(request.runId);
    if (!run) return apiError(404, fmt::format("{} has no run {}", name_, request.runId));
  } else {
    auto runs = journal_.runs();
    for (auto it = runs.rbegin(); it != runs.rend() && !run; ++it)
      if (it->version == request.version) run = *it;
    if (!run) return apiError(404, "no run of version " + request.version + " in " + name_);
  }
  // The clock `piperun run` would have printed with: the plan's window zone and precision.
  std::optional<planformat::WindowCalendar> calendar;
  ClockPrecision precision = ClockPrecision::Minutes;
  if (auto plan = planFor(run->planDigest)) {
    if (plan->windows) calendar.emplace(*plan->windows);
    precision = clockPrecisionFor(*plan);
  }
  std::vector<EventRecord> events = journal_.events(run->id);
  size_t omitted = events.size() > kTimelineLines ? events.size() - kTimelineLines : 0;
  json::Array lines;
  for (size_t i = omitted; i < events.size(); ++i)
    lines.push_back(timelineLine(calendar, precision, events[i].t, events[i].stage, events[i].step, events[i].message));
  return {200, json::Object{{"pipeline", name_},
                            {"run_id", run->id},
                            {"version", run->version},
                            {"previous", orNull(run->previous)},
                            {"status", run->status},
                            {"timezone", calendar && !calendar->spec().timezone.empty() ? calendar->spec().timezone
                                                                                        : std::string("UTC")},
                            {"precision", precision == ClockPrecision::Seconds ? "seconds" : "minutes"},
                            {"omitted", static_cast<std::int64_t>(omitted)},
                            {"lines", std::move(lines)}}};
}

}  // namespace pipelang::runtime::service
