// The service's Prometheus metrics, in the text exposition format: a request
// counter by API and status code and a latency histogram, every series
// labelled with where the instance runs (region, zone, host) and its version,
// which is what `{scope}` in the pipeline's queries selects on.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace pipelang::live {

struct InstanceLabels {
  std::string region, zone, host, version;
};

class ServiceMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 9> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

  // Every (api, code) pair the service can answer starts at 0, so a fault-rate
  // query has a numerator before the first fault (an absent series is "no
  // data", which the runtime treats as a failing metric source).
  ServiceMetrics(InstanceLabels labels, std::initializer_list<std::string> apis);

  void observe(const std::string& api, int code, double seconds);
  std::string exposition() const;

 private:
  std::string base() const;  // region="..",zone="..",host="..",version=".."

  InstanceLabels labels_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (api, code) -> count
  std::array<uint64_t, kBuckets.size()> bucketCounts_{};      // not cumulative; summed on output
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace pipelang::live
