#include "runtime/metrics/PrometheusMetricSource.h"
#include "runtime/metrics/BatchedQuery.h"
#include "runtime/metrics/ReadingRule.h"

#include "compiler/plan/BoundedJson.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <llvm/Support/JSON.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

namespace pipelang::runtime {

namespace {

size_t appendBody(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

std::optional<double> sampleValue(const llvm::json::Value* sample) {
  // A sample is [ <unix time>, "<value as a string>" ].
  const llvm::json::Array* pair = sample ? sample->getAsArray() : nullptr;
  if (!pair || pair->size() != 2) return std::nullopt;
  auto text = (*pair)[1].getAsString();
  if (!text) return std::nullopt;
  std::string value = text->str();
  if (!isDecimalNumber(value)) return std::nullopt;  // NaN, ±Inf, hex, padded
  try {
    size_t used = 0;
    double number = std::stod(value, &used);
    if (used != value.size() || !std::isfinite(number)) return std::nullopt;
    return number;
  } catch (...) {
    return std::nullopt;
  }
}

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string scopeMatchers(const Scope& scope) {
  std::string matchers = fmt::format("region=\"{}\"", promqlStringEscape(scope.region));
  if (scope.kind == Scope::Kind::Zone || scope.kind == Scope::Kind::Host)
    matchers += fmt::format(",zone=\"{}\"", promqlStringEscape(scope.zone));
  if (scope.kind == Scope::Kind::Host) matchers += fmt::format(",host=\"{}\"", promqlStringEscape(scope.host));
  // Pre-production and production never read each other's series: a
  // pre-production scope needs its stage label, prod takes `prod` or none (docs/runtime.md).
  bool prod = scope.fleet.empty() || scope.fleet == "prod";
  matchers += prod ? std::string(",stage=~\"|prod\"") : fmt::format(",stage=\"{}\"", promqlStringEscape(scope.fleet));
  return matchers;
}

std::string resolveScopedQuery(const std::string& query, const Scope& scope) {
  static const std::string placeholder = "{scope}";
  std::string matchers = scopeMatchers(scope);
  std::string out;
  size_t from = 0;
  for (size_t at; (at = query.find(placeholder, from)) != std::string::npos; from = at + placeholder.size())
    out += query.substr(from, at - from) + matchers;
  return out + query.substr(from);
}

MetricReading parsePrometheusResponse(const std::string& body, const std::string& resolvedQuery) {
  MetricReading reading{std::nullopt, "", resolvedQuery};
  auto parsed = planformat::parseBoundedJson(body);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    reading.error = "prometheus answered something that is not JSON";
    return reading;
  }
  const llvm::json::Object* root = parsed->getAsObject();
  auto status = root ? root->getString("status") : llvm::None;
  if (!status || *status != "success") {
    auto type = root ? root->getString("errorType") : llvm::None;
    auto message = root ? root->getString("error") : llvm::None;
    reading.error = fmt::format("prometheus query failed: {}{}", type ? type->str() + ": " : "",
                                message ? message->str() : "no error message");
    return reading;
  }
  const llvm::json::Object* data = root->getObject("data");
  auto resultType = data ? data->getString("resultType") : llvm::None;
  if (!resultType) {
    reading.error = "prometheus response has no data.resultType";
    return reading;
  }
  if (*resultType == "scalar") {
    reading.value = sampleValue(data->get("result"));
    if (!reading.value) reading.error = "prometheus returned a scalar that is not a finite number";
    return reading;
  }
  if (*resultType != "vector") {
    reading.error =
        fmt::format("prometheus returned a {}; an instant query must give a vector or a scalar", resultType->str());
    return reading;
  }
  const llvm::json::Array* series = data->getArray("result");
  if (!series || series->empty()) {
    reading.error = "prometheus returned no series (empty result): no data";
    return reading;
  }
  if (series->size() > 1) {
    reading.error =
        fmt::format("prometheus returned {} series; aggregate the query (e.g. sum(...)) to one", series->size());
    return reading;
  }
  const llvm::json::Object* only = (*series)[0].getAsObject();
  reading.value = sampleValue(only ? only->get("value") : nullptr);
  if (!reading.value) reading.error = "prometheus returned a sample that is not a finite number (NaN or Inf)";
  return reading;
}

std::vector<MetricReading> splitPrometheusResponse(const std::string& body, const std::string& resolvedQuery,
                                                   const std::vector<Scope>& scopes) {
  // The answer as a whole, as one per-scope query's would be read; only a
  // vector of several series is split, by the scopes' label values.
  MetricReading whole = parsePrometheusResponse(body, resolvedQuery);
  std::vector<MetricReading> readings(scopes.size(), whole);
  auto parsed = planformat::parseBoundedJson(body);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return readings;
  }
  const llvm::json::Object* root = parsed->getAsObject();
  auto status = root ? root->getString("status") : llvm::None;
  const llvm::json::Object* data = root ? root->getObject("data") : nullptr;
  auto resultType = data ? data->getString("resultType") : llvm::None;
  const llvm::json::Array* series = data ? data->getArray("result") : nullptr;
  if (!status || *status != "success" || !resultType || *resultType != "vector" || !series) return readings;
  std::vector<std::string> names = scopeLabelNames(scopes.front().kind);
  std::map<std::vector<std::string>, std::vector<const llvm::json::Object*>> byScope;
  for (const auto& one : *series) {
    const llvm::json::Object* sample = one.getAsObject();
    const llvm::json::Object* labels = sample ? sample->getObject("metric") : nullptr;
    std::vector<std::string> key;
    for (const auto& name : names) {
      auto value = labels ? labels->getString(name) : llvm::None;
      key.push_back(value ? value->str() : "");
    }
    byScope[key].push_back(sample);
  }
  for (size_t i = 0; i < scopes.size(); ++i) {
    MetricReading& reading = readings[i];
    reading = {std::nullopt, "", resolvedQuery};
    auto it = byScope.find(scopeLabelValues(scopes[i]));
    if (it == byScope.end()) {
      reading.error = "prometheus returned no series (empty result): no data";
    } else if (it->second.size() > 1) {
      reading.error =
          fmt::format("prometheus returned {} series; aggregate the query (e.g. sum(...)) to one", it->second.size());
    } else {
      const llvm::json::Object* sample = it->second.front();
      reading.value = sampleValue(sample ? sample->get("value") : nullptr);
      if (!reading.value) reading.error = "prometheus returned a sample that is not a finite number (NaN or Inf)";
    }
  }
  return readings;
}

PrometheusMetricSource::PrometheusMetricSource(PrometheusOptions options) : options_(std::move(options)) {
  initCurlOnce();
  while (!options_.baseUrl.empty() && options_.baseUrl.back() == '/') options_.baseUrl.pop_back();
}

PrometheusMetricSource::~PrometheusMetricSource() {
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* PrometheusMetricSource::takeHandle() {
  {
    std::lock_guard<std::mutex> lock(handlesMutex_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void PrometheusMetricSource::giveBack(void* handle) {
  std::lock_guard<std::mutex> lock(handlesMutex_);
  idle_.push_back(handle);
}

std::optional<std::string> PrometheusMetricSource::get(const std::string& query, long requestTimeoutMs,
                                                       MetricReading& failed) {
  failed = {std::nullopt, "", query};
  CURL* curl = static_cast<CURL*>(takeHandle());
  if (!curl) {
    failed.error = "could not initialise libcurl";
    return std::nullopt;
  }
  char* encoded = curl_easy_escape(curl, query.c_str(), static_cast<int>(query.size()));
  std::string url = options_.baseUrl + "/api/v1/query?query=" + (encoded ? encoded : "");
  curl_free(encoded);

  std::optional<std::string> answer;
  // One budget for the whole read, retries included, counted from now.
  long budgetMs = requestTimeoutMs > 0 ? std::min(requestTimeoutMs, options_.timeoutMs) : options_.timeoutMs;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(1L, budgetMs));
  auto leftMs = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  };
  long backoff = options_.backoffMs;
  int attempts = 0;
  for (int attempt = 1; attempt <= std::max(1, options_.attempts); ++attempt) {
    ++attempts;
    std::string body;
    long left = std::max(1L, static_cast<long>(leftMs()));
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, left);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, left);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    CURLcode code = curl_easy_perform(curl);
    long http = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
    bool retry = false;
    answer.reset();
    if (code == CURLE_OPERATION_TIMEDOUT) {
      failed.error = fmt::format("prometheus did not answer within {}ms (timeout)", budgetMs);
    } else if (code != CURLE_OK) {
      failed.error = fmt::format("prometheus unreachable at {}: {}", options_.baseUrl, curl_easy_strerror(code));
      retry = true;
    } else if (http != 200) {
      // Only a 200 carries data. A 4xx body may say why (Prometheus's own error
      // JSON for a bad query); a success body under another status is never read.
      failed.error = fmt::format("prometheus answered HTTP {}", http);
      if (http >= 400 && http < 500) {
        MetricReading why = parsePrometheusResponse(body, query);
        if (!why.value && why.error.starts_with("prometheus query failed: ") &&
            !why.error.ends_with("no error message"))
          failed.error = fmt::format("{} (HTTP {})", why.error, http);
      }
      retry = http >= 500;
    } else {
      answer = std::move(body);
    }
    if (!retry || attempt == options_.attempts || leftMs() <= backoff) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
    backoff *= 2;
  }
  giveBack(curl);  // curl_easy_reset keeps its connection for the next read
  if (!answer && attempts > 1 && failed.error.starts_with("prometheus unreachable"))
    failed.error += fmt::format(" (after {} attempts)", attempts);
  return answer;
}

MetricReading PrometheusMetricSource::read(const MetricRequest& request) {
  std::string query = resolveScopedQuery(request.metric.query, request.scope);
  MetricReading failed;
  std::optional<std::string> body = get(query, request.timeoutMs, failed);
  return body ? parsePrometheusResponse(*body, query) : failed;
}

std::optional<std::string> PrometheusMetricSource::grouped(const std::string& query,
                                                           const std::vector<std::string>& labels) const {
  std::string key = query;
  for (const auto& label : labels) key += '\0' + label;
  std::lock_guard<std::mutex> lock(groupedMutex_);
  if (auto it = grouped_.find(key); it != grouped_.end()) return it->second;
  if (grouped_.size() >= kGroupedMemo) grouped_.clear();  // queries of plans long replaced
  std::string whyNot;
  return grouped_[key] = groupedByScope(query, labels, whyNot);
}

bool PrometheusMetricSource::batches(const MetricDef& metric) const {
  if (!options_.batch || !grouped(metric.query, {"region"})) return false;
  std::lock_guard<std::mutex> lock(perScopeMutex_);
  return !perScope_.count(metric.query);
}

namespace {

// True when a vector answer has a series without one of the scope labels: not
// what Prometheus answers a grouped query (a proxy or stand-in that ignores
// the query), so it cannot be split per scope.
bool unattributable(const std::string& body, const std::vector<std::string>& labels) {
  auto parsed = planformat::parseBoundedJson(body);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return false;
  }
  const llvm::json::Object* root = parsed->getAsObject();
  const llvm::json::Object* data = root ? root->getObject("data") : nullptr;
  const llvm::json::Array* series = data ? data->getArray("result") : nullptr;
  auto type = data ? data->getString("resultType") : llvm::None;
  if (!series || !type || *type != "vector") return false;
  for (const auto& one : *series) {
    const llvm::json::Object* sample = one.getAsObject();
    const llvm::json::Object* metric = sample ? sample->getObject("metric") : nullptr;
    for (const auto& label : labels)
      if (!metric || !metric->getString(label)) return true;
  }
  return false;
}

}  // namespace

std::vector<MetricReading> PrometheusMetricSource::readBatch(const MetricBatchRequest& request) {
  std::optional<std::string> groupedQuery;
  if (options_.batch && !request.scopes.empty())
    groupedQuery = grouped(request.metric.query, scopeLabelNames(request.scopes.front().kind));
  if (!groupedQuery) return MetricSource::readBatch(request);
  std::string query = fillBatchScope(*groupedQuery, request.scopes);
  MetricReading failed;
  std::optional<std::string> body = get(query, request.timeoutMs, failed);
  if (!body) return std::vector<MetricReading>(request.scopes.size(), failed);
  if (request.metric.query.find("{scope}") == std::string::npos)  // the same one answer for every scope
    return std::vector<MetricReading>(request.scopes.size(), parsePrometheusResponse(*body, query));
  if (unattributable(*body, scopeLabelNames(request.scopes.front().kind))) {
    // Asked per scope from now on; this period's readings too.
    {
      std::lock_guard<std::mutex> lock(perScopeMutex_);
      perScope_.insert(request.metric.query);
    }
    return MetricSource::readBatch(request);
  }
  return splitPrometheusResponse(*body, query, request.scopes);
}

PrometheusOptions prometheusOptions(const std::string& baseUrl) {
  PrometheusOptions options{baseUrl};
  const char* perScope = std::getenv("PIPERUN_PROMETHEUS_PER_SCOPE");
  options.batch = !(perScope && std::string(perScope) == "1");
  return options;
}

}  // namespace pipelang::runtime
