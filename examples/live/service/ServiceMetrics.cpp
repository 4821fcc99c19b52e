#include "ServiceMetrics.h"

#include <cstdio>
#include <utility>

namespace pipelang::live {
namespace {

// Label values escaped as the exposition format requires.
std::string escaped(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

ServiceMetrics::ServiceMetrics(InstanceLabels labels, std::initializer_list<std::string> apis)
    : labels_(std::move(labels)) {
  for (const auto& api : apis)
    for (int code : {200, 500}) requests_[{api, code}] = 0;
}

void ServiceMetrics::observe(const std::string& api, int code, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{api, code}];
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  if (bucket < kBuckets.size()) ++bucketCounts_[bucket];
  ++count_;
  sum_ += seconds;
}

std::string ServiceMetrics::base() const {
  return "region=\"" + escaped(labels_.region) + "\",zone=\"" + escaped(labels_.zone) + "\",host=\"" +
         escaped(labels_.host) + "\",version=\"" + escaped(labels_.version) + "\"";
}

std::string ServiceMetrics::exposition() const {
  std::lock_guard lock(mutex_);
  std::string labels = base();
  std::string out =
      "# HELP http_requests_total API requests served, by API and status code.\n"
      "# TYPE http_requests_total counter\n";
  for (const auto& [key, count] : requests_)
    out += "http_requests_total{" + labels + ",api=\"" + escaped(key.first) + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
  out +=
      "# HELP http_request_duration_seconds Time to serve an API request.\n"
      "# TYPE http_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += bucketCounts_[i];
    out += "http_request_duration_seconds_bucket{" + labels + ",le=\"" + number(kBuckets[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += "http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(count_) + "\n";
  out += "http_request_duration_seconds_sum{" + labels + "} " + number(sum_) + "\n";
  out += "http_request_duration_seconds_count{" + labels + "} " + std::to_string(count_) + "\n";
  return out;
}

}  // namespace pipelang::live
