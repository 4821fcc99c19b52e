// The text and JSON reports of a simulation with several versions
// (docs/runtime.md "Several versions in flight").
#include "runtime/engine/TimeText.h"
#include "runtime/sim/VersionFlow.h"
#include "runtime/text/Fractions.h"

#include <fmt/format.h>

#include <algorithm>

namespace pipelang::runtime {
namespace {

std::string whereOf(const EngineResult& r) {
  return r.step.empty() ? r.stage : r.step;
}

// "deployed everywhere in 2d8h after its submission", "rolled back at ... ", "superseded by v4 ...".
std::string outcomeText(const VersionFlowReport& report, const VersionOutcome& v) {
  if (v.outcome == "superseded")
    return fmt::format("superseded by {} at {} before it entered its first stage", v.supersededBy,
                       formatLocal(report.calendar, v.finishedAt, report.precision));
  if (!v.result) return v.outcome;
  const EngineResult& r = *v.result;
  std::string after = formatDuration(v.finishedAt - v.submittedAt);
  switch (r.outcome) {
    case Outcome::Deployed:
      return fmt::format("deployed everywhere; time to global {} (waiting included)", after);
    case Outcome::RolledBack:
      return fmt::format(
          "rolled back at {} ({}) {} after its submission; detected in {}, recovered in {}; max global exposure "
          "{:.2f}%",
          whereOf(r), r.trigger, after, formatDuration(r.detectS), formatDuration(r.recoveryS),
          r.maxGlobalExposure * 100);
    case Outcome::Blocked:
      return fmt::format("blocked at {} ({}) {} after its submission: {}", whereOf(r), r.trigger, after, r.message);
    case Outcome::Failed:
      return fmt::format("failed at {}: {}", whereOf(r), r.message);
  }
  return v.outcome;
}

}  // namespace

std::string versionFlowText(const VersionFlowReport& report) {
  struct Line {
    std::string where;
    const VersionFlowReport::Event* event;
  };
  std::vector<Line> lines;
  size_t width = 0, versionWidth = 0;
  for (const auto& e : report.events) {
    const EngineEvent& event = e.event;
    if (event.detail.getBoolean("quiet").getValueOr(false)) continue;
    if (event.type == "deployed" || event.type == "rolled_back" || event.type == "blocked" || event.type == "failed")
      continue;  // said by the version's outcome
    std::string where = !event.step.empty() ? event.step : !event.stage.empty() ? event.stage : "run";
    width = std::max(width, where.size());
    versionWidth = std::max(versionWidth, report.versions[e.version].version.size());
    lines.push_back({where, &e});
  }
  width = std::min<size_t>(width, 44);
  versionWidth = std::min<size_t>(versionWidth, 24);
  std::string out;
  for (const auto& [where, e] : lines)
    out += fmt::format("{}  {:<{}}  {:<{}}  {}\n", formatLocal(report.calendar, e->event.t, report.precision),
                       report.versions[e->version].version, versionWidth, where, width, e->event.message);
  std::map<std::string, int> counts;
  for (const auto& v : report.versions) ++counts[v.outcome];
  std::vector<std::string> parts;
  for (const char* outcome : {"deployed", "rolled_back", "superseded", "blocked", "failed"})
    if (counts[outcome]) {
      std::string name = outcome;
      std::replace(name.begin(), name.end(), '_', ' ');
      parts.push_back(fmt::format("{} {}", counts[outcome], name));
    }
  out += fmt::format("outcome: {} versions submitted: {}\n", report.versions.size(), fmt::join(parts, ", "));
  for (const auto& v : report.versions) {
    out +=
        fmt::format("version {} (submitted {}, previous {}): {}\n", v.version,
                    formatLocal(report.calendar, v.submittedAt, report.precision), v.previous, outcomeText(report, v));
    size_t stageWidth = 0;
    for (const auto& stage : v.stages) stageWidth = std::max(stageWidth, stage.stage.size());
    for (const auto& stage : v.stages)
      out += fmt::format("  {:<{}}  {} to {}\n", stage.stage, stageWidth,
                         formatLocal(report.calendar, stage.startedAt, report.precision),
                         stage.doneAt ? formatLocal(report.calendar, *stage.doneAt, report.precision) : "(not done)");
  }
  return out;
}

llvm::json::Value versionFlowJson(const VersionFlowReport& report) {
  namespace json = llvm::json;
  auto orNull = [](const std::string& s) -> json::Value { return s.empty() ? json::Value(nullptr) : json::Value(s); };
  Instant finished = report.start;
  json::Array versions;
  versions.reserve(report.versions.size());
  for (const auto& v : report.versions) {
    finished = std::max(finished, v.finishedAt);
    bool stopped = v.result && v.result->outcome != Outcome::Deployed;
    json::Array stages;
    stages.reserve(v.stages.size());
    for (const auto& stage : v.stages)
      stages.push_back(
          json::Object{{"stage", stage.stage},
                       {"started_at", localIso(report.calendar, stage.startedAt)},
                       {"started_s", stage.startedAt - report.start},
                       {"done_s", stage.doneAt ? json::Value(*stage.doneAt - report.start) : json::Value(nullptr)}});
    versions.push_back(
        json::Object{{"version", v.version},
                     {"previous", v.previous},
                     {"submitted_at", localIso(report.calendar, v.submittedAt)},
                     {"submitted_s", v.submittedAt - report.start},
                     {"outcome", v.outcome},
                     {"stage", stopped ? orNull(v.result->stage) : json::Value(nullptr)},
                     {"step", stopped ? orNull(v.result->step) : json::Value(nullptr)},
                     {"trigger", stopped ? orNull(v.result->trigger) : json::Value(nullptr)},
                     {"superseded_by", orNull(v.supersededBy)},
                     {"finished_at", localIso(report.calendar, v.finishedAt)},
                     {"finished_s", v.finishedAt - report.start},
                     {"time_to_global_s",
                      v.outcome == "deployed" ? json::Value(v.finishedAt - v.submittedAt) : json::Value(nullptr)},
                     {"detect_s", v.result ? v.result->detectS : 0},
                     {"recovery_s", v.result ? v.result->recoveryS : 0},
                     {"max_global_exposure", v.result ? printedFraction(v.result->maxGlobalExposure) : 0.0},
                     {"stages", std::move(stages)}});
  }
  json::Array events;
  events.reserve(report.events.size());  // json::Value's move may throw: a growing array would copy every event
  for (const auto& e : report.events) {
    const EngineEvent& event = e.event;
    json::Object o{
        {"t_s", event.t - report.start}, {"version", report.versions[e.version].version}, {"type", event.type}};
    if (!event.stage.empty()) o["stage"] = event.stage;
    if (!event.step.empty()) o["step"] = event.step;
    o["message"] = event.message;
    event.detail.printInto(o);
    o["version"] = report.versions[e.version].version;  // the run's, whatever an event's detail says
    events.push_back(std::move(o));
  }
  return json::Object{{"outcome", outcomeName(worstOutcome(report))},
                      {"started_at", localIso(report.calendar, report.start)},
                      {"finished_at", localIso(report.calendar, finished)},
                      {"elapsed_s", finished - report.start},
                      {"versions", std::move(versions)},
                      {"events", std::move(events)}};
}

}  // namespace pipelang::runtime
