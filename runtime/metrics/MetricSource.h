// Where datapoints come from. The engine asks for one value of one metric at one
// scope; a source answers a number, no data, or an error. Providers plug in here
// (command, simulated, and later prometheus).
#pragma once

#include "runtime/alarm/Scope.h"
#include "runtime/plan/Plan.h"

#include <optional>
#include <string>
#include <vector>

namespace pipelang::runtime {

struct MetricReading {
  std::optional<double> value;  // none: no data (or an error)
  std::string error;            // non-empty: the query failed
  std::string resolvedQuery;    // what was actually asked, for the audit trail
};

struct MetricRequest {
  const MetricDef& metric;
  const Scope& scope;
  const std::string& version;  // the version being deployed
  Instant at;
  // Milliseconds the whole read (retries included) may take; 0: the provider's
  // own default. The evaluator passes the condition's period (a query never
  // blocks the engine longer than its period).
  long timeoutMs = 0;
};

// One metric at many scopes at once (docs/runtime.md "One query per metric per
// period"): every scope of one kind (hosts, zones or regions) and one fleet.
struct MetricBatchRequest {
  const MetricDef& metric;
  const std::vector<Scope>& scopes;
  const std::string& version;
  Instant at;
  long timeoutMs = 0;  // the whole batch, as MetricRequest::timeoutMs
};

class MetricSource {
 public:
  virtual ~MetricSource() = default;
  virtual MetricReading read(const MetricRequest& request) = 0;
  // True when readBatch() answers every scope of a batch of this metric with
  // fewer reads than one per scope; the evaluator then asks a round's scopes
  // of one kind together. The default reads each scope in turn.
  virtual bool batches(const MetricDef&) const { return false; }
  // One reading per scope of the request, in its order.
  virtual std::vector<MetricReading> readBatch(const MetricBatchRequest& request) {
    std::vector<MetricReading> readings;
    for (const auto& scope : request.scopes)
      readings.push_back(read(MetricRequest{request.metric, scope, request.version, request.at, request.timeoutMs}));
    return readings;
  }
  // True when read() may be called from several threads at once; the evaluator
  // then asks every scope due in a round at the same time, so a hanging source
  // costs one period per round, not one per scope.
  virtual bool concurrent() const { return false; }
  // True when every reading of this metric was asked as the metric's query is
  // written (the simulated fleet answers from its scenario): read() may then
  // leave resolvedQuery empty and whoever records the reading records the
  // metric's `query`, so no string is copied per read (docs/performance.md, issue 18).
  virtual bool queryAsWritten(const MetricDef&) const { return false; }
  // True when read() of this metric answers at once from memory, never
  // failing (the simulated fleet): the evaluator then asks valueFromMemory()
  // instead, with no retry clock and no MetricReading per read; a value that
  // is not a finite number still goes through read() and the reading rule
  // (docs/performance.md, issue 18).
  virtual bool answersFromMemory(const MetricDef&) const { return false; }
  // read()'s value, for a metric answersFromMemory() says yes to.
  virtual std::optional<double> valueFromMemory(const MetricRequest& request) { return read(request).value; }
};

// External alarms (`external(NAME)`): true = ALARM, false = OK, none = unknown.
class ExternalAlarmSource {
 public:
  virtual ~ExternalAlarmSource() = default;
  virtual std::optional<bool> firing(const std::string& name, Instant at) = 0;
  // The next instant a state may change (simulation only; real sources are polled).
  virtual std::optional<Instant> nextChange(Instant) { return std::nullopt; }
  // The latest instant <= the given one at which an alarm state or a metric's
  // value changed (simulation only; none: unknown). With nextChange, it lets a
  // simulated wait skip the periods in which nothing can change.
  virtual std::optional<Instant> lastChange(Instant) { return std::nullopt; }
};

// Dispatches by the metric's source. A source with no provider (prometheus in a
// build without one) fails every query, which the alarm evaluator turns into an
// alarm after a few periods: no promotion on blind data.
class MetricRouter final : public MetricSource {
 public:
  void setProvider(const std::string& source, MetricSource* provider) { providers_[source] = provider; }
  MetricReading read(const MetricRequest& request) override {
    auto it = providers_.find(request.metric.source);
    if (it == providers_.end() || !it->second)
      return {std::nullopt, "no provider for metric source '" + request.metric.source + "' in this piperun",
              request.metric.query};
    return it->second->read(request);
  }
  bool batches(const MetricDef& metric) const override {
    auto it = providers_.find(metric.source);
    return it != providers_.end() && it->second && it->second->batches(metric);
  }
  std::vector<MetricReading> readBatch(const MetricBatchRequest& request) override {
    auto it = providers_.find(request.metric.source);
    if (it == providers_.end() || !it->second) return MetricSource::readBatch(request);
    return it->second->readBatch(request);
  }
  bool queryAsWritten(const MetricDef& metric) const override {
    auto it = providers_.find(metric.source);
    return it != providers_.end() && it->second && it->second->queryAsWritten(metric);
  }
  bool answersFromMemory(const MetricDef& metric) const override {
    auto it = providers_.find(metric.source);
    return it != providers_.end() && it->second && it->second->answersFromMemory(metric);
  }
  std::optional<double> valueFromMemory(const MetricRequest& request) override {
    return providers_.at(request.metric.source)->valueFromMemory(request);
  }
  bool concurrent() const override {
    for (const auto& [source, provider] : providers_)
      if (provider && !provider->concurrent()) return false;
    return true;
  }

 private:
  std::map<std::string, MetricSource*> providers_;
};

}  // namespace pipelang::runtime
