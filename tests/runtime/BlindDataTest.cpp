// Blind data never passes (docs/runtime.md): one rule for every metric source.
// A reading is a datapoint only if it is a finite number from a successful
// answer; anything else is a failed reading, never healthy, and three failing
// periods in a row at a scope are an alarm there.
#include "runtime/alarm/AlarmEvaluator.h"
#include "runtime/engine/Engine.h"
#include "runtime/metrics/CommandMetricSource.h"
#include "runtime/metrics/PrometheusMetricSource.h"
#include "runtime/metrics/ReadPool.h"
#include "runtime/plan/PlanReader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

using namespace pipelang::runtime;

namespace {

MetricReading readCommand(const std::string& command) {
  MetricDef metric{"fault_rate", "command", command, "percent"};
  Scope scope{Scope::Kind::Host, "prod", "r1", "r1-a", "r1-a-h1", {"r1-a-h1"}, ""};
  CommandMetricSource source(5000);
  return source.read(MetricRequest{metric, scope, "v2", 0});
}

TEST(BlindData, CommandMetricIsDataOnlyForExactlyOneFiniteNumber) {
  struct Case {
    const char* command;
    const char* error;
  } cases[] = {
      {"echo NaN", "not a finite number: 'NaN'"},
      {"echo nan", "not a finite number: 'nan'"},
      {"echo inf", "not a finite number: 'inf'"},
      {"echo -Infinity", "not a finite number: '-Infinity'"},
      {"echo 1e999", "not a finite number: '1e999'"},
      {"true", "printed nothing: no data"},
      {"echo 1 2", "printed 2 words ('1 2'); a metric command prints exactly one number"},
      {"printf '0.1\\n0.2\\n'", "printed 2 words ('0.1?0.2'); a metric command prints exactly one number"},
      {"echo 12abc", "not a number: '12abc'"},
      {"echo garbage", "not a number: 'garbage'"},
      {"echo 0x10", "not a decimal number: '0x10'"},
      {"echo 0x0", "not a decimal number: '0x0'"},
      {"echo 1,5", "not a number: '1,5'"},
  };
  for (const Case& c : cases) {
    MetricReading reading = readCommand(std::string("sh -c \"") + c.command + "\"");
    EXPECT_FALSE(reading.value.has_value()) << c.command;
    EXPECT_EQ(reading.error, c.error) << c.command;
  }
  MetricReading failed = readCommand("sh -c \"echo 0.001; exit 2\"");
  EXPECT_FALSE(failed.value.has_value());
  EXPECT_EQ(failed.error.rfind("exit 2", 0), 0u) << failed.error;
  MetricReading good = readCommand("sh -c \"echo '  0.004  '\"");
  ASSERT_TRUE(good.value.has_value()) << good.error;
  EXPECT_DOUBLE_EQ(*good.value, 0.004);
}

TEST(BlindData, PrometheusSampleIsDataOnlyWhenWrittenInDecimal) {
  auto answer = [](const std::string& value) {
    return parsePrometheusResponse(
        R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,")" + value +
            R"("]}]}})",
        "q");
  };
  for (const char* bad : {"0x10", "0x0", " 0.1", "NaN", "+Inf", "1,5"})
    EXPECT_FALSE(answer(bad).value.has_value()) << bad;
  MetricReading good = answer("1.5e-3");
  ASSERT_TRUE(good.value.has_value()) << good.error;
  EXPECT_DOUBLE_EQ(*good.value, 0.0015);
}

TEST(BlindData, ACommandMetricNeverBlocksLongerThanItsRequestsTimeout) {
  MetricDef metric{"fault_rate", "command", "sleep 20", "percent"};
  Scope scope{Scope::Kind::Region, "prod", "r1", "", "", {}, ""};
  CommandMetricSource source(10000);
  auto begin = std::chrono::steady_clock::now();
  MetricReading reading = source.read(MetricRequest{metric, scope, "v2", 0, 300});
  auto tookMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_FALSE(reading.value.has_value());
  EXPECT_EQ(reading.error, "timed out after 300ms");
  EXPECT_LT(tookMs, 2000);
}

// A provider that answers a value without an error, however odd: the rule is
// applied by the evaluator, not trusted to each provider.
struct Answering final : MetricSource, ExternalAlarmSource {
  std::optional<double> value;
  MetricReading read(const MetricRequest& request) override { return {value, "", request.metric.query}; }
  std::optional<bool> firing(const std::string&, Instant) override { return false; }
};

Plan onePlan() {
  Plan plan;
  plan.metrics["fault_rate"] = {"fault_rate", "future", "q", "percent"};
  AlarmExpr high;
  high.op = AlarmExpr::Op::Cond;
  high.metric = "fault_rate";
  high.cmp = ">";
  high.value = 0.01;
  high.m = 2;
  high.n = 3;
  high.periodS = 60;
  plan.alarms["high_faults"] = high;
  return plan;
}

TEST(BlindData, EveryProvidersNonFiniteOrEmptyAnswerIsAFailedReadingAndThreeAreAnAlarm) {
  for (std::optional<double> value :
       {std::optional<double>(std::numeric_limits<double>::quiet_NaN()),
        std::optional<double>(std::numeric_limits<double>::infinity()),
        std::optional<double>(-std::numeric_limits<double>::infinity()), std::optional<double>()}) {
    Plan plan = onePlan();
    Answering source;
    source.value = value;
    AlarmEvaluator evaluator(plan, source, source);
    auto conditions = evaluator.conditionsOf(plan.alarms.at("high_faults"));
    Scope host{Scope::Kind::Host, "prod", "r1", "r1-a", "r1-a-h1", {"r1-a-h1"}, ""};
    std::vector<SampleRecord> records;
    for (int period = 0; period < 3; ++period) {
      evaluator.sample(conditions, {host}, "v2", period * 60, records);
      if (period < 2) {
        EXPECT_FALSE(evaluator.evaluate(plan.alarms.at("high_faults"), host, period * 60).firing);
      }
    }
    ASSERT_EQ(records.size(), 3u);
    EXPECT_FALSE(records[0].value.has_value());
    EXPECT_EQ(records[0].failures, 1);
    EXPECT_EQ(records[2].failures, 3);
    EXPECT_EQ(records[0].error, value ? "not a finite number (" + fmt::format("{}", *value) + ")" : "no data");
    Verdict verdict = evaluator.evaluate(plan.alarms.at("high_faults"), host, 120);
    EXPECT_TRUE(verdict.firing);
    EXPECT_NE(verdict.why.find("metrics source failing for 3 periods at host r1-a-h1 (failed reading: "),
              std::string::npos)
        << verdict.why;
    auto missing = evaluator.missingDatapoints(conditions, host);
    ASSERT_TRUE(missing.has_value());
    EXPECT_EQ(missing->condition, "high_faults");
    EXPECT_EQ(missing->have, 0);
    EXPECT_EQ(missing->need, 2);
  }
}

// `piperun serve`: a bake's last datapoint is awaited while its read is out,
// and still when the read has ended but no pass has taken it yet (it may end
// between a pass's sampling and its bake check; the read's end brings the next
// pass). Only with no read on its way is the shortfall a wait to say.
TEST(BlindData, ADatapointReadButNotYetTakenIsStillAwaited) {
  Plan plan = onePlan();
  Answering source;
  source.value = 0.001;
  AlarmEvaluator evaluator(plan, source, source);
  std::atomic<int> done{0};
  ReadPool pool(1, [&](std::int64_t) { ++done; });
  evaluator.setReadPool(&pool, 1);
  auto conditions = evaluator.conditionsOf(plan.alarms.at("high_faults"));
  Scope host{Scope::Kind::Host, "prod", "r1", "r1-a", "r1-a-h1", {"r1-a-h1"}, ""};
  std::vector<SampleRecord> records;
  auto waitForReads = [&](int count) {
    for (int i = 0; i < 500 && done < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(done, count);
  };
  evaluator.sample(conditions, {host}, "v2", 0, records);
  waitForReads(1);
  evaluator.sample(conditions, {host}, "v2", 60, records);  // takes the first, asks the second
  ASSERT_EQ(records.size(), 1u);
  waitForReads(2);
  auto missing = evaluator.missingDatapoints(conditions, host);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->have, 1);
  EXPECT_EQ(missing->awaitedAt, 60);
  evaluator.sample(conditions, {host}, "v2", 61, records);  // the next pass takes it
  EXPECT_FALSE(evaluator.missingDatapoints(conditions, host).has_value());
}

// The one-box bake of the crash lab (1 s, `high_faults` 2 of 3 every 1s) on a
// virtual clock; the one-box host's first two readings fail.
TEST(BlindData, ABakeWaitsForMDatapointsAtEveryScopeAndSaysSo) {
  auto plan = readPlanFile(PIPE_RUNTIME_FIXTURES "/plans/crash.plan.json");
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  auto journal = Journal::open(":memory:", false);
  ASSERT_TRUE(bool(journal));
  ASSERT_FALSE(bool((*journal)->bindPlan(*plan, false)));
  const Instant start = 1'800'000'000;
  VirtualClock clock(start);
  struct Flaky final : MetricSource, ExternalAlarmSource {
    int hostReads = 0;
    MetricReading read(const MetricRequest& request) override {
      if (request.scope.kind == Scope::Kind::Host && request.at < 1'800'000'000 + 3) {
        ++hostReads;
        return {std::nullopt, "prometheus answered HTTP 502", request.metric.query};
      }
      return {0.001, "", request.metric.query};
    }
    std::optional<bool> firing(const std::string&, Instant) override { return false; }
  } metrics;
  struct Instant1s final : Deployer {
    int start(const DeployCall&, Instant now) override {
      done.push_back(now + 1);
      return static_cast<int>(done.size()) - 1;
    }
    std::optional<DeployResult> poll(int handle, Instant now) override {
      if (now < done[handle]) return std::nullopt;
      return DeployResult{true, 0, false, "", "", "exit 0"};
    }
    void cancel(int) override {}
    std::optional<Instant> nextCompletion() const override {
      return done.empty() ? std::nullopt : std::optional<Instant>(done.back());
    }
    std::vector<Instant> done;
  } deployer;
  struct Sink final : EventSink {
    std::vector<EngineEvent> events;
    void onEvent(const EngineEvent& e) override { events.push_back({e.t, e.type, e.stage, e.step, e.message, {}}); }
  } sink;
  RunRecord run;
  run.version = "v2";
  run.previous = "v1";
  run.status = "queued";
  Engine engine(*plan, **journal, clock, deployer, metrics, metrics, sink);
  EngineResult result = engine.execute((*journal)->createRun(run));
  EXPECT_EQ(result.outcome, Outcome::Deployed) << result.message;
  const EngineEvent *extended = nullptr, *passed = nullptr, *failed = nullptr;
  for (const auto& e : sink.events) {
    if (e.step == "wave1/lab-east/onebox" && e.type == "bake_extended" && !extended) extended = &e;
    if (e.step == "wave1/lab-east/onebox" && e.type == "bake_passed") passed = &e;
    if (e.type == "reading_failed" && !failed) failed = &e;
  }
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->message,
            "failed reading: fault_rate at host le-a-h1: prometheus answered HTTP 502 (query: ./metric.sh fault_rate)");
  ASSERT_NE(extended, nullptr);
  EXPECT_EQ(extended->message,
            "bake extended: high_faults has 0 of 2 datapoints at host le-a-h1 (a bake cannot end blind)");
  ASSERT_NE(passed, nullptr);
  // Readings at +1 and +2 failed; +3 and +4 are the two datapoints the bake needs.
  EXPECT_EQ(passed->t - start, 4);
}

}  // namespace
