// One Prometheus query per metric, scope kind and period (docs/runtime.md "One
// query per metric per period"): the rewrite, its refusals, how many requests
// the alarm evaluator makes (synchronous and on a ReadPool), and, against the
// real Prometheus of real_prometheus.sh, the same readings per scope either way.
#include "runtime/alarm/AlarmEvaluator.h"
#include "runtime/metrics/BatchedQuery.h"
#include "runtime/metrics/PrometheusMetricSource.h"
#include "tests/live/LoopbackHttpServer.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

using namespace pipelang::runtime;

namespace {

Scope zone(const std::string& region, const std::string& zone) {
  return Scope{Scope::Kind::Zone, "prod", region, zone, "", {}, ""};
}
Scope host(const std::string& region, const std::string& zone, const std::string& host) {
  return Scope{Scope::Kind::Host, "prod", region, zone, host, {}, ""};
}
Scope region(const std::string& region) {
  return Scope{Scope::Kind::Region, "prod", region, "", "", {}, ""};
}

std::optional<std::string> grouped(const std::string& query, std::vector<std::string> labels = {"region", "zone"}) {
  std::string whyNot;
  auto out = groupedByScope(query, labels, whyNot);
  if (!out) return "refused: " + whyNot;
  return out;
}

struct NullExternals : ExternalAlarmSource {
  std::optional<bool> firing(const std::string&, Instant) override { return false; }
};

AlarmExpr cond(const std::string& metric, double value, int periodS) {
  AlarmExpr e;
  e.op = AlarmExpr::Op::Cond;
  e.metric = metric;
  e.cmp = ">";
  e.value = value;
  e.m = 1;
  e.n = 1;
  e.periodS = periodS;
  return e;
}

}  // namespace

TEST(BatchedQuery, LabelValuesAreRegexQuotedThenStringEscaped) {
  EXPECT_EQ(regexQuote(R"(a.b|c)"), R"(a\.b\|c)");
  EXPECT_EQ(regexQuote(R"(x\y"z)"), R"(x\\y"z)");
  EXPECT_EQ(regexQuote("(a)[b]{c}^$*+?"), R"(\(a\)\[b\]\{c\}\^\$\*\+\?)");
  EXPECT_EQ(promqlStringEscape("a\"b\\c\nd"), R"(a\"b\\c\nd)");
  EXPECT_EQ(batchMatchers({zone("r1", "r1.a|b"), zone("r1", R"(r1\z)"), zone("r2", R"(r2"q)")}),
            R"(region=~"r1|r2",zone=~"r1\\.a\\|b|r1\\\\z|r2\"q",stage=~"|prod")");
  EXPECT_EQ(batchMatchers({host("r1", "z1", "h1"), host("r1", "z1", "h2")}),
            R"(region=~"r1",zone=~"z1",host=~"h1|h2",stage=~"|prod")");
  Scope gamma{Scope::Kind::Region, "gamma", "r1", "", "", {}, ""};
  EXPECT_EQ(batchMatchers({gamma}), R"(region=~"r1",stage="gamma")");
}

TEST(BatchedQuery, AggregationsAreGroupedByTheScopeLabels) {
  EXPECT_EQ(grouped(R"(sum(rate(x{code=~"5..",{scope}}[1m])) / sum(rate(x{{scope}}[1m])))"),
            R"(sum by (region, zone)(rate(x{code=~"5..",{scope}}[1m])) / sum by (region, zone)(rate(x{{scope}}[1m])))");
  EXPECT_EQ(grouped("histogram_quantile(0.99, sum by (le) (rate(b{{scope}}[1m])))"),
            "histogram_quantile(0.99, sum by (le, region, zone) (rate(b{{scope}}[1m])))");
  EXPECT_EQ(grouped("sum(rate(x{{scope}}[5m:1m])) by (code, zone)", {"region", "zone"}),
            "sum(rate(x{{scope}}[5m:1m])) by (code, zone, region)");
  EXPECT_EQ(grouped("max(sum by () (x{{scope}} offset 5m)) > bool 3", {"region"}),
            "max by (region)(sum by (region) (x{{scope}} offset 5m)) > bool 3");
  EXPECT_EQ(grouped("rate(x{{scope}}[1m])"), "rate(x{{scope}}[1m])");  // split by labels as it is
  EXPECT_EQ(grouped("sum(up)"), "sum(up)");                            // no {scope}: one answer for every scope
  EXPECT_EQ(fillBatchScope("sum by (region)(x{{scope}})", {region("a"), region("b")}),
            R"(sum by (region)(x{region=~"a|b",stage=~"|prod"}))");
}

TEST(BatchedQuery, QueriesThatCannotBeSplitAreAskedPerScope) {
  EXPECT_EQ(grouped("topk(1, x{{scope}})"), "refused: the query uses `topk`");
  EXPECT_EQ(grouped("sum without (host) (x{{scope}})"), "refused: the query uses `without`");
  EXPECT_EQ(grouped("sum(x{{scope}}) without (host)"), "refused: the query uses `without`");
  EXPECT_EQ(grouped("sum(x{{scope}}) / on() sum(y{{scope}})"), "refused: the query uses `on`");
  EXPECT_EQ(grouped("sum(x{{scope}}) / sum(y)"), "refused: the vector selector `y` has no {scope}");
  EXPECT_EQ(grouped(R"(sum(x{{scope}}) / sum({__name__="y"}))"), "refused: a vector selector has no {scope}");
  EXPECT_EQ(grouped("scalar(sum(x{{scope}}))"), "refused: the query uses `scalar`");
  EXPECT_EQ(grouped("label_replace(x{{scope}}, \"zone\", \"a\", \"\", \"\")"),
            "refused: the query uses `label_replace`");
  EXPECT_EQ(grouped("sum(x{{scope}}) # why"), "refused: the query has a comment");
  EXPECT_EQ(grouped("sum(x{{scope}}) or vector(0)"), "refused: the query uses `vector`");
  EXPECT_EQ(grouped("sum(x{code=\"5{{scope}})"), "refused: the query has an unterminated string");
  EXPECT_EQ(grouped("sum(x{{scope}}"), "refused: the query's brackets are unbalanced");
}

// The answer's series go back to their scopes by label; a scope without a
// series, or with several, fails as its own query would.
TEST(BatchedQuery, TheAnswerIsSplitPerScope) {
  const char* body = R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"region":"r1","zone":"a.b|c"},"value":[1,"0.5"]},
      {"metric":{"region":"r1","zone":"z2"},"value":[1,"NaN"]},
      {"metric":{"region":"r1","zone":"z3","code":"500"},"value":[1,"1"]},
      {"metric":{"region":"r1","zone":"z3","code":"503"},"value":[1,"2"]}]}})";
  std::vector<Scope> scopes = {zone("r1", "a.b|c"), zone("r1", "z2"), zone("r1", "z3"), zone("r1", "z4")};
  std::vector<MetricReading> readings = splitPrometheusResponse(body, "q", scopes);
  ASSERT_EQ(readings.size(), 4u);
  ASSERT_TRUE(readings[0].value.has_value()) << readings[0].error;
  EXPECT_DOUBLE_EQ(*readings[0].value, 0.5);
  EXPECT_EQ(readings[1].error, "prometheus returned a sample that is not a finite number (NaN or Inf)");
  EXPECT_EQ(readings[2].error, "prometheus returned 2 series; aggregate the query (e.g. sum(...)) to one");
  EXPECT_EQ(readings[3].error, "prometheus returned no series (empty result): no data");
  for (const auto& reading : readings) EXPECT_EQ(reading.resolvedQuery, "q");
  std::vector<MetricReading> failed =
      splitPrometheusResponse(R"({"status":"error","errorType":"bad_data","error":"parse error"})", "q", scopes);
  for (const auto& reading : failed) EXPECT_EQ(reading.error, "prometheus query failed: bad_data: parse error");
}

namespace {

// A Prometheus that answers a per-scope query (`zone="..."`) with one series
// and any other with zones z1..z3 of r1.
struct ZonePrometheus {
  LoopbackHttpServer server{[](const std::string& target) -> std::pair<int, std::string> {
    if (target.find("zone%3D%22") != std::string::npos)
      return {200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"5"]}]}})"};
    return {200, R"({"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"region":"r1","zone":"z1"},"value":[1,"1"]},
        {"metric":{"region":"r1","zone":"z2"},"value":[1,"2"]},
        {"metric":{"region":"r1","zone":"z3"},"value":[1,"3"]}]}})"};
  }};
};

}  // namespace

// Two conditions on one metric at three zones, due together: one request.
// A query that cannot be batched: one request per zone and condition, as before.
TEST(BatchedQuery, TheEvaluatorAsksOncePerMetricKindAndPeriod) {
  for (bool batchable : {true, false}) {
    ZonePrometheus prometheus;
    Plan plan;
    std::string query = batchable ? "sum(x{{scope}})" : "max(topk(1, x{{scope}}))";
    plan.metrics["m"] = {"m", "prometheus", query, ""};
    AlarmExpr low = cond("m", 10, 60), high = cond("m", 20, 60);
    PrometheusMetricSource source({prometheus.server.url(), 2000, 1, 10});
    NullExternals externals;
    AlarmEvaluator evaluator(plan, source, externals);
    std::vector<Scope> zones = {zone("r1", "z1"), zone("r1", "z2"), zone("r1", "z3")};
    std::vector<SampleRecord> out;
    evaluator.sample({&low, &high}, zones, "v2", 0, out);
    EXPECT_EQ(prometheus.server.requests(), batchable ? 1 : 6) << query;
    ASSERT_EQ(out.size(), 6u);
    if (batchable) {
      for (size_t i = 0; i < 6; ++i) {
        ASSERT_TRUE(out[i].value.has_value()) << out[i].error;
        EXPECT_DOUBLE_EQ(*out[i].value, static_cast<double>(i / 2 + 1)) << out[i].scope;
      }
      EXPECT_EQ(out[0].query, R"(sum by (region, zone)(x{region=~"r1",zone=~"z1|z2|z3",stage=~"|prod"}))");
    }
    evaluator.sample({&low, &high}, zones, "v2", 30, out);  // not due yet
    EXPECT_EQ(prometheus.server.requests(), batchable ? 1 : 6);
  }
}

// Scopes that start watching at different moments (zones deployed one after
// another) are read together from their second datapoint on: a batched
// metric's reads fall on multiples of its period.
TEST(BatchedQuery, ScopesThatStartApartShareTheNextPeriodsQuery) {
  ZonePrometheus prometheus;
  Plan plan;
  plan.metrics["m"] = {"m", "prometheus", "sum(x{{scope}})", ""};
  AlarmExpr low = cond("m", 10, 60);
  PrometheusMetricSource source({prometheus.server.url(), 2000, 1, 10});
  NullExternals externals;
  AlarmEvaluator evaluator(plan, source, externals);
  std::vector<SampleRecord> out;
  evaluator.sample({&low}, {zone("r1", "z1")}, "v2", 1021, out);
  evaluator.sample({&low}, {zone("r1", "z1"), zone("r1", "z2")}, "v2", 1034, out);
  evaluator.sample({&low}, {zone("r1", "z1"), zone("r1", "z2"), zone("r1", "z3")}, "v2", 1048, out);
  EXPECT_EQ(prometheus.server.requests(), 3);  // each zone's first datapoint at once
  for (Instant t = 1049; t <= 1080; ++t)
    evaluator.sample({&low}, {zone("r1", "z1"), zone("r1", "z2"), zone("r1", "z3")}, "v2", t, out);
  EXPECT_EQ(prometheus.server.requests(), 4);  // all three at 1080, in one query
  ASSERT_EQ(out.size(), 6u);
  for (size_t i = 3; i < 6; ++i) EXPECT_EQ(out[i].t, 1080) << out[i].scope;
}

// A stand-in that answers every query with one unlabelled series (as the
// loopback servers of tests/runtime do) cannot be split per scope: that
// period is read per scope, and so is the query from then on.
TEST(BatchedQuery, AnAnswerWithoutScopeLabelsIsReadPerScope) {
  LoopbackHttpServer plain([](const std::string&) {
    return std::pair<int, std::string>{
        200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"7"]}]}})"};
  });
  Plan plan;
  plan.metrics["m"] = {"m", "prometheus", "sum(x{{scope}})", ""};
  AlarmExpr low = cond("m", 10, 60);
  PrometheusMetricSource source({plain.url(), 2000, 1, 10});
  NullExternals externals;
  AlarmEvaluator evaluator(plan, source, externals);
  std::vector<Scope> zones = {zone("r1", "z1"), zone("r1", "z2"), zone("r1", "z3")};
  std::vector<SampleRecord> out;
  evaluator.sample({&low}, zones, "v2", 0, out);
  EXPECT_EQ(plain.requests(), 4);  // the batch, then each zone
  ASSERT_EQ(out.size(), 3u);
  for (const auto& record : out) EXPECT_EQ(record.value, 7) << record.scope << record.error;
  EXPECT_FALSE(source.batches(plan.metrics["m"]));
  evaluator.sample({&low}, zones, "v2", 60, out);
  EXPECT_EQ(plain.requests(), 7);
}

// `piperun serve` reads on a ReadPool: one job and one request for the batch,
// each scope's datapoint taken on a later pass.
TEST(BatchedQuery, AsynchronousReadsAreBatchedToo) {
  ZonePrometheus prometheus;
  Plan plan;
  plan.metrics["m"] = {"m", "prometheus", "sum(x{{scope}})", ""};
  AlarmExpr low = cond("m", 10, 60);
  PrometheusMetricSource source({prometheus.server.url(), 2000, 1, 10});
  NullExternals externals;
  AlarmEvaluator evaluator(plan, source, externals);
  std::atomic<int> done{0};
  ReadPool pool(4, [&](std::int64_t) { ++done; });
  evaluator.setReadPool(&pool, 7);
  std::vector<Scope> zones = {zone("r1", "z1"), zone("r1", "z2"), zone("r1", "z3")};
  std::vector<SampleRecord> out;
  evaluator.sample({&low}, zones, "v2", 0, out);
  EXPECT_TRUE(out.empty());  // never waits for the read
  for (int i = 0; i < 200 && done < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(done, 1);
  evaluator.sample({&low}, zones, "v2", 1, out);
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(out[i].value.has_value()) << out[i].error;
    EXPECT_DOUBLE_EQ(*out[i].value, static_cast<double>(i + 1));
    EXPECT_EQ(out[i].t, 0);
  }
  EXPECT_EQ(prometheus.server.requests(), 1);
}

namespace {

size_t appendTo(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Requests Prometheus answered on /api/v1/query, from its own
// prometheus_http_requests_total (every status code).
long queriesServed(const std::string& url) {
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, (url + "/metrics").c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendTo);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  static const std::regex line(R"(prometheus_http_requests_total\{[^}]*handler="/api/v1/query"[^}]*\} (\d+))");
  long total = 0;
  for (std::sregex_iterator it(body.begin(), body.end(), line), end; it != end; ++it) total += std::stol((*it)[1]);
  return total;
}

// The count once Prometheus has counted EXPECTED more than BEFORE (it counts a
// request just after answering it), and a moment later, so extra ones show.
long queriesAfter(const std::string& url, long before, long expected) {
  for (int i = 0; i < 100 && queriesServed(url) < before + expected; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return queriesServed(url) - before;
}

}  // namespace

// Hosts, zones and regions (label values with `.`, `|`, `"` and `\`, a scope
// with no series), several query shapes: the batched readings are the
// per-scope ones, in one query per batch (per scope for a query that falls back).
TEST(RealPrometheus, BatchedReadingsEqualPerScopeReadings) {
  const char* env = std::getenv("PIPE_TEST_PROMETHEUS_URL");
  if (!env) GTEST_SKIP() << "run through tests/live/real_prometheus.sh";
  std::string url = env;
  std::vector<std::vector<Scope>> batches = {
      {host("r1", "r1-az1", "r1-az1-h01"), host("r1", "r1-az2", "r1-az2-h03"), host("r2", "r2.a|b", "h\"1"),
       host("r2", R"(r2\z)", "h2"), host("r2", "r2.a|b", "missing")},
      {zone("r1", "r1-az1"), zone("r1", "r1-az2"), zone("r2", "r2.a|b"), zone("r2", R"(r2\z)"), zone("r2", R"(r2"q)"),
       zone("r2", "r2xa"), zone("r9", "nowhere")},
      {region("r1"), region("r2"), region("r.")},
  };
  struct Case {
    std::string query;
    bool batched;
  } cases[] = {
      {"sum(demo_requests_total{{scope}})", true},
      {"sum(demo_errors_total{{scope}}) / sum(demo_requests_total{{scope}})", true},
      {"demo_requests_total{{scope}}", true},  // several series per zone and region: the same error either way
      {"max(topk(1, demo_requests_total{{scope}}))", false},
  };
  PrometheusMetricSource perScope(PrometheusOptions{url, 5000, 1, 10, false});
  PrometheusMetricSource batched(PrometheusOptions{url, 5000, 1, 10, true});
  for (const Case& c : cases) {
    MetricDef metric{"m", "prometheus", c.query, ""};
    EXPECT_EQ(batched.batches(metric), c.batched) << c.query;
    for (const auto& scopes : batches) {
      std::vector<MetricReading> one;
      for (const auto& scope : scopes) one.push_back(perScope.read(MetricRequest{metric, scope, "v2", 0, 5000}));
      long before = queriesServed(url);
      std::vector<MetricReading> all = batched.readBatch(MetricBatchRequest{metric, scopes, "v2", 0, 5000});
      EXPECT_EQ(queriesAfter(url, before, c.batched ? 1 : scopes.size()), c.batched ? 1 : long(scopes.size()))
          << c.query;
      ASSERT_EQ(all.size(), scopes.size());
      for (size_t i = 0; i < scopes.size(); ++i) {
        EXPECT_EQ(all[i].value, one[i].value) << c.query << " at " << scopes[i].label() << ": " << all[i].error;
        EXPECT_EQ(all[i].error, one[i].error) << c.query << " at " << scopes[i].label();
      }
    }
  }
  // The exposition's figures, so equal readings are not equally empty ones.
  MetricDef sum{"m", "prometheus", "sum(demo_requests_total{{scope}})", ""};
  std::vector<MetricReading> zones = batched.readBatch(MetricBatchRequest{sum, batches[1], "v2", 0, 5000});
  std::vector<std::optional<double>> expected = {300, 400, 5, 7, 11, 17, std::nullopt};
  for (size_t i = 0; i < zones.size(); ++i) EXPECT_EQ(zones[i].value, expected[i]) << batches[1][i].label();
}

// The alarm evaluator over one-box hosts, zones and regions of a stage: one
// query per scope kind for a metric, however many scopes and conditions.
TEST(RealPrometheus, OneQueryPerMetricAndScopeKindPerPeriod) {
  const char* env = std::getenv("PIPE_TEST_PROMETHEUS_URL");
  if (!env) GTEST_SKIP() << "run through tests/live/real_prometheus.sh";
  std::string url = env;
  Plan plan;
  plan.metrics["requests"] = {"requests", "prometheus", "sum(demo_requests_total{{scope}})", "count"};
  AlarmExpr low = cond("requests", 1000, 60), high = cond("requests", 2000, 60);
  std::vector<Scope> scopes = {host("r1", "r1-az1", "r1-az1-h01"),
                               zone("r1", "r1-az1"),
                               zone("r1", "r1-az2"),
                               zone("r2", "r2.a|b"),
                               region("r1"),
                               region("r2")};
  for (bool batch : {true, false}) {
    PrometheusMetricSource source(PrometheusOptions{url, 5000, 1, 10, batch});
    NullExternals externals;
    AlarmEvaluator evaluator(plan, source, externals);
    std::vector<SampleRecord> out;
    long before = queriesServed(url);
    evaluator.sample({&low, &high}, scopes, "v2", 0, out);
    EXPECT_EQ(queriesAfter(url, before, batch ? 3 : 12), batch ? 3 : 12);  // per scope: one per condition too
    ASSERT_EQ(out.size(), 12u);
    std::vector<double> values = {100, 300, 400, 5, 700, 40};
    for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].value, values[i / 2]) << out[i].scope << out[i].error;
  }
}
