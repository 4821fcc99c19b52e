#include "runtime/sim/Simulation.h"

#include "runtime/engine/TimeText.h"
#include "runtime/journal/MemoryJournal.h"
#include "runtime/sim/SimulatedFleet.h"
#include "runtime/text/Fractions.h"

#include <fmt/format.h>

#include <deque>
#include <iterator>

namespace pipelang::runtime {
namespace {

// Kept in a deque while the run goes (an event is not copied when more
// arrive: EngineEvent's move may throw, so a growing vector would copy them),
// moved into the report at the end.
class CollectingSink final : public EventSink {
 public:
  void onEvent(const EngineEvent& event) override { events_.push_back(event); }
  void takeEvent(EngineEvent&& event) override { events_.push_back(std::move(event)); }
  void moveTo(std::vector<EngineEvent>& events) {
    events.assign(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
    events_.clear();
  }

 private:
  std::deque<EngineEvent> events_;
};

}  // namespace

std::string localIso(const std::optional<planformat::WindowCalendar>& calendar, Instant t) {
  planformat::LocalTime local =
      calendar ? calendar->toLocal(t) : planformat::WindowCalendar(planformat::WindowSpec{}).toLocal(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", local.year, local.month, local.day, local.hour,
                     local.minute, local.second);
}

llvm::Expected<SimulationReport> simulate(const Plan& plan, const Scenario& scenario, const std::string& statePath,
                                          const std::function<llvm::Error()>& beforeRun) {
  // Kept only when asked: otherwise no SQL at all (docs/runtime.md).
  auto journal = statePath.empty() ? llvm::Expected<std::unique_ptr<Journal>>(std::make_unique<MemoryJournal>())
                                   : Journal::open(statePath, /*durable=*/false);
  if (!journal) return journal.takeError();
  if (auto error = (*journal)->bindPlan(plan, false)) return error;

  SimulationReport report;
  report.start = scenario.start;
  if (plan.windows) report.calendar.emplace(*plan.windows);
  report.precision = clockPrecisionFor(plan, scenario.batchTimeS);
  VirtualClock clock(scenario.start);
  SimulatedFleet fleet(plan, scenario);
  SimulatedDeployer deployer(plan, scenario, fleet);
  CollectingSink sink;
  EngineOptions options;
  options.recordEveryEvaluation = false;
  options.scheduledRequests = scenario.requests;
  options.fleet = &fleet.model();  // one model of the hosts for the fleet and the engine

  RunRecord run;
  run.version = scenario.version;
  run.previous = scenario.previous;
  run.status = "queued";
  run.emergency = scenario.emergency;
  run.reason = scenario.emergencyReason;
  run.submittedAt = scenario.start;
  std::int64_t runId = (*journal)->createRun(run);
  Engine engine(plan, **journal, clock, deployer, fleet, fleet, sink, options);
  if (beforeRun)
    if (auto error = beforeRun()) return error;
  // One transaction for the whole run: the engine's commits join it, so the
  // journal holds the same rows without a commit per bake period.
  (*journal)->transaction([&] { report.result = engine.execute(runId); });
  sink.moveTo(report.events);
  return report;
}

std::string timelineText(const SimulationReport& report) {
  std::vector<std::pair<std::string, const EngineEvent*>> lines;
  size_t width = 0;
  for (const auto& event : report.events) {
    if (event.detail.getBoolean("quiet").getValueOr(false)) continue;
    if (event.type == "deployed" || event.type == "rolled_back" || event.type == "blocked" || event.type == "failed")
      continue;  // said by the outcome line
    std::string where = !event.step.empty() ? event.step : !event.stage.empty() ? event.stage : "run";
    width = std::max(width, where.size());
    lines.push_back({where, &event});
  }
  width = std::min<size_t>(width, 44);
  std::string out;
  for (const auto& [where, event] : lines)
    out += fmt::format("{}  {:<{}}  {}\n", formatLocal(report.calendar, event->t, report.precision), where, width,
                       event->message);
  const EngineResult& r = report.result;
  std::int64_t elapsed = r.finishedAt - report.start;
  switch (r.outcome) {
    case Outcome::Deployed:
      out += fmt::format("outcome: deployed {} everywhere in {}\n", r.version, formatDuration(elapsed));
      break;
    case Outcome::RolledBack:
      out += fmt::format(
          "outcome: rolled back {} at {} ({}) after {}; detected in {}, recovered in {}; max global exposure {:.2f}%\n",
          r.version, r.step.empty() ? r.stage : r.step, r.trigger, formatDuration(elapsed), formatDuration(r.detectS),
          formatDuration(r.recoveryS), r.maxGlobalExposure * 100);
      break;
    case Outcome::Blocked:
      out += fmt::format("outcome: blocked at {} ({}) after {}: {}\n", r.step.empty() ? r.stage : r.step, r.trigger,
                         formatDuration(elapsed), r.message);
      break;
    case Outcome::Failed:
      out += fmt::format("outcome: failed at {}: {}\n", r.step.empty() ? r.stage : r.step, r.message);
      break;
  }
  return out;
}

llvm::json::Value reportJson(const SimulationReport& report) {
  namespace json = llvm::json;
  const EngineResult& r = report.result;
  auto orNull = [](const std::string& s) -> json::Value { return s.empty() ? json::Value(nullptr) : json::Value(s); };
  bool deployed = r.outcome == Outcome::Deployed;
  json::Array events;
  events.reserve(report.events.size());  // json::Value's move may throw: a growing array would copy every event
  for (const auto& event : report.events) {
    json::Object o{{"t_s", event.t - report.start}, {"type", event.type}};
    if (!event.stage.empty()) o["stage"] = event.stage;
    if (!event.step.empty()) o["step"] = event.step;
    o["message"] = event.message;
    event.detail.printInto(o);
    events.push_back(std::move(o));
  }
  return json::Object{{"outcome", outcomeName(r.outcome)},
                      {"version", r.version},
                      {"stage", deployed ? json::Value(nullptr) : orNull(r.stage)},
                      {"step", deployed ? json::Value(nullptr) : orNull(r.step)},
                      {"trigger", deployed ? json::Value(nullptr) : orNull(r.trigger)},
                      {"started_at", localIso(report.calendar, report.start)},
                      {"finished_at", localIso(report.calendar, r.finishedAt)},
                      {"elapsed_s", r.finishedAt - report.start},
                      {"detect_s", r.detectS},
                      {"recovery_s", r.recoveryS},
                      {"max_global_exposure", printedFraction(r.maxGlobalExposure)},
                      {"events", std::move(events)}};
}

}  // namespace pipelang::runtime
