// `prometheus(QUERY)` metrics: an instant query against the Prometheus HTTP
// API (`GET /api/v1/query`) with `{scope}` replaced by the target's label
// matchers (runtime.md §5). Never optimistic: only HTTP 200 with
// `status: success` and exactly one finite sample is data; an empty result,
// NaN, an error status, any other HTTP status (a 4xx body is read only for
// Prometheus's error message; redirects are not followed), an unreachable
// server or a timeout is a failed reading (the alarm evaluator turns
// persistent failure into an alarm), never "healthy".
#pragma once

#include "runtime/metrics/MetricSource.h"

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pipelang::runtime {

struct PrometheusOptions {
  std::string baseUrl;    // e.g. http://127.0.0.1:9090
  long timeoutMs = 5000;  // the whole read, retries included (a request's own timeout may shorten it)
  int attempts = 3;       // transport errors and 5xx are retried
  long backoffMs = 200;   // doubled after each failed attempt
  // One query per metric, scope kind and period (docs/runtime.md "One query
  // per metric per period"); false: one query per scope, as before.
  bool batch = true;
};

// Options for BASE_URL; PIPERUN_PROMETHEUS_PER_SCOPE=1 in the environment
// turns batching off (for comparing the two, bench/ and docs/performance.md).
PrometheusOptions prometheusOptions(const std::string& baseUrl);

class PrometheusMetricSource final : public MetricSource {
 public:
  explicit PrometheusMetricSource(PrometheusOptions options);
  ~PrometheusMetricSource() override;
  MetricReading read(const MetricRequest& request) override;
  // Batchable when options.batch and groupedByScope() accepts the query.
  bool batches(const MetricDef& metric) const override;
  // One GET for every scope (a query that cannot be batched: one per scope).
  std::vector<MetricReading> readBatch(const MetricBatchRequest& request) override;
  bool concurrent() const override { return true; }  // one curl handle per read

 private:
  // The body of an HTTP 200 answer to QUERY; otherwise none, with `failed`
  // saying why (unreachable, timeout, another status). Retries per options_.
  std::optional<std::string> get(const std::string& query, long timeoutMs, MetricReading& failed);
  // A curl handle for one read: an idle one (with its open keep-alive
  // connection) or a new one; handed back after the read.
  void* takeHandle();
  void giveBack(void* handle);
  // groupedByScope(QUERY, LABELS), remembered: every sampling pass of
  // `piperun serve` asks batches() on its loop, and lexing the query each
  // time was a tenth of the loop's instructions.
  std::optional<std::string> grouped(const std::string& query, const std::vector<std::string>& labels) const;
  static constexpr size_t kGroupedMemo = 4096;
  mutable std::mutex groupedMutex_;
  mutable std::map<std::string, std::optional<std::string>> grouped_;  // query '\0' labels -> grouped query
  PrometheusOptions options_;
  // Idle curl handles: a service reading thousands of queries a second reuses
  // their connections instead of opening (and leaving in TIME_WAIT) one per query.
  std::mutex handlesMutex_;
  std::vector<void*> idle_;
  // Queries whose batched answer could not be split (series without the
  // scope labels): asked per scope from then on.
  mutable std::mutex perScopeMutex_;
  std::set<std::string> perScope_;
};

// `region="R"`, `region="R",zone="Z"` or `region="R",zone="Z",host="H"`, values escaped.
std::string scopeMatchers(const Scope& scope);
// QUERY with every `{scope}` replaced by scopeMatchers(scope).
std::string resolveScopedQuery(const std::string& query, const Scope& scope);

// Interprets a /api/v1/query response body (exposed for tests).
MetricReading parsePrometheusResponse(const std::string& body, const std::string& resolvedQuery);
// A batched query's response body as one reading per scope (all of one kind):
// the series whose scope labels are the scope's values; none is "no data", more
// than one the same error as a per-scope query's. A failed answer fails every scope.
std::vector<MetricReading> splitPrometheusResponse(const std::string& body, const std::string& resolvedQuery,
                                                   const std::vector<Scope>& scopes);

}  // namespace pipelang::runtime
