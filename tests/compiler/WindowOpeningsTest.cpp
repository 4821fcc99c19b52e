// The throughput walk's window openings are remembered across plans (issue
// 18); an answer must be the calendar's own, and windows that differ in any
// part nextAllowedStart reads (zone, days, hours, dates, allow or deny) must
// never share answers.
#include "compiler/plan/WindowOpenings.h"

#include <gtest/gtest.h>

using namespace pipelang;
using planformat::DateRange;
using planformat::TimeOfDayRange;
using planformat::WindowCalendar;
using planformat::WindowRule;
using planformat::WindowSpec;

namespace {

WindowSpec weekdays(const std::string& zone) {
  WindowRule core{"core", std::vector<int>{1, 2, 3, 4, 5}, TimeOfDayRange{9 * 60, 17 * 60}, std::nullopt};
  return WindowSpec{zone, {core}, {}, 1.0};
}

}  // namespace

TEST(WindowOpenings, EachWindowsGetsItsCalendarsAnswers) {
  std::vector<WindowSpec> specs;
  specs.push_back(weekdays("UTC"));
  specs.push_back(weekdays("Asia/Tokyo"));  // same rules, another zone
  WindowSpec hours = weekdays("UTC");
  hours.allow[0].hours = TimeOfDayRange{10 * 60, 17 * 60};
  specs.push_back(hours);
  WindowSpec days = weekdays("UTC");
  days.allow[0].days = std::vector<int>{1, 2, 3, 4};
  specs.push_back(days);
  WindowSpec denied = weekdays("UTC");
  denied.deny.push_back(WindowRule{"freeze", std::nullopt, std::nullopt, std::vector<DateRange>{{20261130, 20261204}}});
  specs.push_back(denied);
  WindowSpec dates = denied;
  dates.deny[0].dates = std::vector<DateRange>{{20261201, 20261204}};
  specs.push_back(dates);

  // Friday 27 November 2026, 18:00 UTC, then every 5 hours for a week and a half.
  const int64_t start = 1'795'802'400;
  for (int round = 0; round < 2; ++round)  // the second round answers from memory
    for (const WindowSpec& spec : specs) {
      WindowCalendar calendar(spec);
      plan::WindowOpenings openings(calendar);
      for (int64_t t = start; t < start + 10 * 86400; t += 5 * 3600)
        EXPECT_EQ(openings.opens(t), calendar.nextAllowedStart(t).value_or(t)) << spec.timezone << " at " << t;
    }
  // The answers differ between these windows, so a shared answer would show.
  WindowCalendar utc(specs[0]), tokyo(specs[1]), freeze(specs[4]), shortFreeze(specs[5]);
  EXPECT_NE(plan::WindowOpenings(utc).opens(start), plan::WindowOpenings(tokyo).opens(start));
  EXPECT_NE(plan::WindowOpenings(freeze).opens(start), plan::WindowOpenings(shortFreeze).opens(start));
}

// A window that never opens: the stage starts at once, as the walk assumes.
TEST(WindowOpenings, AWindowThatNeverOpensStartsAtOnce) {
  WindowSpec never = weekdays("UTC");
  never.deny.push_back(WindowRule{"always", std::nullopt, std::nullopt, std::nullopt});
  WindowCalendar calendar(never);
  EXPECT_EQ(plan::WindowOpenings(calendar).opens(1'795'802'400), 1'795'802'400);
}
