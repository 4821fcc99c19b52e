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

// The off-hours bake's question is remembered per UTC minute (issue 18): the
// answer must be the calendar's own at every second, across DST changes, in
// zones whose offset is not whole hours, and in a zone's local mean time
// (an offset with seconds, where a minute is not one local minute).
TEST(WindowOpenings, InsideAllowIsTheCalendarsAnswerAtEverySecond) {
  struct Case {
    std::string zone;
    int64_t from;  // unix seconds
  };
  const std::vector<Case> cases = {
      {"Europe/Berlin", 1'774'746'000 - 2 * 3600},     // 29 March 2026, clocks forward at 01:00 UTC
      {"America/New_York", 1'793'512'800 - 2 * 3600},  // 1 November 2026, clocks back at 06:00 UTC
      {"Asia/Kathmandu", 1'795'802'400},               // +05:45
      {"Europe/Amsterdam", -1'700'000'000},            // 1916: +00:19:32 local mean time
  };
  for (const Case& c : cases) {
    WindowSpec spec = weekdays(c.zone);
    spec.allow[0].days = std::vector<int>{0, 1, 2, 3, 4, 5, 6};
    spec.allow[0].hours = TimeOfDayRange{1 * 60 + 7, 3 * 60 + 13};  // boundaries off the hour
    WindowCalendar calendar(spec);
    for (int round = 0; round < 2; ++round) {  // the second round answers from memory
      plan::WindowOpenings openings(calendar);
      for (int64_t t = c.from; t < c.from + 6 * 3600; t += 7)
        ASSERT_EQ(openings.insideAllow(t), calendar.insideAllow(t)) << c.zone << " at " << t;
    }
  }
  // Without allow rules every instant is inside.
  WindowCalendar open(WindowSpec{"UTC", {}, {}, 2.0});
  EXPECT_TRUE(plan::WindowOpenings(open).insideAllow(1'795'802'400));
}
