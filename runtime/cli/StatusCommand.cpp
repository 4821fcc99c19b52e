// `status` and `log`: read-only views of the state DB.
#include "runtime/cli/Commands.h"
#include "runtime/cli/RunOptions.h"
#include "runtime/engine/TimeText.h"
#include "runtime/journal/Journal.h"
#include "runtime/journal/RunnerProbe.h"
#include "runtime/plan/OperatorHints.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/text/JsonText.h"
#include "runtime/text/MetricValue.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <ctime>

namespace pipelang::runtime::cli {
namespace {

namespace json = llvm::json;

struct Opened {
  std::unique_ptr<Journal> journal;
  std::optional<Plan> plan;
  std::string path;
};

llvm::Expected<Opened> openState(const std::string& state) {
  Opened opened;
  opened.path = defaultStatePath(state, "");
  if (opened.path.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no state DB: give --state DB (none or several in .piperun/)");
  if (!llvm::sys::fs::exists(opened.path))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "state DB %s does not exist", opened.path.c_str());
  auto journal = Journal::open(opened.path, /*durable=*/true);
  if (!journal) return journal.takeError();
  opened.journal = std::move(*journal);
  if (auto text = opened.journal->meta("plan")) {
    auto plan = parsePlan(*text, opened.path + " (stored plan)");
    if (!plan) return plan.takeError();
    opened.plan = std::move(*plan);
  }
  return opened;
}

int fail(const std::string& message) {
  llvm::errs() << "piperun: " << message << "\n";
  return kRuntimeError;
}

}  // namespace

int statusCommand(const std::string& state, bool asJson) {
  auto opened = openState(state);
  if (!opened) return fail(llvm::toString(opened.takeError()));
  Journal& journal = *opened->journal;
  std::optional<planformat::WindowCalendar> calendar;
  if (opened->plan && opened->plan->windows) calendar.emplace(*opened->plan->windows);
  Instant now = static_cast<Instant>(std::time(nullptr));
  auto run = journal.activeRun();
  if (!run) run = journal.latestRun();
  std::string knownGood = journal.meta("known_good").value_or("");

  std::map<std::string, std::string> stages;
  std::map<std::string, StepRecord> steps;
  std::map<std::string, BakeRecord> bakes;
  std::vector<EventRecord> events;
  if (run) {
    stages = journal.stageStates(run->id);
    steps = journal.steps(run->id);
    bakes = journal.bakes(run->id);
    events = journal.events(run->id);
  }
  std::map<std::string, std::string> waiting;  // stage, or an extended bake's step -> latest reason
  for (const auto& e : events) {
    if (e.type == "stage_waiting") waiting[e.stage] = e.message;
    if (e.type == "bake_extended") waiting[e.step] = e.message;
  }
  // A run in flight with no live runner is not progressing, whatever its bake says.
  bool orphaned = run && (run->status == "running" || run->status == "rolling_back") && !liveRunnerHolds(opened->path);
  const char* kOrphaned = "no live runner holds the DB; run `piperun resume`";
  std::map<std::string, int> versions;
  int moving = 0;
  for (const auto& host : journal.hosts()) {
    ++versions[host.version];
    if (!host.pendingVersion.empty()) ++moving;
  }
  // Live alarms: per scope and condition, its newest breaching (or failed)
  // datapoint of the last 10 minutes and how many there were, newest first.
  struct LiveAlarm {
    EvaluationRecord newest;
    int datapoints = 0;
  };
  std::vector<LiveAlarm> alarms;
  if (run && (run->status == "running" || run->status == "rolling_back")) {
    std::map<std::pair<std::string, std::string>, size_t> seen;
    for (const auto& e : journal.evaluations(run->id, 200)) {  // newest first
      if (!(e.breach || !e.error.empty()) || now - e.t >= 600) continue;
      auto [it, inserted] = seen.emplace(std::make_pair(e.scope, e.condition), alarms.size());
      if (inserted) alarms.push_back({e, 0});
      ++alarms[it->second].datapoints;
    }
  }
  auto valueText = [&](const EvaluationRecord& e) {
    const planformat::MetricDef* metric = nullptr;
    if (opened->plan)
      if (auto found = opened->plan->metrics.find(e.metric); found != opened->plan->metrics.end())
        metric = &found->second;
    return formatMetricValue(metric ? metric->unit : "", *e.value);
  };
  std::string window = "always open (no windows)";
  if (calendar) {
    window = calendar->allowsStart(now) ? "open (" + calendar->explain(now) + ")"
                                        : "closed (" + calendar->explain(now) + ")";
    if (!calendar->allowsStart(now))
      if (auto next = calendar->nextAllowedStart(now)) window += ", opens " + formatLocal(calendar, *next);
  }

  if (asJson) {
    json::Array stageArray, stepArray, hostArray, alarmArray;
    if (opened->plan)
      for (const auto& stage : opened->plan->stages) {
        json::Object o{{"id", stage.id}, {"state", stages.count(stage.id) ? stages[stage.id] : "pending"}};
        if (waiting.count(stage.id) && stages[stage.id] == "waiting") {
          o["waiting"] = waiting[stage.id];
          std::string hint = waitHint(*opened->plan, waiting[stage.id], opened->path);
          if (!hint.empty()) o["command"] = hint;
        }
        stageArray.push_back(std::move(o));
      }
    for (const auto& [id, step] : steps) {
      json::Object o{{"id", id}, {"state", step.state}, {"result", step.result}};
      if (bakes.count(id) && step.state == "started") {
        o["bake_left_s"] = std::max(0, bakes[id].requiredS - bakes[id].elapsedS);
        if (bakes[id].elapsedS >= bakes[id].requiredS && waiting.count(id)) o["waiting"] = waiting[id];
      }
      stepArray.push_back(std::move(o));
    }
    for (const auto& host : journal.hosts())
      hostArray.push_back(json::Object{
          {"fleet", host.fleet},
          {"host", host.host},
          {"region", host.region},
          {"zone", host.zone},
          {"version", host.version},
          {"moving_to", host.pendingVersion.empty() ? json::Value(nullptr) : json::Value(host.pendingVersion)}});
    for (const auto& [a, datapoints] : alarms)
      alarmArray.push_back(json::Object{{"t", a.t},
                                        {"scope", a.scope},
                                        {"condition", a.condition},
                                        {"value", a.value ? json::Value(*a.value) : json::Value(nullptr)},
                                        {"error", a.error},
                                        {"datapoints", datapoints}});
    json::Object o{{"pipeline", journal.meta("pipeline").value_or("")},
                   {"plan_digest", journal.meta("plan_digest").value_or("")},
                   {"known_good", knownGood},
                   {"window", window},
                   {"stages", std::move(stageArray)},
                   {"steps", std::move(stepArray)},
                   {"hosts", std::move(hostArray)},
                   {"alarms", std::move(alarmArray)}};
    if (run)
      o["run"] = json::Object{{"id", run->id},
                              {"version", run->version},
                              {"previous", run->previous},
                              {"status", run->status},
                              {"emergency", run->emergency},
                              {"trigger", run->trigger},
                              {"stage", run->stage},
                              {"step", run->step},
                              {"message", run->message},
                              {"started_by", loadRunOptions(journal, run->id).by}};
    if (orphaned) o["runner"] = kOrphaned;
    llvm::outs() << jsonText(json::Value(std::move(o))) << "\n";
    return kDeployed;
  }

  llvm::outs() << fmt::format("pipeline {}   plan {}   known-good {}\n", journal.meta("pipeline").value_or("?"),
                              journal.meta("plan_digest").value_or("?").substr(0, 19),
                              knownGood.empty() ? "(none yet)" : printable(knownGood));
  if (!run) {
    llvm::outs() << "no run yet\n";
    return kDeployed;
  }
  llvm::outs() << printable(fmt::format("run #{}: {} (previous {}) {}{}{}", run->id, run->version,
                                        run->previous.empty() ? "none: first deployment" : run->previous, run->status,
                                        run->emergency ? " EMERGENCY: " + run->reason : "",
                                        run->trigger.empty()
                                            ? ""
                                            : fmt::format(" — {} at {}: {}", run->trigger,
                                                          run->step.empty() ? run->stage : run->step, run->message)))
               << "\n";
  if (std::string by = loadRunOptions(journal, run->id).by; !by.empty())
    llvm::outs() << "started by: " << printable(by) << "\n";
  if (orphaned) llvm::outs() << "runner: none: " << kOrphaned << "\n";
  llvm::outs() << "window: " << window << "\n\n";
  llvm::outs() << fmt::format("{:<12} {:<12} {}\n", "STAGE", "STATE", "DETAIL");
  if (opened->plan)
    for (const auto& stage : opened->plan->stages) {
      std::string st = stages.count(stage.id) ? stages[stage.id] : "pending";
      std::string detail;
      if (st == "waiting" && waiting.count(stage.id)) detail = waiting[stage.id];
      if (st == "active")
        for (const auto& [id, step] : steps)
          if (step.state == "started" && llvm::StringRef(id).startswith(stage.id + "/")) {
            detail += (detail.empty() ? "" : "; ") + id;
            if (bakes.count(id) && bakes[id].elapsedS >= bakes[id].requiredS && waiting.count(id))
              detail += " " + waiting[id];
            else if (bakes.count(id))
              detail += " bake " + formatDuration(std::max(0, bakes[id].requiredS - bakes[id].elapsedS)) + " left" +
                        (orphaned ? " (paused: no runner)" : "");
            else if (opened->plan && opened->plan->step(id) && opened->plan->step(id)->type == "approval")
              detail += " waiting for approval (piperun approve --by WHO)";
            else
              detail += " running";
          }
      llvm::outs() << fmt::format("{:<12} {:<12} {}\n", stage.id, st, printable(detail));
      if (st == "waiting" && waiting.count(stage.id))
        if (std::string hint = waitHint(*opened->plan, waiting[stage.id], opened->path); !hint.empty())
          llvm::outs() << fmt::format("{:<12} {:<12} to start it anyway: {}\n", "", "", hint);
    }
  llvm::outs() << "\nhosts: ";
  bool first = true;
  for (const auto& [version, count] : versions) {
    llvm::outs() << (first ? "" : ", ") << count << " on " << (version.empty() ? "nothing" : printable(version));
    first = false;
  }
  if (moving) llvm::outs() << ", " << moving << " moving";
  llvm::outs() << "\n";
  if (!alarms.empty()) {
    llvm::outs() << "\nlive alarms (last 10 minutes):\n";
    for (const auto& [a, datapoints] : alarms)
      llvm::outs() << printable(fmt::format(
                          "  {}  {}  {}  {}{}", formatLocal(calendar, a.t), a.scope, a.condition,
                          a.error.empty() ? (a.value ? "value " + valueText(a) : "no data") : "error: " + a.error,
                          datapoints > 1 ? fmt::format(" ({} datapoints)", datapoints) : ""))
                   << "\n";
  }
  return kDeployed;
}

int logCommand(const std::string& state) {
  auto opened = openState(state);
  if (!opened) return fail(llvm::toString(opened.takeError()));
  Journal& journal = *opened->journal;
  std::optional<planformat::WindowCalendar> calendar;
  if (opened->plan && opened->plan->windows) calendar.emplace(*opened->plan->windows);
  for (const auto& run : journal.runs()) {
    llvm::outs() << printable(fmt::format("== run #{}: {} (previous {}) {}{}", run.id, run.version,
                                          run.previous.empty() ? "none: first deployment" : run.previous, run.status,
                                          run.emergency ? " EMERGENCY: " + run.reason : ""))
                 << "\n";
    auto commands = journal.commands(run.id);
    size_t nextCommand = 0;
    auto printCommand = [&](const CommandRecord& c) {
      llvm::outs() << printable(fmt::format("{}  {:<30}    {} call {} [{}]: {}", formatLocal(calendar, c.t), c.step,
                                            c.action, c.command, c.hosts, c.result))
                   << "\n";
      for (const auto* text : {&c.output, &c.errors}) {
        llvm::StringRef rest(*text);
        int lines = 0;
        while (!rest.empty() && lines < 8) {
          auto [line, tail] = rest.split('\n');
          llvm::outs() << (text == &c.output ? "      | " : "     !| ") << printable(line) << "\n";
          rest = tail;
          ++lines;
        }
        if (!rest.empty()) llvm::outs() << "      | ...\n";
      }
    };
    // Each command's result and output follow the event that reports its end.
    std::vector<bool> printed(commands.size(), false);
    // Notification attempts among the events, in time order (docs/runtime.md "Notifications").
    auto notifications = journal.notifications(run.id);
    size_t nextNotification = 0;
    auto printNotificationsBefore = [&](std::optional<Instant> t) {
      for (; nextNotification < notifications.size() && (!t || notifications[nextNotification].t < *t);
           ++nextNotification) {
        const NotificationRecord& n = notifications[nextNotification];
        llvm::outs() << printable(fmt::format("{}  {:<30}  {}, attempt {}: {}", formatLocal(calendar, n.t),
                                              "notify " + n.target + "/" + n.channel, n.event, n.attempt, n.result))
                     << "\n";
      }
    };
    for (const auto& e : journal.events(run.id)) {
      printNotificationsBefore(e.t);
      llvm::outs() << timelineLine(calendar, ClockPrecision::Minutes, e.t, e.stage, e.step, e.message) << "\n";
      if (e.type != "step_done" && e.type != "rollback_batch" && e.type != "rollback_retry" &&
          e.type != "rollback_started")
        continue;
      for (size_t i = nextCommand; i < commands.size(); ++i)
        if (!printed[i] && commands[i].step == e.step && commands[i].t <= e.t) {
          printCommand(commands[i]);
          printed[i] = true;
          break;
        }
    }
    printNotificationsBefore(std::nullopt);
    for (size_t i = 0; i < commands.size(); ++i)
      if (!printed[i]) printCommand(commands[i]);
    // Why it stopped: the breaching datapoints, with the query that produced them.
    if (run.status == "rolled_back" && !run.trigger.empty() && run.trigger != "deploy_failed") {
      auto evaluations = journal.evaluations(run.id, 500);
      int shown = 0;
      for (const auto& e : evaluations) {
        if (!e.breach && e.error.empty()) continue;
        if (shown++ == 0) llvm::outs() << "   breaching datapoints (latest first):\n";
        if (shown > 6) break;
        llvm::outs() << printable(fmt::format(
                            "     {}  {}  {} = {}  query: {}", formatLocal(calendar, e.t), e.scope, e.metric,
                            e.value ? fmt::format("{:g}", *e.value) : "failed reading (" + e.error + ")", e.query))
                     << "\n";
      }
    }
  }
  auto requests = journal.requestsAfter(0);
  if (!requests.empty()) {
    llvm::outs() << "== requests\n";
    for (const auto& r : requests)
      llvm::outs() << printable(fmt::format("{}  run #{}  {} {} by {}: {}", formatLocal(calendar, r.t), r.runId, r.kind,
                                            r.target, r.who, r.reason))
                   << "\n";
  }
  return kDeployed;
}

}  // namespace pipelang::runtime::cli
