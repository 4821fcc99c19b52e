// `piperun simulate PLAN` without a scenario (a healthy baseline: when each
// stage starts and ends) and the timeline clock's seconds for plans whose
// steps are shorter than a minute, through the real piperun binary.
#include "ProcessHarness.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <ctime>
#include <regex>
#include <sstream>

using namespace pipelang::runtime::testing;

namespace {

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// "Mon 2026-12-07": the next Monday after today, in UTC (the canary plan has
// no windows, so its clock is UTC); a Monday's next Monday is a week on.
std::string nextMondayUtc() {
  std::time_t now = std::time(nullptr);
  std::tm today{};
  gmtime_r(&now, &today);
  int days = (8 - today.tm_wday) % 7;
  if (days == 0) days = 7;
  std::time_t monday = now + days * 86400;
  std::tm day{};
  gmtime_r(&monday, &day);
  return fmt::format("Mon {:04}-{:02}-{:02}", day.tm_year + 1900, day.tm_mon + 1, day.tm_mday);
}

TEST(SimulateBaseline, WithoutAScenarioNothingGoesWrongAndEachStageSaysWhenItStartsAndEnds) {
  Sandbox box;
  ProcessResult sim = box.piperun({"simulate", box.plan("canary")});
  ASSERT_EQ(sim.exitCode, 0) << sim.out << sim.err;
  EXPECT_EQ(sim.err, "");
  std::string d = nextMondayUtc();
  std::vector<std::string> expected = {
      "baseline: no scenario, nothing goes wrong: batches take 1s; fault_rate reads 0.10%",
      d + " 09:00:00  run                     deploying flagslab v2 (previous v1)",
      d + " 09:00:00  wave1                   started",
      d + " 09:00:00  wave1/lab-east/onebox   deploying one-box le-a-h1 at 20% traffic",
      d + " 09:00:01  wave1/lab-east/onebox   1 host on v2",
      d + " 09:00:01  wave1/lab-east/onebox   baking 1s, watching host le-a-h1, zone le-a, region lab-east",
      d + " 09:00:02  wave1/lab-east/onebox   bake passed after 1s: fault_rate 0.10% (host le-a-h1)",
      d + " 09:00:02  wave1/lab-east/canary1  shifting 10% of lab-east to v2",
      d + " 09:00:03  wave1/lab-east/canary1  10% of lab-east's traffic on v2",
      d + " 09:00:03  wave1/lab-east/canary1  baking 2s, watching host le-a-h1, zone le-a, region lab-east",
      d + " 09:00:05  wave1/lab-east/canary1  bake passed after 2s: fault_rate 0.10% (host le-a-h1)",
      d + " 09:00:05  wave1/lab-east/canary2  shifting 50% of lab-east to v2",
      d + " 09:00:06  wave1/lab-east/canary2  50% of lab-east's traffic on v2",
      d + " 09:00:06  wave1/lab-east/canary2  baking 2s, watching host le-a-h1, zone le-a, region lab-east",
      d + " 09:00:08  wave1/lab-east/canary2  bake passed after 2s: fault_rate 0.10% (host le-a-h1)",
      d + " 09:00:08  wave1/lab-east/canary3  shifting 100% of lab-east to v2",
      d + " 09:00:09  wave1/lab-east/canary3  100% of lab-east's traffic on v2",
      d + " 09:00:09  wave1/lab-east/canary3  baking 2s, watching host le-a-h1, zone le-a, region lab-east",
      d + " 09:00:11  wave1/lab-east/canary3  bake passed after 2s: fault_rate 0.10% (host le-a-h1)",
      d + " 09:00:11  wave1/bake              baking 1s, watching host le-a-h1, zone le-a, region lab-east",
      d + " 09:00:12  wave1/bake              bake passed after 1s: fault_rate 0.10% (host le-a-h1)",
      d + " 09:00:12  wave1                   stage done",
      "outcome: deployed v2 everywhere in 12s",
      "stage wave1: " + d + " 09:00:00 to " + d + " 09:00:12 (12s)",
  };
  EXPECT_EQ(linesOf(sim.out), expected) << sim.out;
}

TEST(SimulateBaseline, AGlobalPlanDeploysEverywhereWithStageSpansInMinutes) {
  Sandbox box;
  ProcessResult sim = box.piperun({"simulate", box.plan("global")});
  ASSERT_EQ(sim.exitCode, 0) << sim.out << sim.err;
  std::vector<std::string> lines = linesOf(sim.out);
  ASSERT_GE(lines.size(), 8u) << sim.out;
  EXPECT_EQ(lines.front(),
            "baseline: no scenario, nothing goes wrong: batches take 5m; fault_rate reads 0.10%, latency_p99 reads "
            "50ms, requests reads 500000");
  // The start (the next Monday 09:00 in the plan's timezone) moves with the
  // date; the spans between stages do not.
  std::regex span(R"(stage (\w+): \w{3} \d{4}-\d\d-\d\d \d\d:\d\d to \w{3} \d{4}-\d\d-\d\d \d\d:\d\d \((\w+)\))");
  std::vector<std::string> spans;
  for (size_t i = lines.size() - 6; i < lines.size(); ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(lines[i], m, span)) << lines[i];
    spans.push_back(m[1].str() + " " + m[2].str());
  }
  EXPECT_EQ(spans, (std::vector<std::string>{"gamma 1h45m", "wave1 15h40m", "wave2 6h5m", "wave3 6h", "wave4 4h",
                                             "wave5 4h"}));
  EXPECT_EQ(lines[lines.size() - 7], "outcome: deployed v2 everywhere in 2d8h");
  EXPECT_TRUE(std::regex_match(lines[1], std::regex(R"(Mon \d{4}-\d\d-\d\d 09:00  run  .*)"))) << lines[1];
}

TEST(SimulateBaseline, JsonAndAnEmptyScenarioArgument) {
  Sandbox box;
  ProcessResult json = box.piperun({"simulate", box.plan("canary"), "--format", "json"});
  EXPECT_EQ(json.exitCode, 0) << json.err;
  EXPECT_NE(json.out.find(R"("outcome":"deployed")"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find(R"("elapsed_s":12)"), std::string::npos) << json.out;

  ProcessResult empty = box.piperun({"simulate", box.plan("canary"), "--scenario", ""});
  EXPECT_EQ(empty.exitCode, 2);
  EXPECT_EQ(empty.err, "piperun: --scenario needs a FILE (leave it out for a healthy baseline)\n");
  EXPECT_EQ(empty.out, "");
}

TEST(TimelineClock, SecondsWhenTheScenarioOrPlanMovesFasterThanAMinute) {
  Sandbox box;
  box.write("fast.json", R"({"start": "2026-11-23T09:00:00", "batch_time": "1s", "baseline": {"fault_rate": 0.001}})");
  ProcessResult sim = box.piperun({"simulate", box.plan("canary"), "--scenario", (box.dir() / "fast.json").string()});
  ASSERT_EQ(sim.exitCode, 0) << sim.out << sim.err;
  std::vector<std::string> lines = linesOf(sim.out);
  ASSERT_GE(lines.size(), 4u) << sim.out;
  EXPECT_EQ(lines[3], "Mon 2026-11-23 09:00:01  wave1/lab-east/onebox   1 host on v2");

  // Minutes stay minutes: the global plan with 5-minute batches.
  std::string good = std::string(PIPE_RUNTIME_FIXTURES) + "/scenarios/good.json";
  ProcessResult slow = box.piperun({"simulate", box.plan("global"), "--scenario", good});
  std::vector<std::string> slowLines = linesOf(slow.out);
  ASSERT_GE(slowLines.size(), 4u) << slow.out;
  EXPECT_EQ(slowLines[3], "Mon 2026-11-23 09:05  gamma/us-west-2/onebox             1 host on v2");
}

TEST(TimelineClock, ARealRunOfAPlanWithSecondBakesPrintsSeconds) {
  Sandbox box;
  ProcessResult blocked = box.piperun(
      {"run", box.plan("gated"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--until-blocked"});
  EXPECT_EQ(blocked.exitCode, 4) << blocked.out << blocked.err;
  std::vector<std::string> lines = linesOf(blocked.out);
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    if (line.rfind("outcome:", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, std::regex(R"(\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  \S.*)"))) << line;
  }
}

}  // namespace
