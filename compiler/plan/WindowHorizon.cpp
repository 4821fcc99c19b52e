#include "compiler/plan/WindowHorizon.h"

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanBuilder.h"
#include "plan/WindowCalendar.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace pipelang::plan {

namespace {

// Where `spec`'s windows stay closed for the whole horizon, if anywhere.
std::optional<WindowHorizon::Closed> findClosure(const planformat::WindowSpec& spec) {
  planformat::WindowCalendar calendar(spec);
  int64_t reference = referenceStart(calendar);
  // A stage may be ready at the start or on any later day: asked at the start
  // and where each dated deny begins after it (a freeze that outlasts the
  // horizon holds every stage ready inside it).
  std::vector<std::pair<int64_t, int>> asked = {{reference, -1}};
  for (size_t i = 0; i < spec.deny.size(); ++i)
    if (spec.deny[i].dates)
      for (const planformat::DateRange& range : *spec.deny[i].dates) {
        int64_t begins = calendar.fromLocal({range.from / 10000, range.from / 100 % 100, range.from % 100, 0, 0, 0, 0});
        int64_t ends = calendar.fromLocal({range.to / 10000, range.to / 100 % 100, range.to % 100 + 1, 0, 0, 0, 0});
        if (begins > reference) asked.push_back({begins, static_cast<int>(i)});
        if (begins <= reference && reference < ends) asked.front().second = static_cast<int>(i);  // holds the start
      }
  for (const auto& [at, deny] : asked) {
    if (calendar.nextAllowedStart(at)) continue;
    // The weekly view (dated rules left out, a dates-only allow open at all
    // times) that never opens either is WindowChecks' S215 already.
    planformat::WindowSpec weekly = spec;
    std::erase_if(weekly.deny, [](const planformat::WindowRule& rule) { return rule.dates.has_value(); });
    for (planformat::WindowRule& rule : weekly.allow) rule.dates.reset();
    if (!planformat::WindowCalendar(weekly).nextAllowedStart(at, 8)) return std::nullopt;
    return WindowHorizon::Closed{deny};
  }
  return std::nullopt;
}

void report(const model::Windows& windows, const WindowHorizon::Closed& closed, DiagnosticSink& sink) {
  const model::WindowRule* culprit =
      closed.deny >= 0 && static_cast<size_t>(closed.deny) < windows.deny.size() ? &windows.deny[closed.deny] : nullptr;
  std::string closedFor = "closed for more than " + std::to_string(planformat::WindowCalendar::kHorizonDays) + " days";
  Diagnostic& d =
      sink.report(DiagCode::S215, culprit ? culprit->origin.range : windows.origin.range,
                  culprit ? "deny `" + culprit->name + "` keeps every window " + closedFor + ": no stage could start"
                          : "the windows stay " + closedFor + ": no stage could start");
  d.notes = culprit ? culprit->origin.via : windows.origin.via;
  d.help = "a freeze is a few days or weeks, e.g. `dates = [\"2026-12-20\"..\"2027-01-03\"]`";
}

bool hasDates(const model::Windows& windows) {
  auto dated = [](const model::WindowRule& rule) { return rule.dates.has_value(); };
  return std::any_of(windows.allow.begin(), windows.allow.end(), dated) ||
         std::any_of(windows.deny.begin(), windows.deny.end(), dated);
}

}  // namespace

void checkWindowsOpenWithinHorizon(const model::Pipeline& pipeline, DiagnosticSink& sink) {
  WindowHorizon().check(pipeline, sink);
}

void WindowHorizon::check(const model::Pipeline& pipeline, DiagnosticSink& sink) {
  if (!pipeline.windows || !hasDates(*pipeline.windows)) return;
  planformat::WindowSpec spec = windowSpecFromModel(*pipeline.windows);
  auto known = std::find_if(known_.begin(), known_.end(), [&](const Known& k) { return k.spec == spec; });
  if (known == known_.end()) {
    if (known_.size() == kKept) known_.erase(known_.begin());
    std::optional<Closed> closed = findClosure(spec);
    known_.push_back({std::move(spec), closed});
    known = known_.end() - 1;
  }
  if (known->closed) report(*pipeline.windows, *known->closed, sink);
}

}  // namespace pipelang::plan
