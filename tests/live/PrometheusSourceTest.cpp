// The Prometheus provider against a real HTTP server on 127.0.0.1 answering
// each response shape of /api/v1/query. Nothing unhealthy may read as data.
#include "runtime/metrics/PrometheusMetricSource.h"
#include "tests/live/LoopbackHttpServer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

using namespace pipelang::runtime;

namespace {

std::string decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

const char* kVector =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,"0.0125"]}]}})";

struct Fixture {
  std::string lastQuery;
  LoopbackHttpServer server{[this](const std::string& target) -> std::pair<int, std::string> {
    lastQuery = decode(target.substr(target.find("query=") + 6));
    if (lastQuery.find("empty") != std::string::npos)
      return {200, R"({"status":"success","data":{"resultType":"vector","result":[]}})"};
    if (lastQuery.find("nan") != std::string::npos)
      return {200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}})"};
    if (lastQuery.find("scalar") != std::string::npos)
      return {200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"42"]}})"};
    if (lastQuery.find("two") != std::string::npos)
      return {
          200,
          R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}})"};
    if (lastQuery.find("bad(") != std::string::npos)
      return {400, R"({"status":"error","errorType":"bad_data","error":"parse error at char 4"})"};
    if (lastQuery.find("crash") != std::string::npos) return {503, "overloaded"};
    // Healthy-looking bodies under another status (a proxy, a cache, a wrong path) are not data.
    if (lastQuery.find("moved") != std::string::npos) return {302, kVector};
    if (lastQuery.find("notfound") != std::string::npos) return {404, kVector};
    if (lastQuery.find("teapot") != std::string::npos) return {418, R"({"status":"success"})"};
    if (lastQuery.find("garbage") != std::string::npos) return {200, "<html>"};
    return {200, kVector};
  }};
};

MetricReading readQuery(const std::string& url, const std::string& query, Scope scope = {}, int attempts = 1) {
  MetricDef metric{"m", "prometheus", query, "percent"};
  PrometheusMetricSource source({url, 2000, attempts, 10});
  return source.read(MetricRequest{metric, scope, "v2", 0});
}

}  // namespace

TEST(PrometheusSource, ScopeBecomesLabelMatchers) {
  Scope host{Scope::Kind::Host, "prod", "us-west-1", "usw1-az1", "usw1-az1-h01", {}, ""};
  Scope zone{Scope::Kind::Zone, "prod", "us-west-1", "usw1-az1", "", {}, ""};
  Scope region{Scope::Kind::Region, "prod", "us-west-1", "", "", {}, ""};
  EXPECT_EQ(scopeMatchers(host), R"(region="us-west-1",zone="usw1-az1",host="usw1-az1-h01",stage=~"|prod")");
  EXPECT_EQ(scopeMatchers(zone), R"(region="us-west-1",zone="usw1-az1",stage=~"|prod")");
  EXPECT_EQ(scopeMatchers(region), R"(region="us-west-1",stage=~"|prod")");
  EXPECT_EQ(
      resolveScopedQuery("sum(rate(x{code=\"5xx\",{scope}}[1m])) / sum(rate(x{{scope}}[1m]))", zone),
      R"(sum(rate(x{code="5xx",region="us-west-1",zone="usw1-az1",stage=~"|prod"}[1m])) / sum(rate(x{region="us-west-1",zone="usw1-az1",stage=~"|prod"}[1m])))");
  Scope hostile{Scope::Kind::Region, "prod", "x\",evil=\"1", "", "", {}, ""};
  EXPECT_EQ(scopeMatchers(hostile), R"(region="x\",evil=\"1",stage=~"|prod")");
}

// Pre-production and production read different series of the same region (issue 12 §6).
TEST(PrometheusSource, StagesOfOneRegionHaveDistinctScopes) {
  Scope gamma{Scope::Kind::Region, "gamma", "us-west-1", "", "", {}, ""};
  Scope prod{Scope::Kind::Region, "prod", "us-west-1", "", "", {}, ""};
  EXPECT_EQ(scopeMatchers(gamma), R"(region="us-west-1",stage="gamma")");
  EXPECT_NE(scopeMatchers(gamma), scopeMatchers(prod));
}

TEST(PrometheusSource, VectorAndScalar) {
  Fixture f;
  Scope region{Scope::Kind::Region, "prod", "us-east-1", "", "", {}, ""};
  MetricReading vector = readQuery(f.server.url(), "sum(rate(errors{{scope}}[1m]))", region);
  ASSERT_TRUE(vector.value.has_value()) << vector.error;
  EXPECT_DOUBLE_EQ(*vector.value, 0.0125);
  EXPECT_EQ(vector.resolvedQuery, R"(sum(rate(errors{region="us-east-1",stage=~"|prod"}[1m])))");
  EXPECT_EQ(f.lastQuery, vector.resolvedQuery);
  MetricReading scalar = readQuery(f.server.url(), "scalar(1)");
  ASSERT_TRUE(scalar.value.has_value()) << scalar.error;
  EXPECT_DOUBLE_EQ(*scalar.value, 42);
}

TEST(PrometheusSource, NothingUnhealthyReadsAsData) {
  Fixture f;
  struct Case {
    const char* query;
    const char* error;
  } cases[] = {
      {"empty", "prometheus returned no series (empty result): no data"},
      {"nan", "prometheus returned a sample that is not a finite number (NaN or Inf)"},
      {"two", "prometheus returned 2 series; aggregate the query (e.g. sum(...)) to one"},
      {"bad(", "prometheus query failed: bad_data: parse error at char 4 (HTTP 400)"},
      {"moved", "prometheus answered HTTP 302"},
      {"notfound", "prometheus answered HTTP 404"},
      {"teapot", "prometheus answered HTTP 418"},
      {"crash", "prometheus answered HTTP 503"},
      {"garbage", "prometheus answered something that is not JSON"},
  };
  for (const Case& c : cases) {
    MetricReading reading = readQuery(f.server.url(), c.query);
    EXPECT_FALSE(reading.value.has_value()) << c.query;
    EXPECT_EQ(reading.error, c.error) << c.query;
  }
}

TEST(PrometheusSource, ServerErrorsAreRetriedBadQueriesAreNot) {
  Fixture f;
  readQuery(f.server.url(), "crash", {}, 3);
  EXPECT_EQ(f.server.requests(), 3);
  readQuery(f.server.url(), "bad(", {}, 3);
  EXPECT_EQ(f.server.requests(), 4);
}

TEST(PrometheusSource, AHangingServerCostsNoMoreThanTheRequestsTimeout) {
  LoopbackHttpServer hanging([](const std::string&) { return std::pair<int, std::string>{200, kVector}; });
  hanging.setDelayMs(-1);
  MetricDef metric{"m", "prometheus", "up", "percent"};
  PrometheusMetricSource source({hanging.url(), 5000, 3, 10});
  auto begin = std::chrono::steady_clock::now();
  MetricReading reading = source.read(MetricRequest{metric, Scope{}, "v2", 0, 400});
  auto tookMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_FALSE(reading.value.has_value());
  EXPECT_EQ(reading.error, "prometheus did not answer within 400ms (timeout)");
  EXPECT_GE(tookMs, 350);
  EXPECT_LT(tookMs, 1500);
  EXPECT_EQ(hanging.requests(), 1);  // the budget is spent: no retry
}

// A service reading thousands of queries a second keeps its connections to
// Prometheus open between reads (docs/runtime.md "Connections to Prometheus");
// a server that answers `Connection: close` gets a new connection per read.
TEST(PrometheusSource, ReadsReuseOneKeepAliveConnection) {
  Fixture f;
  f.server.setKeepAlive(true);
  MetricDef metric{"m", "prometheus", "up", "percent"};
  PrometheusMetricSource source({f.server.url(), 2000, 1, 10});
  for (int i = 0; i < 5; ++i) {
    MetricReading reading = source.read(MetricRequest{metric, Scope{}, "v2", 0});
    ASSERT_TRUE(reading.value.has_value()) << reading.error;
    EXPECT_DOUBLE_EQ(*reading.value, 0.0125);
  }
  EXPECT_EQ(f.server.requests(), 5);
  EXPECT_EQ(f.server.connections(), 1);
  f.server.setKeepAlive(false);  // the open connection's next answer closes it; then one per read
  for (int i = 0; i < 3; ++i) {
    MetricReading reading = source.read(MetricRequest{metric, Scope{}, "v2", 0});
    ASSERT_TRUE(reading.value.has_value()) << reading.error;
  }
  EXPECT_EQ(f.server.requests(), 8);
  EXPECT_EQ(f.server.connections(), 3);
}

TEST(PrometheusSource, UnreachableServerIsAFailedReading) {
  int port;
  {
    LoopbackHttpServer closed([](const std::string&) { return std::pair<int, std::string>{200, ""}; });
    port = closed.port();
  }  // stopped: nothing listens there any more
  MetricReading reading = readQuery("http://127.0.0.1:" + std::to_string(port), "up", {}, 2);
  EXPECT_FALSE(reading.value.has_value());
  EXPECT_TRUE(reading.error.starts_with("prometheus unreachable at http://127.0.0.1:")) << reading.error;
  EXPECT_TRUE(reading.error.ends_with("(after 2 attempts)")) << reading.error;
}

// Against the real Prometheus server that real_prometheus.sh starts on
// 127.0.0.1, scraping a static exposition with region/zone/host labels.
// Outside that script (no PIPE_TEST_PROMETHEUS_URL) there is nothing to ask.
TEST(RealPrometheus, InstantQueriesPerScope) {
  const char* url = std::getenv("PIPE_TEST_PROMETHEUS_URL");
  if (!url) GTEST_SKIP() << "run through tests/live/real_prometheus.sh";
  Scope host{Scope::Kind::Host, "prod", "r1", "r1-az1", "r1-az1-h01", {}, ""};
  Scope zone{Scope::Kind::Zone, "prod", "r1", "r1-az1", "", {}, ""};
  Scope region{Scope::Kind::Region, "prod", "r1", "", "", {}, ""};
  MetricReading one = readQuery(url, "sum(demo_requests_total{{scope}})", host);
  ASSERT_TRUE(one.value.has_value()) << one.error;
  EXPECT_DOUBLE_EQ(*one.value, 100);
  MetricReading zoneSum = readQuery(url, "sum(demo_requests_total{{scope}})", zone);
  ASSERT_TRUE(zoneSum.value.has_value()) << zoneSum.error;
  EXPECT_DOUBLE_EQ(*zoneSum.value, 300);
  MetricReading regionSum = readQuery(url, "sum(demo_requests_total{{scope}})", region);
  ASSERT_TRUE(regionSum.value.has_value()) << regionSum.error;
  EXPECT_DOUBLE_EQ(*regionSum.value, 700);
  MetricReading none = readQuery(url, "sum(demo_requests_total{{scope}})",
                                 Scope{Scope::Kind::Region, "prod", "nowhere", "", "", {}, ""});
  EXPECT_FALSE(none.value.has_value());  // sum() of nothing is an empty vector: no data, not zero
  MetricReading bad = readQuery(url, "sum(demo_requests_total{{scope}}");
  EXPECT_FALSE(bad.value.has_value());
  EXPECT_TRUE(bad.error.starts_with("prometheus query failed: bad_data:")) << bad.error;
}
