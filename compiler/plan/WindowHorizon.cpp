#include "compiler/plan/WindowHorizon.h"

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanBuilder.h"
#include "plan/WindowCalendar.h"

#include <algorithm>

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
  if (calendar.nextAllowedStart(reference)) return;
  // The weekly view (dated rules left out, a dates-only allow open at all
  // times) that never opens either is WindowChecks' S215 already.
  planformat::WindowSpec weekly = spec;
  std::erase_if(weekly.deny, [](const planformat::WindowRule& rule) { return rule.dates.has_value(); });
  for (planformat::WindowRule& rule : weekly.allow) rule.dates.reset();
  if (!planformat::WindowCalendar(weekly).nextAllowedStart(reference, 8)) return;
  // Point at the dated deny that holds the reference start, else at the windows.
  constexpr int kReferenceDate = kReferenceYear * 10000 + kReferenceMonth * 100 + kReferenceDay;
  const model::WindowRule* culprit = nullptr;
  for (size_t i = 0; i < spec.deny.size() && !culprit; ++i)
    if (spec.deny[i].dates)
      for (const planformat::DateRange& range : *spec.deny[i].dates)
        if (range.from <= kReferenceDate && kReferenceDate <= range.to) culprit = &windows.deny[i];
  Diagnostic& d = sink.report(
      DiagCode::S215, culprit ? culprit->origin.range : windows.origin.range,
      culprit ? "deny `" + culprit->name + "` keeps every window closed for more than 400 days: no stage could start"
              : "the windows do not open in the 400 days from Monday 2026-01-05 09:00: no stage could start");
  d.notes = culprit ? culprit->origin.via : windows.origin.via;
  d.help = "a freeze is a few days or weeks, e.g. `dates = [\"2026-12-20\"..\"2027-01-03\"]`";
}

}  // namespace pipelang::plan
