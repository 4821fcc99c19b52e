// `command(CMD)` metrics: CMD runs directly (argv, no shell) with the scope in
// PIPE_REGION, PIPE_ZONE, PIPE_HOSTS, PIPE_VERSION and prints one number. A
// reading is data only when CMD exits 0 within the request's timeout and
// prints exactly one finite number (docs/runtime.md "Blind data never passes").
#pragma once

#include "runtime/metrics/MetricSource.h"

namespace pipelang::runtime {

class CommandMetricSource final : public MetricSource {
 public:
  explicit CommandMetricSource(int timeoutMs = 10000) : timeoutMs_(timeoutMs) {}
  MetricReading read(const MetricRequest& request) override;
  bool concurrent() const override { return true; }

 private:
  int timeoutMs_;
};

// `external(NAME)` from --alarms-dir: DIR/NAME holds ALARM or OK. A missing file
// or any other content is unknown, which the evaluator treats as ALARM.
class DirectoryAlarmSource final : public ExternalAlarmSource {
 public:
  explicit DirectoryAlarmSource(std::string dir) : dir_(std::move(dir)) {}
  std::optional<bool> firing(const std::string& name, Instant at) override;

 private:
  std::string dir_;
};

}  // namespace pipelang::runtime
