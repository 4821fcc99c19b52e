// M of N per scope, composites, external alarms, missing data and fail-safe.
#include "runtime/alarm/AlarmEvaluator.h"
#include "runtime/deploy/CommandLine.h"

#include <gtest/gtest.h>

#include <deque>

using namespace pipelang::runtime;

namespace {

struct ScriptedSource : MetricSource, ExternalAlarmSource {
  std::map<std::string, std::deque<MetricReading>> script;  // scope label -> readings in order
  std::optional<bool> external = false;
  MetricReading read(const MetricRequest& request) override {
    auto& queue = script[request.scope.label()];
    if (queue.empty()) return {};
    MetricReading reading = queue.front();
    queue.pop_front();
    return reading;
  }
  std::optional<bool> firing(const std::string&, Instant) override { return external; }
};

AlarmExpr cond(const std::string& metric, const std::string& cmp, double value, int m, int n) {
  AlarmExpr e;
  e.op = AlarmExpr::Op::Cond;
  e.metric = metric;
  e.cmp = cmp;
  e.value = value;
  e.m = m;
  e.n = n;
  e.periodS = 60;
  return e;
}

AlarmExpr ref(const std::string& name) {
  AlarmExpr e;
  e.op = AlarmExpr::Op::Ref;
  e.name = name;
  return e;
}

Plan planWith() {
  Plan plan;
  plan.metrics["fault_rate"] = {"fault_rate", "command", "x", "percent"};
  plan.metrics["requests"] = {"requests", "command", "x", "count"};
  plan.alarms["high_faults"] = cond("fault_rate", ">", 0.01, 3, 5);
  plan.alarms["no_traffic"] = cond("requests", "<", 1, 1, 1);
  AlarmExpr either;
  either.op = AlarmExpr::Op::Or;
  either.args = {ref("high_faults"), ref("no_traffic")};
  plan.alarms["high_severity"] = either;
  AlarmExpr external;
  external.op = AlarmExpr::Op::External;
  external.name = "org/event";
  plan.alarms["org_event"] = external;
  return plan;
}

Scope host(const std::string& name) {
  return {Scope::Kind::Host, "prod", "r1", "z1", name, {name}, ""};
}

MetricReading value(double v) {
  return {v, "", "q"};
}
MetricReading failure() {
  return {std::nullopt, "connection refused", "q"};
}

TEST(AlarmEvaluator, FiresOnMOfNPerScopeOnly) {
  Plan plan = planWith();
  ScriptedSource source;
  AlarmEvaluator evaluator(plan, source, source);
  auto conditions = evaluator.conditionsOf(plan.alarms.at("high_faults"));
  Scope bad = host("h1"), good = host("h2");
  for (double v : {0.05, 0.001, 0.05, 0.001, 0.05}) source.script[bad.label()].push_back(value(v));
  for (int i = 0; i < 5; ++i) source.script[good.label()].push_back(value(0.001));
  std::vector<SampleRecord> records;
  for (int minute = 0; minute < 5; ++minute) {
    evaluator.sample(conditions, {bad, good}, "v2", minute * 60, records);
    Verdict verdict = evaluator.evaluate(ref("high_faults"), bad, minute * 60);
    EXPECT_EQ(verdict.firing, minute == 4) << "minute " << minute;  // the third breach of five
  }
  Verdict verdict = evaluator.evaluate(ref("high_faults"), bad, 240);
  EXPECT_EQ(verdict.culprit, "high_faults");
  EXPECT_NE(verdict.why.find("fault_rate = 5.00% > 1.00% in 3 of last 5 at host h1"), std::string::npos) << verdict.why;
  EXPECT_FALSE(evaluator.evaluate(ref("high_faults"), good, 240).firing);
  EXPECT_EQ(records.size(), 10u);
}

TEST(AlarmEvaluator, CompositeNamesTheInnermostFiringAlarm) {
  Plan plan = planWith();
  ScriptedSource source;
  AlarmEvaluator evaluator(plan, source, source);
  Scope zone{Scope::Kind::Zone, "prod", "r1", "z1", "", {}, ""};
  source.script[zone.label()] = {value(0.001), value(0.0)};  // fault_rate fine, requests 0 < 1
  std::vector<SampleRecord> records;
  evaluator.sample(evaluator.conditionsOf(plan.alarms.at("high_severity")), {zone}, "v2", 0, records);
  Verdict verdict = evaluator.evaluate(ref("high_severity"), zone, 0);
  EXPECT_TRUE(verdict.firing);
  EXPECT_EQ(verdict.culprit, "no_traffic");
}

TEST(AlarmEvaluator, MissingDataNeverLooksHealthyAndFailuresBecomeAnAlarm) {
  Plan plan = planWith();
  ScriptedSource source;
  AlarmEvaluator evaluator(plan, source, source);
  auto conditions = evaluator.conditionsOf(plan.alarms.at("high_faults"));
  Scope h = host("h1");
  std::vector<SampleRecord> records;
  // No data: not breaching, but not data either.
  evaluator.sample(conditions, {h}, "v2", 0, records);
  EXPECT_FALSE(evaluator.evaluate(ref("high_faults"), h, 0).firing);
  EXPECT_TRUE(evaluator.evaluate(ref("high_faults"), h, 0).missingData);
  EXPECT_FALSE(evaluator.hasData(conditions, h));
  // Each failed query is retried once; three failing periods are an alarm.
  for (int i = 0; i < 6; ++i) source.script[h.label()].push_back(failure());
  for (int minute = 1; minute <= 3; ++minute) evaluator.sample(conditions, {h}, "v2", minute * 60, records);
  Verdict verdict = evaluator.evaluate(ref("high_faults"), h, 180);
  EXPECT_TRUE(verdict.firing);
  // The first period's "no data" was a failed reading too: four in a row.
  EXPECT_EQ(records.front().error, "no data");
  EXPECT_NE(verdict.why.find("metrics source failing for 4 periods"), std::string::npos) << verdict.why;
  EXPECT_NE(verdict.why.find("connection refused"), std::string::npos);
}

TEST(AlarmEvaluator, SamplesOnlyWhenThePeriodIsDue) {
  Plan plan = planWith();
  ScriptedSource source;
  AlarmEvaluator evaluator(plan, source, source);
  auto conditions = evaluator.conditionsOf(plan.alarms.at("high_faults"));
  Scope h = host("h1");
  std::vector<SampleRecord> records;
  evaluator.beginRound();
  evaluator.sample(conditions, {h}, "v2", 0, records);
  evaluator.sample(conditions, {h}, "v2", 30, records);  // not due yet
  EXPECT_EQ(records.size(), 1u);
  EXPECT_EQ(evaluator.nextDue(), 60);
}

TEST(AlarmEvaluator, UnknownExternalStateIsAnAlarm) {
  Plan plan = planWith();
  ScriptedSource source;
  AlarmEvaluator evaluator(plan, source, source);
  Scope h = host("h1");
  EXPECT_FALSE(evaluator.evaluate(ref("org_event"), h, 0).firing);
  source.external = true;
  EXPECT_TRUE(evaluator.evaluate(ref("org_event"), h, 0).firing);
  source.external = std::nullopt;
  Verdict unknown = evaluator.evaluate(ref("org_event"), h, 0);
  EXPECT_TRUE(unknown.firing);
  EXPECT_NE(unknown.why.find("unknown"), std::string::npos);
}

TEST(CommandLine, SplitsLikeAShellWithoutRunningOne) {
  auto argv = splitCommandLine(R"(scripts/deploy.sh --to "two words" 'single $quoted' back\ slash "a\"b")");
  ASSERT_TRUE(bool(argv));
  EXPECT_EQ(*argv, (std::vector<std::string>{"scripts/deploy.sh", "--to", "two words", "single $quoted", "back slash",
                                             "a\"b"}));
  auto metachars = splitCommandLine("deploy.sh; rm -rf / && echo $(id)");
  ASSERT_TRUE(bool(metachars));
  EXPECT_EQ((*metachars)[0], "deploy.sh;");  // no operators: just words
  EXPECT_FALSE(bool(splitCommandLine("broken 'quote")));
  llvm::consumeError(splitCommandLine("").takeError());
}

}  // namespace
