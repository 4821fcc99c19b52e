// Plan values written back in `.pipe` syntax for `pipec diff` (issue 12 §7):
// what a reviewer reads instead of the plan's JSON.
#include "compiler/plan/PlanDiffSyntax.h"

#include <gtest/gtest.h>

namespace {

using namespace pipelang::plan;

llvm::json::Value parse(const char* text) {
  auto value = llvm::json::parse(text);
  EXPECT_TRUE(bool(value)) << text;
  return value ? std::move(*value) : llvm::json::Value(nullptr);
}

TEST(PlanDiffSyntax, DurationsAsPipeWritesThem) {
  EXPECT_EQ(pipeDuration(90), "1m30s");
  EXPECT_EQ(pipeDuration(3600), "1h");
  EXPECT_EQ(pipeDuration(43200), "12h");
  EXPECT_EQ(pipeDuration(90000), "1d1h");
  EXPECT_EQ(pipeDuration(0.4), "400ms");
  EXPECT_EQ(pipeDuration(0.7), "700ms");
  EXPECT_EQ(pipeDuration(1.5), "1.5s");
  EXPECT_EQ(pipeDuration(0), "0s");
}

TEST(PlanDiffSyntax, ConditionsInTheirMetricsUnits) {
  llvm::json::Value metrics = parse(
      R"({"fault_rate": {"unit": "percent"}, "latency_p99": {"unit": "duration"}, "requests": {"unit": "count"}})");
  const llvm::json::Object* units = metrics.getAsObject();
  EXPECT_EQ(pipeExpression(parse(R"({"op": "cond", "metric": "fault_rate", "cmp": ">", "value": 0.005,
                                     "m": 2, "n": 3, "period_s": 60})"),
                           units),
            "fault_rate > 0.5% for 2 of 3 every 1m");
  EXPECT_EQ(pipeExpression(parse(R"({"op": "cond", "metric": "latency_p99", "cmp": ">=", "value": 0.8,
                                     "m": 3, "n": 5, "period_s": 30})"),
                           units),
            "latency_p99 >= 800ms for 3 of 5 every 30s");
  EXPECT_EQ(pipeExpression(parse(R"({"metric": "requests", "cmp": ">=", "value": 100})"), units), "requests >= 100");
}

TEST(PlanDiffSyntax, AlarmExpressionsWithTheParenthesesTheyNeed) {
  EXPECT_EQ(pipeExpression(parse(R"({"op": "and", "args": [
                {"op": "or", "args": [{"op": "ref", "alarm": "a"}, {"op": "ref", "alarm": "b"}]},
                {"op": "not", "arg": {"op": "external", "name": "org/event"}}]})"),
                           nullptr),
            "(a or b) and not external(\"org/event\")");
  EXPECT_EQ(pipeExpression(parse(R"({"op": "or", "args": [{"op": "or", "args": [{"op": "ref", "alarm": "a"},
                {"op": "ref", "alarm": "b"}]}, {"op": "and", "args": [{"op": "ref", "alarm": "c"},
                {"op": "ref", "alarm": "d"}]}]})"),
                           nullptr),
            "a or b or c and d");
  EXPECT_EQ(pipeExpression(parse(R"({"op": "not", "arg": {"op": "and", "args": [{"op": "ref", "alarm": "a"},
                {"op": "ref", "alarm": "b"}]}})"),
                           nullptr),
            "not (a and b)");
  EXPECT_EQ(pipeExpression(parse(R"(["high_severity", "org_event"])"), nullptr), "[high_severity, org_event]");
}

}  // namespace

namespace {

TEST(PlanDiffSyntax, WindowsAndEmergencyAsBlocks) {
  EXPECT_EQ(pipeWindows(parse(R"({"timezone": "Europe/Paris",
      "allow": [{"name": "core", "days": ["mon", "tue"], "hours": {"from": "09:00", "to": "16:00"}, "dates": null}],
      "deny": [{"name": "xmas", "days": null, "hours": null, "dates": [{"from": "2026-12-24", "to": "2027-01-02"}]}],
      "off_hours_bake": 2.0})")),
            "windows { timezone = \"Europe/Paris\"  allow core { days = [mon, tue]  hours = 09:00..16:00 }  "
            "deny xmas { dates = [\"2026-12-24\"..\"2027-01-02\"] }  off_hours_bake = 200% }");
  EXPECT_EQ(pipeWindows(parse("null")), "none");
  EXPECT_EQ(pipeEmergency(parse(R"({"approvers": ["principal-engineers"], "bake": 0.25, "min_bake_s": 900})")),
            "emergency { approvers = [\"principal-engineers\"]  bake = 25%  min_bake = 15m }");
}

TEST(PlanDiffSyntax, NotifyTargetsAsBlocks) {
  EXPECT_EQ(pipeNotify(parse(R"({"name": "oncall", "events": ["rolled_back", "blocked"], "blocked_after_s": 2700,
      "webhook": "https://chat.example/hooks/\"x\"", "run": null})")),
            "notify oncall { events = [rolled_back, blocked]  blocked_after = 45m  webhook = "
            "\"https://chat.example/hooks/\\\"x\\\"\" }");
  // The default blocked_after says nothing to a target that is never told `blocked`.
  EXPECT_EQ(pipeNotify(parse(R"({"name": "pager", "events": ["rolled_back"], "blocked_after_s": 1800,
      "webhook": null, "run": "page.sh --team a"})")),
            "notify pager { events = [rolled_back]  run = \"page.sh --team a\" }");
  EXPECT_EQ(pipeNotify(parse(R"({"name": "pager", "events": ["deployed"], "blocked_after_s": 600, "run": "p"})")),
            "notify pager { events = [deployed]  blocked_after = 10m  run = \"p\" }");
}

}  // namespace
