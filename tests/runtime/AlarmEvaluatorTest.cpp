// M of N per scope, composites, external alarms, missing data and fail-safe.
#include "runtime/alarm/AlarmEvaluator.h"
#include "runtime/alarm/ScopeSlots.h"
#include "runtime/deploy/CommandLine.h"

#include <gtest/gtest.h>

#include <cmath>
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

// firingVerdict decides rollback_on from the histories alone (compiled once)
// and builds a verdict only when it fires: it must say what evaluate says, for
// every shape of expression, breaches, missing data and failing sources.
TEST(AlarmEvaluator, FiringVerdictSaysWhatEvaluateSays) {
  auto op = [](AlarmExpr::Op kind, std::vector<AlarmExpr> args) {
    AlarmExpr e;
    e.op = kind;
    e.args = std::move(args);
    return e;
  };
  std::vector<AlarmExpr> trees = {
      ref("high_severity"),
      op(AlarmExpr::Op::And, {ref("high_faults"), ref("no_traffic")}),
      op(AlarmExpr::Op::Not, {ref("high_faults")}),
      op(AlarmExpr::Op::Or, {ref("no_such_alarm"), cond("fault_rate", ">", 0.01, 2, 3)}),
      op(AlarmExpr::Op::And, {ref("org_event"), ref("high_faults")}),
      op(AlarmExpr::Op::Not, {op(AlarmExpr::Op::Not, {ref("no_traffic")})}),
      op(AlarmExpr::Op::And, {}),
  };
  // Per scope, what each minute reads (fault_rate, requests): breaches, health, no data, failures.
  std::vector<std::vector<MetricReading>> scripts = {
      {value(0.05), value(5), value(0.05), value(0), value(0.001), value(9), value(0.05), value(7)},
      {value(0.001), value(5), value(0.001), value(5), value(0.001), value(5), value(0.001), value(5)},
      {failure(), failure(), failure(), failure(), failure(), failure(), failure(), failure()},
      {MetricReading{}, value(0), value(0.02), MetricReading{}, value(0.03), value(0), value(0.04), value(0)},
  };
  for (size_t t = 0; t < trees.size(); ++t) {
    Plan plan = planWith();
    plan.rollbackOn = trees[t];
    plan.hasRollbackOn = true;
    ScriptedSource source;
    AlarmEvaluator evaluator(plan, source, source);
    auto conditions = evaluator.conditionsOf(plan.rollbackOn);
    std::vector<Scope> scopes;
    for (size_t k = 0; k < scripts.size(); ++k) {
      scopes.push_back(host("h" + std::to_string(k)));
      // A failed or empty reading is read twice (one retry), so it is scripted twice.
      for (const auto& reading : scripts[k]) {
        source.script[scopes.back().label()].push_back(reading);
        if (!reading.value) source.script[scopes.back().label()].push_back(reading);
      }
    }
    for (bool external : {false, true}) {
      source.external = external;
      for (int minute = 0; minute < 4; ++minute) {
        std::vector<SampleRecord> records;
        evaluator.sample(conditions, scopes, "v2", minute * 60 + (external ? 600 : 0), records);
        for (const auto& scope : scopes) {
          Instant now = minute * 60 + (external ? 600 : 0);
          Verdict full = evaluator.evaluate(plan.rollbackOn, scope, now);
          std::optional<Verdict> quick = evaluator.firingVerdict(plan.rollbackOn, scope, now);
          std::string where = "tree " + std::to_string(t) + " minute " + std::to_string(minute) + " " + scope.label();
          ASSERT_EQ(quick.has_value(), full.firing) << where;
          if (!quick) continue;
          EXPECT_EQ(quick->culprit, full.culprit) << where;
          EXPECT_EQ(quick->why, full.why) << where;
          EXPECT_EQ(quick->breachSince, full.breachSince) << where;
        }
      }
    }
  }
}

// A source that asks every query as written (the simulated fleet) leaves it
// out of its readings; the journal's datapoints still name the query.
TEST(AlarmEvaluator, ADatapointOfASourceThatAsksAsWrittenRecordsTheMetricsQuery) {
  struct AsWritten : ScriptedSource {
    bool queryAsWritten(const MetricDef&) const override { return true; }
  };
  Plan plan = planWith();
  plan.metrics["fault_rate"].query = "sum(rate(errors{{scope}}[1m]))";
  AsWritten source;
  AlarmEvaluator evaluator(plan, source, source);
  Scope h = host("h1");
  source.script[h.label()] = {MetricReading{0.05, "", ""}, MetricReading{}};
  std::vector<SampleRecord> records;
  auto conditions = evaluator.conditionsOf(plan.alarms.at("high_faults"));
  evaluator.sample(conditions, {h}, "v2", 0, records, /*onlyNotable=*/true);   // a breach
  evaluator.sample(conditions, {h}, "v2", 60, records, /*onlyNotable=*/true);  // no data
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].query, "sum(rate(errors{{scope}}[1m]))");
  EXPECT_TRUE(records[0].breach);
  EXPECT_EQ(records[1].query, "sum(rate(errors{{scope}}[1m]))");
  EXPECT_EQ(records[1].error, "no data");
}

// A source that answers from memory (the simulated fleet) is asked for its
// value alone: a finite number is a datapoint without read() or the reading
// rule; NaN and no data still go through read() and fail as every source's do.
TEST(AlarmEvaluator, ASourceThatAnswersFromMemoryIsReadThroughTheRuleOnlyWhenItsValueIsNotANumber) {
  struct FromMemory : ScriptedSource {
    std::deque<std::optional<double>> values;
    int asked = 0, reads = 0;
    bool answersFromMemory(const MetricDef&) const override { return true; }
    std::optional<double> valueFromMemory(const MetricRequest&) override {
      ++asked;
      return values.front();
    }
    MetricReading read(const MetricRequest&) override {
      ++reads;
      return {values.front(), "", ""};
    }
  };
  Plan plan = planWith();
  FromMemory source;
  AlarmEvaluator evaluator(plan, source, source);
  Scope h = host("h1");
  auto conditions = evaluator.conditionsOf(plan.alarms.at("high_faults"));
  std::vector<SampleRecord> records;
  std::vector<std::optional<double>> minutes = {0.05, std::nan(""), std::nullopt, 0.001, 0.02};
  for (size_t minute = 0; minute < minutes.size(); ++minute) {
    source.values = {minutes[minute]};
    evaluator.sample(conditions, {h}, "v2", static_cast<Instant>(minute) * 60, records, /*onlyNotable=*/true);
  }
  EXPECT_EQ(source.asked, 5);
  EXPECT_EQ(source.reads, 4);  // NaN and no data, each read again once (the retry) by the rule
  ASSERT_EQ(records.size(), 4u);
  EXPECT_TRUE(records[0].breach);
  EXPECT_EQ(records[1].error, "not a finite number (nan)");
  EXPECT_EQ(records[2].error, "no data");
  EXPECT_EQ(records[2].failures, 2);
  EXPECT_TRUE(records[3].breach);
  EXPECT_EQ(records[3].failures, 0);
  EXPECT_FALSE(evaluator.firingVerdict(plan.alarms.at("high_faults"), h, 240).has_value());  // 2 of 5 breach
  auto shortfall = evaluator.missingDatapoints(conditions, h);
  EXPECT_FALSE(shortfall.has_value());  // 3 of 5 have a value: the M of 3 is met
}

// Each comparison decides a breach as AlarmExpr::compare does, for equal
// conditions written with different comparisons in one history column each.
TEST(AlarmEvaluator, EveryComparisonBreachesAsThePlanSays) {
  for (std::string cmp : {">", ">=", "<", "<=", "==", "!="}) {
    Plan plan = planWith();
    plan.alarms["high_faults"] = cond("fault_rate", cmp, 0.01, 1, 1);
    ScriptedSource source;
    AlarmEvaluator evaluator(plan, source, source);
    Scope h = host("h1");
    auto conditions = evaluator.conditionsOf(plan.alarms.at("high_faults"));
    int minute = 0;
    for (double v : {0.005, 0.01, 0.02}) {
      source.script[h.label()] = {value(v)};
      std::vector<SampleRecord> records;
      evaluator.sample(conditions, {h}, "v2", 60 * minute++, records);
      ASSERT_EQ(records.size(), 1u);
      EXPECT_EQ(records[0].breach, plan.alarms.at("high_faults").compare(v)) << cmp << " " << v;
      EXPECT_EQ(evaluator.firingVerdict(plan.alarms.at("high_faults"), h, 60 * minute).has_value(),
                plan.alarms.at("high_faults").compare(v))
          << cmp << " " << v;
    }
  }
}

// A scope is found by the (model, id) a FleetModel gave it, without its label
// compared; scopes of two models with the same ids, or of none, keep their own slots.
TEST(ScopeSlots, TheSameIdOfTwoModelsOrOfNoneKeepsItsOwnSlot) {
  auto numbered = [](const std::string& zone, std::uint32_t model) {
    Scope scope{Scope::Kind::Zone, "prod", "r1", zone, "", {}, "", 0};
    scope.cachedLabel = scope.label();
    scope.model = model;
    return scope;
  };
  ScopeSlots slots;
  Scope a = numbered("a", 1), b = numbered("b", 2), c = numbered("c", 0);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(slots.slotOf(a), 0u);
    EXPECT_EQ(slots.slotOf(b), 1u);
    EXPECT_EQ(slots.slotOf(c), 2u);
  }
  EXPECT_EQ(slots.label(1), "zone b");
  EXPECT_EQ(slots.size(), 3u);
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
