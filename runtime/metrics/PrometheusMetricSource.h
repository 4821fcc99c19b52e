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

#include <string>

namespace pipelang::runtime {

struct PrometheusOptions {
  std::string baseUrl;    // e.g. http://127.0.0.1:9090
  long timeoutMs = 5000;  // the whole read, retries included (a request's own timeout may shorten it)
  int attempts = 3;       // transport errors and 5xx are retried
  long backoffMs = 200;   // doubled after each failed attempt
};

class PrometheusMetricSource final : public MetricSource {
 public:
  explicit PrometheusMetricSource(PrometheusOptions options);
  ~PrometheusMetricSource() override;
  MetricReading read(const MetricRequest& request) override;
  bool concurrent() const override { return true; }  // one curl handle per read

 private:
  PrometheusOptions options_;
};

// `region="R"`, `region="R",zone="Z"` or `region="R",zone="Z",host="H"`, values escaped.
std::string scopeMatchers(const Scope& scope);
// QUERY with every `{scope}` replaced by scopeMatchers(scope).
std::string resolveScopedQuery(const std::string& query, const Scope& scope);

// Interprets a /api/v1/query response body (exposed for tests).
MetricReading parsePrometheusResponse(const std::string& body, const std::string& resolvedQuery);

}  // namespace pipelang::runtime
