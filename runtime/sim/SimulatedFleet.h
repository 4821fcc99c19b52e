// The world of a simulation: which version each host runs, the metrics each
// scope reports (traffic-weighted mix of its hosts; count metrics summed) and
// the external alarms, all from a scenario. Runs no command.
#pragma once

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

  MetricReading read(const MetricRequest& request) override;
  std::optional<bool> firing(const std::string& name, Instant at) override;
  // External alarm windows and metric faults change at their edges, nothing else does.
  std::optional<Instant> nextChange(Instant at) override;
  std::optional<Instant> lastChange(Instant at) override;

  void setVersion(const std::string& fleet, const std::vector<std::string>& hosts, const std::string& version);

 private:
  // The value the last of `active` that covers the host's region and zone sets, if any.
  static std::optional<double> faultValue(const std::vector<const MetricFault*>& active, const HostInfo& host);

  // The traffic-weighted mix of `hosts` (see read()); none: no data.
  std::optional<double> mix(const std::vector<const HostInfo*>& hosts, const std::vector<const MetricFault*>& active,
                            std::optional<double> base, std::optional<double> onNew, bool count,
                            double regionSize) const;

  const Plan& plan_;
  const Scenario& scenario_;
  FleetModel model_;
  std::vector<bool> onNew_;  // by FleetModel index: runs the scenario's new version
  std::unordered_map<std::string, std::vector<const MetricFault*>> faultsByMetric_;  // in the scenario's order
  // A scope's reading changes only when a host of its region changes version
  // or a fault starts or ends, so each is computed once per such change and
  // then answered from here: the same arithmetic in the same order, so the
  // same bits. Generations count version changes per (fleet, region).
  struct Remembered {
    size_t region = 0;  // index into generations_
    unsigned generation = 0;
    std::vector<const MetricFault*> active;
    std::optional<double> value;
  };
  std::vector<size_t> regionOf_;       // by FleetModel index: index into generations_
  std::vector<unsigned> generations_;  // by (fleet, region); the last one is for scopes of no known region
  std::unordered_map<std::string, std::unordered_map<std::string, Remembered>> remembered_;  // metric, scope label
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
