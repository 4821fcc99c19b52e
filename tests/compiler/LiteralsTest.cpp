// Every literal form of language.md §1, valid and malformed.
#include "compiler/syntax/Literals.h"

#include <gtest/gtest.h>

using namespace pipelang;

TEST(Literals, DurationsLargestUnitFirst) {
  EXPECT_EQ(parseDurationMillis("500ms").value, 500);
  EXPECT_EQ(parseDurationMillis("30s").value, 30'000);
  EXPECT_EQ(parseDurationMillis("30m").value, 1'800'000);
  EXPECT_EQ(parseDurationMillis("12h").value, 43'200'000);
  EXPECT_EQ(parseDurationMillis("1h30m").value, 5'400'000);
  EXPECT_EQ(parseDurationMillis("2d").value, 172'800'000);
  EXPECT_EQ(parseDurationMillis("1d2h3m4s5ms").value, 93'784'005);
  EXPECT_EQ(parseDurationMillis("0s").value, 0);
}

TEST(Literals, MalformedDurations) {
  EXPECT_EQ(parseDurationMillis("12x").error, "malformed duration `12x`: unknown unit `x`; use ms, s, m, h or d");
  EXPECT_EQ(parseDurationMillis("1m30h").error,
            "malformed duration `1m30h`: write units from largest to smallest, each once, as in `1h30m`");
  EXPECT_FALSE(parseDurationMillis("1h1h").ok());
  EXPECT_FALSE(parseDurationMillis("5mins").ok());
  EXPECT_FALSE(parseDurationMillis("1_h").ok());
  EXPECT_FALSE(parseDurationMillis("99999999999d").ok());
}

TEST(Literals, TimesOfDay) {
  EXPECT_EQ(parseTimeOfDay("09:00").value, 540);
  EXPECT_EQ(parseTimeOfDay("16:30").value, 990);
  EXPECT_EQ(parseTimeOfDay("00:00").value, 0);
  EXPECT_EQ(parseTimeOfDay("24:00").value, 1440);
  EXPECT_EQ(parseTimeOfDay("25:00").error,
            "malformed time of day `25:00`: hours go from 00 to 23 and minutes from 00 to 59");
  EXPECT_FALSE(parseTimeOfDay("12:60").ok());
  EXPECT_FALSE(parseTimeOfDay("24:01").ok());
  EXPECT_EQ(parseTimeOfDay("9:00").error,
            "malformed time of day `9:00`: write HH:MM with two digits each, as in `09:00`");
}

TEST(Literals, PercentsAndNumbers) {
  EXPECT_DOUBLE_EQ(parsePercent("33%").value, 0.33);
  EXPECT_DOUBLE_EQ(parsePercent("0.5%").value, 0.005);
  EXPECT_DOUBLE_EQ(parsePercent("100%").value, 1.0);
  EXPECT_DOUBLE_EQ(parseNumber("0.5").value, 0.5);
  EXPECT_EQ(parseInteger("100").value, 100);
  EXPECT_FALSE(parseInteger("99999999999999999999").ok());
}

TEST(Literals, StringEscapes) {
  EXPECT_EQ(unescapeString(R"("a\"b\\c\nd\te")").value, "a\"b\\c\nd\te");
  EXPECT_EQ(unescapeString(R"("{scope}")").value, "{scope}");
  EXPECT_EQ(unescapeString(R"("bad\q")").error,
            "unknown escape `\\q` in string; use `\\\"`, `\\\\`, `\\n` or `\\t`");
}

TEST(Literals, CanonicalSpellings) {
  EXPECT_EQ(formatDuration(5'400'000), "1h30m");
  EXPECT_EQ(formatDuration(500), "500ms");
  EXPECT_EQ(formatDuration(0), "0s");
  EXPECT_EQ(formatPercent(0.33), "33%");
  EXPECT_EQ(formatPercent(0.005), "0.5%");
  EXPECT_EQ(formatTimeOfDay(540), "09:00");
  EXPECT_EQ(quoteString("a\"b"), R"("a\"b")");
}
