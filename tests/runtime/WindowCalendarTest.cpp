#include "compiler/plan/WindowCalendar.h"

#include <gtest/gtest.h>

using namespace pipelang::planformat;

namespace {

WindowSpec standardWindows() {
  WindowSpec spec;
  spec.timezone = "America/Los_Angeles";
  spec.allow.push_back({"core", std::vector<int>{1, 2, 3, 4}, TimeOfDayRange{9 * 60, 16 * 60}, std::nullopt});
  spec.allow.push_back({"fri", std::vector<int>{5}, TimeOfDayRange{9 * 60, 12 * 60}, std::nullopt});
  spec.deny.push_back({"xmas", std::nullopt, std::nullopt, std::vector<DateRange>{{20261224, 20270102}}});
  spec.offHoursBake = 2.0;
  return spec;
}

std::int64_t at(const WindowCalendar& calendar, int y, int mo, int d, int h, int mi) {
  return calendar.fromLocal({y, mo, d, h, mi, 0, 0});
}

TEST(WindowCalendar, AllowsInsideCoreHoursOnly) {
  WindowCalendar calendar(standardWindows());
  EXPECT_TRUE(calendar.allowsStart(at(calendar, 2026, 11, 23, 9, 0)));    // Monday 09:00
  EXPECT_TRUE(calendar.allowsStart(at(calendar, 2026, 11, 23, 15, 59)));  // Monday 15:59
  EXPECT_FALSE(calendar.allowsStart(at(calendar, 2026, 11, 23, 16, 0)));  // `to` is exclusive
  EXPECT_FALSE(calendar.allowsStart(at(calendar, 2026, 11, 28, 10, 0)));  // Saturday
  EXPECT_EQ(calendar.explain(at(calendar, 2026, 11, 23, 10, 0)), "allow core");
}

TEST(WindowCalendar, FridayCutoffMovesToMonday) {
  WindowCalendar calendar(standardWindows());
  std::int64_t fridayNoon = at(calendar, 2026, 11, 27, 12, 0);
  EXPECT_TRUE(calendar.allowsStart(fridayNoon - 60));
  EXPECT_FALSE(calendar.allowsStart(fridayNoon));
  EXPECT_EQ(calendar.nextAllowedStart(fridayNoon), at(calendar, 2026, 11, 30, 9, 0));
}

TEST(WindowCalendar, DenyDatesSpanNewYear) {
  WindowCalendar calendar(standardWindows());
  EXPECT_TRUE(calendar.allowsStart(at(calendar, 2026, 12, 23, 10, 0)));
  EXPECT_FALSE(calendar.allowsStart(at(calendar, 2026, 12, 28, 10, 0)));  // a Monday inside the freeze
  EXPECT_FALSE(calendar.allowsStart(at(calendar, 2027, 1, 2, 10, 0)));    // the range is inclusive
  EXPECT_EQ(calendar.explain(at(calendar, 2027, 1, 1, 10, 0)), "deny xmas");
  // Thursday 2026-12-24 is denied; the first allowed start is Monday 2027-01-04 09:00.
  EXPECT_EQ(calendar.nextAllowedStart(at(calendar, 2026, 12, 23, 16, 0)), at(calendar, 2027, 1, 4, 9, 0));
}

TEST(WindowCalendar, UsesRealDaylightSavingRules) {
  WindowCalendar calendar(standardWindows());
  // 2026-03-08 02:00 PST -> 03:00 PDT: Monday 09:00 is 16:00 UTC after the change, 17:00 UTC before.
  std::int64_t mondayBefore = at(calendar, 2026, 3, 2, 9, 0);
  std::int64_t mondayAfter = at(calendar, 2026, 3, 9, 9, 0);
  EXPECT_EQ(mondayBefore % 86400, 17 * 3600);
  EXPECT_EQ(mondayAfter % 86400, 16 * 3600);
  EXPECT_EQ(mondayAfter - mondayBefore, 7 * 86400 - 3600);  // that week is an hour short
  // From Friday after the cutoff, across the change, the next start is Monday 09:00 local (PDT).
  EXPECT_EQ(calendar.nextAllowedStart(at(calendar, 2026, 3, 6, 13, 0)), mondayAfter);
  LocalTime local = calendar.toLocal(mondayAfter);
  EXPECT_EQ(local.hour, 9);
  EXPECT_EQ(local.weekday, 1);
}

TEST(WindowCalendar, InsideAllowIgnoresDenies) {
  WindowCalendar calendar(standardWindows());
  EXPECT_TRUE(calendar.insideAllow(at(calendar, 2026, 12, 28, 10, 0)));
  EXPECT_FALSE(calendar.insideAllow(at(calendar, 2026, 11, 23, 20, 0)));
}

TEST(WindowCalendar, NeverOpenReturnsNone) {
  WindowSpec spec;
  spec.timezone = "UTC";
  spec.allow.push_back({"feb30", std::nullopt, std::nullopt, std::vector<DateRange>{{20260230, 20260230}}});
  WindowCalendar calendar(spec);
  EXPECT_FALSE(calendar.nextAllowedStart(0, 400).has_value());
}

TEST(WindowCalendar, ReadsThePlansWindowsObject) {
  auto json = llvm::json::parse(R"({"timezone": "Europe/Paris",
    "allow": [{"name": "core", "days": ["mon", "tue"], "hours": {"from": "09:00", "to": "16:00"}, "dates": null}],
    "deny": [{"name": "xmas", "days": null, "hours": null, "dates": [{"from": "2026-12-24", "to": "2027-01-02"}]}],
    "off_hours_bake": 2.0})");
  ASSERT_TRUE(bool(json));
  auto spec = windowSpecFromJson(*json);
  ASSERT_TRUE(bool(spec)) << llvm::toString(spec.takeError());
  EXPECT_EQ(spec->timezone, "Europe/Paris");
  ASSERT_EQ(spec->allow.size(), 1u);
  EXPECT_EQ(*spec->allow[0].days, (std::vector<int>{1, 2}));
  EXPECT_EQ(spec->allow[0].hours->toMinute, 16 * 60);
  EXPECT_EQ((*spec->deny[0].dates)[0].to, 20270102);
  EXPECT_DOUBLE_EQ(spec->offHoursBake, 2.0);

  auto bad = llvm::json::parse(R"({"timezone": "UTC", "allow": [{"name": "x", "days": ["funday"]}], "deny": []})");
  auto error = windowSpecFromJson(*bad);
  ASSERT_FALSE(bool(error));
  EXPECT_NE(llvm::toString(error.takeError()).find("bad day"), std::string::npos);
}

}  // namespace
