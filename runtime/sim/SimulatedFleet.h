// The world of a simulation: which version each host runs, the metrics each
// scope reports (traffic-weighted mix of its hosts; count metrics summed) and
// the external alarms, all from a scenario. Runs no command.
#pragma once

#include "runtime/alarm/ScopeSlots.h"
#include "runtime/deploy/Deployer.h"
#include "runtime/engine/FleetModel.h"
#include "runtime/metrics/MetricSource.h"
#include "runtime/sim/Scenario.h"

#include <map>
#include <unordered_map>
#include <vector>

namespace pipelang::runtime {

class SimulatedFleet final : public MetricSource, public ExternalAlarmSource {
 public:
  SimulatedFleet(const Plan& plan, const Scenario& scenario);

  // A reading of the scenario; its resolvedQuery is left empty: the query as written (queryAsWritten).
  MetricReading read(const MetricRequest& request) override;
  bool queryAsWritten(const MetricDef&) const override { return true; }
  bool answersFromMemory(const MetricDef&) const override { return true; }
  std::optional<double> valueFromMemory(const MetricRequest& request) override;
  std::optional<bool> firing(const std::string& name, Instant at) override;
  // External alarm windows and metric faults change at their edges, nothing else does.
  std::optional<Instant> nextChange(Instant at) override;
  std::optional<Instant> lastChange(Instant at) override;

  // The hosts as this fleet models them: the engine of a simulation shares it (EngineOptions::fleet).
  const FleetModel& model() const { return model_; }

  void setVersion(const std::string& fleet, const std::vector<std::string>& hosts, const std::string& version);

  // How many readings were mixed from the scope's hosts rather than
  // remembered (the rest were answered from memory): tests hold it to once
  // per change of a scope's region or of the faults in force.
  size_t readingsComputed() const { return readingsComputed_; }

  // Whether the scenario makes this deploy of `version` at `step` fail (its
  // own deploy_failures, or the scenario's for every version).
  bool deployFails(const std::string& version, const std::string& step) const;

 private:
  // What hosts on one new version read: its metric values and its own faults.
  struct Behaviour {
    std::string version;
    const std::map<std::string, double>* metrics = nullptr;
    const std::vector<MetricFault>* faults = nullptr;  // only on hosts that run it; may be null
    const std::set<std::string>* deployFailures = nullptr;
  };
  // The value the last of `active` that covers the host's region and zone sets, if any.
  static std::optional<double> faultValue(const std::vector<const MetricFault*>& active, const HostInfo& host);
  // read() without the memory: the traffic-weighted mix of the scope's hosts now.
  std::optional<double> mix(const MetricRequest& request);
  // The number of the metric in remembered_ (by address, else by name and unit).
  size_t metricNumber(const MetricDef& metric);

  const Plan& plan_;
  const Scenario& scenario_;
  FleetModel model_;
  std::vector<Behaviour> behaviours_;    // index + 1 is a host's entry in versionOf_
  std::vector<std::uint8_t> versionOf_;  // by FleetModel index: 0 the previous version, else 1 + a behaviour
  std::unordered_map<std::string, std::vector<const MetricFault*>> faultsByMetric_;  // in the scenario's order
  bool versionFaults_ = false;                    // some behaviour has faults of its own
  std::vector<std::optional<double>> byVersion_;  // read()'s scratch: a metric's value by versionOf_ entry

  // A scope's reading changes only when a host of its region changes version
  // or a fault starts or ends, so it is computed once per such change and
  // answered from memory otherwise: the same arithmetic in the same order, so
  // the same bits (docs/performance.md, issue 18).
  struct Remembered {
    bool known = false;
    unsigned generation = 0;  // of the scope's region when computed
    size_t epoch = 0;         // edges_ passed when computed
    std::optional<double> value;
  };
  std::vector<unsigned> generations_;  // by FleetModel::regionIdOf (the last: no known region): version changes
  std::vector<std::int64_t> edges_;    // every fault and external alarm edge, sorted, distinct
  ScopeSlots slots_;
  std::vector<size_t> slotRegion_;                   // by scope slot: its region number
  std::vector<const MetricDef*> metrics_;            // by metric number: the first definition seen
  std::vector<std::vector<Remembered>> remembered_;  // by metric number, then scope slot
  size_t readingsComputed_ = 0;
};

// Batches take the scenario's batch_time (rollbacks the plan's rollback_time_s);
// a batch listed in deploy_failures fails.
class SimulatedDeployer final : public Deployer {
 public:
  SimulatedDeployer(const Plan& plan, const Scenario& scenario, SimulatedFleet& fleet)
      : plan_(plan), scenario_(scenario), fleet_(fleet) {}
  int start(const DeployCall& call, Instant now) override;
  std::optional<DeployResult> poll(int handle, Instant now) override;
  void cancel(int handle) override { calls_.erase(handle); }
  std::optional<Instant> nextCompletion() const override;

 private:
  struct Call {
    DeployCall call;
    Instant done = 0;
  };
  const Plan& plan_;
  const Scenario& scenario_;
  SimulatedFleet& fleet_;
  std::map<int, Call> calls_;
  int next_ = 1;
};

}  // namespace pipelang::runtime
