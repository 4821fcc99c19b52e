// External alarms from Alertmanager's API v2 (docs/runtime.md "External alarms
// from Alertmanager"): `external(NAME)` is ALARM while Alertmanager has an
// alert named NAME (label `alertname`) that is active, not silenced and not
// inhibited. NAME may carry label matchers, `org-event{region="us-east-1"}`,
// passed to Alertmanager as filters. Unreachable, an HTTP status other than
// 200, or an answer that is not a JSON array: unknown, which blocks (fail
// safe) like every unknown external alarm.
//
// A name is asked once synchronously when first seen (at most 2 s), then a
// thread of its own polls every name about once a second, so firing() never
// waits on the network afterwards and a hanging Alertmanager never holds a
// pass of the engine or the service's loop.
#pragma once

#include "runtime/metrics/MetricSource.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace pipelang::runtime {

class AlertmanagerAlarmSource final : public ExternalAlarmSource {
 public:
  // `url`: Alertmanager's base, e.g. http://127.0.0.1:9093; `periodMs` between polls.
  explicit AlertmanagerAlarmSource(std::string url, int periodMs = 1000);
  ~AlertmanagerAlarmSource() override;
  AlertmanagerAlarmSource(const AlertmanagerAlarmSource&) = delete;
  AlertmanagerAlarmSource& operator=(const AlertmanagerAlarmSource&) = delete;

  std::optional<bool> firing(const std::string& name, Instant at) override;

  // One query: true when a matching alert is active, false when none, none
  // (with `error` saying why) when the answer cannot be trusted.
  static std::optional<bool> query(const std::string& url, const std::string& name, long timeoutMs, std::string& error);

 private:
  void poll();

  std::string url_;
  int periodMs_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::map<std::string, std::optional<bool>> states_;  // by NAME as the plan writes it
  std::thread poller_;
};

}  // namespace pipelang::runtime
