#include "compiler/plan/WindowHorizon.h"

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanBuilder.h"
#include "plan/WindowCalendar.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace pipelang::plan {

void checkWindowsOpenWithinHorizon(const model::Pipeline& pipeline, DiagnosticSink& sink) {
  if (!pipeline.windows) return;
  const model::Windows& windows = *pipeline.windows;
  auto dated = [](const model::WindowRule& rule) { return rule.dates.has_value(); };
  if (std::none_of(windows.allow.begin(), windows.allow.end(), dated) &&
      std::none_of(windows.deny.begin(), windows.deny.end(), dated))
    return;
  planformat::WindowSpec spec = windowSpecFromModel(windows);
  planformat::WindowCalendar calendar(spec);
  planformat::LocalTime monday{kReferenceYear, kReferenceMonth, kReferenceDay, kReferenceHour, 0, 0, 1};
  int64_t reference = calendar.fromLocal(monday);
  // A stage may be ready at the start or on any later day: asked at the start
  // and where each dated deny begins after it (a freeze that outlasts the
  // horizon holds every stage ready inside it).
  std::vector<std::pair<int64_t, const model::WindowRule*>> asked = {{reference, nullptr}};
  for (size_t i = 0; i < spec.deny.size(); ++i)
    if (spec.deny[i].dates)
      for (const planformat::DateRange& range : *spec.deny[i].dates) {
        planformat::LocalTime from{range.from / 10000, range.from / 100 % 100, range.from % 100, 0, 0, 0, 0};
        int64_t begins = calendar.fromLocal(from);
        if (begins > reference) asked.push_back({begins, &windows.deny[i]});
        if (begins <= reference &&
            reference <= calendar.fromLocal({range.to / 10000, range.to / 100 % 100, range.to % 100 + 1, 0, 0, 0, 0}))
          asked.front().second = &windows.deny[i];  // the deny that holds the start
      }
  for (const auto& [at, culprit] : asked) {
    if (calendar.nextAllowedStart(at)) continue;
    // The weekly view (dated rules left out, a dates-only allow open at all
    // times) that never opens either is WindowChecks' S215 already.
    planformat::WindowSpec weekly = spec;
    std::erase_if(weekly.deny, [](const planformat::WindowRule& rule) { return rule.dates.has_value(); });
    for (planformat::WindowRule& rule : weekly.allow) rule.dates.reset();
    if (!planformat::WindowCalendar(weekly).nextAllowedStart(at, 8)) return;
    Diagnostic& d = sink.report(
        DiagCode::S215, culprit ? culprit->origin.range : windows.origin.range,
        culprit ? "deny `" + culprit->name + "` keeps every window closed for more than 400 days: no stage could start"
                : "the windows stay closed for more than 400 days: no stage could start");
    d.notes = culprit ? culprit->origin.via : windows.origin.via;
    d.help = "a freeze is a few days or weeks, e.g. `dates = [\"2026-12-20\"..\"2027-01-03\"]`";
    return;
  }
}

}  // namespace pipelang::plan
