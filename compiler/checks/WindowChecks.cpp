// When a stage may start (S214 S215), on a week of minutes: a window opens
// on its days and hours; `deny` rules with `days`/`hours` close minutes of
// every week. Rules with `dates` only concern a few days of one year: they
// never make a week always-closed or always-open, so the weekly view leaves
// them out (a dates-only `allow` counts as "opens sometimes").
#include "compiler/checks/Checks.h"

#include "compiler/syntax/Literals.h"

#include <algorithm>
#include <bitset>

namespace pipelang::checks {

namespace {

constexpr int kDay = 24 * 60;
using Week = std::bitset<7 * kDay>;  // 0 = monday 00:00

// The minutes [from, to) of the week, with whole-word shifts rather than a
// loop over minutes: this runs for every pipeline of an organisation.
Week span(int from, int to) {
  if (to <= from) return {};
  Week ones = ~Week();
  return (ones >> (ones.size() - static_cast<size_t>(to - from))) << static_cast<size_t>(from);
}

Week ruleWeek(const model::WindowRule& rule) {
  static const std::vector<int> everyDay = {0, 1, 2, 3, 4, 5, 6};
  const std::vector<int>& days = rule.days ? *rule.days : everyDay;
  int from = rule.hours ? rule.hours->first : 0;
  int to = rule.hours ? rule.hours->second : kDay;
  if (rule.hours && to < from) to += kDay;  // 22:00..02:00 runs past midnight
  constexpr int kWeek = 7 * kDay;
  Week week;
  for (int day : days) {
    if (day < 0 || day > 6) continue;
    int begin = day * kDay + from, end = day * kDay + to;
    week |= span(begin, std::min(end, kWeek));
    if (end > kWeek) week |= span(0, end - kWeek);  // sunday night into monday
  }
  return week;
}

bool datesOnly(const model::WindowRule& rule) {
  return rule.dates && !rule.days && !rule.hours;
}

bool openOn(const Week& week, int day, int fromMinute, int toMinute) {
  size_t from = static_cast<size_t>(day * kDay + fromMinute), to = static_cast<size_t>(day * kDay + toMinute);
  if (from >= to) return false;
  // libstdc++'s word-wise search for the first open minute at or after `from`.
  size_t first = from == 0 ? week._Find_first() : week._Find_next(from - 1);
  return first < to;
}

}  // namespace

void checkWindows(const model::Pipeline& p, DiagnosticSink& sink) {
  if (!p.windows) {
    Diagnostic& d = reportAt(sink, DiagCode::S214, p.prod->origin,
                             "prod has no `windows`: a stage may start at any hour of any day");
    d.help = "e.g. `windows { allow core { days = mon..thu  hours = 09:00..16:00 } }`";
    return;
  }
  const model::Windows& w = *p.windows;
  Week closed;
  for (const model::WindowRule& deny : w.deny)
    if (!deny.dates) closed |= ruleWeek(deny);

  // S215: nothing ever opens.
  bool sometimes = false;
  Week open;
  for (const model::WindowRule& allow : w.allow) {
    if (datesOnly(allow))
      sometimes = true;
    else
      open |= ruleWeek(allow);
  }
  if (w.allow.empty()) open.set();
  if (!sometimes && (open & ~closed).none()) {
    // Point at the deny that closed the last open minute, else at the windows.
    Week left = open;
    const model::WindowRule* culprit = nullptr;
    for (const model::WindowRule& deny : w.deny) {
      if (deny.dates) continue;
      left &= ~ruleWeek(deny);
      if (left.none()) {
        culprit = &deny;
        break;
      }
    }
    Diagnostic& d =
        reportAt(sink, DiagCode::S215, culprit ? culprit->origin : w.origin,
                 culprit ? "deny `" + culprit->name + "` closes every window left open: no stage could ever start"
                         : "the `allow` windows never open: no stage could ever start");
    d.help = culprit ? "for a freeze of a few days, use `dates = [\"YYYY-MM-DD\"..\"YYYY-MM-DD\"]`"
                     : "open at least one window, e.g. `allow core { days = mon..thu  hours = 09:00..16:00 }`";
    return;
  }

  // S214: starts the policy calls risky, one report per allow rule and kind.
  const model::Policy* policy = p.policy;
  auto risky = [&](const model::Origin& at, const std::string& name, const Week& week) {
    if (openOn(week, 5, 0, kDay) || openOn(week, 6, 0, kDay)) {
      Diagnostic& d = reportAt(sink, DiagCode::S214, at, name + " lets a stage start on a weekend");
      d.help = "e.g. `days = mon..thu`";
    }
    if (policy && policy->fridayCutoff && openOn(week, 4, policy->fridayCutoff->value, kDay)) {
      Diagnostic& d =
          reportAt(sink, DiagCode::S214, at,
                   name + " lets a stage start on Friday after " + formatTimeOfDay(policy->fridayCutoff->value));
      addPolicyNote(d, p, *policy->fridayCutoff);
    }
    if (policy && policy->latestStart) {
      for (int day = 0; day < 7; ++day) {
        if (!openOn(week, day, policy->latestStart->value, kDay)) continue;
        Diagnostic& d = reportAt(sink, DiagCode::S214, at,
                                 name + " lets a stage start after " + formatTimeOfDay(policy->latestStart->value));
        addPolicyNote(d, p, *policy->latestStart);
        break;
      }
    }
  };
  if (w.allow.empty()) risky(w.origin, "`windows` has no `allow` and", ~closed);
  for (const model::WindowRule& allow : w.allow)
    if (!datesOnly(allow)) risky(allow.origin, "window `" + allow.name + "`", ruleWeek(allow) & ~closed);
}

}  // namespace pipelang::checks
