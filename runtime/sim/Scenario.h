// A simulation scenario (runtime.md §7): when it starts, what the fleet's
// metrics look like on each version, which faults, failed batches and external
// alarms happen when, and which people approve or override what.
#pragma once

#include "runtime/journal/Journal.h"
#include "runtime/plan/Plan.h"

#include <llvm/Support/Error.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pipelang::runtime {

struct MetricFault {
  std::string metric, region, zone;
  double value = 0;
  std::int64_t fromS = 0, toS = 0;  // offsets from the start
};

struct ExternalAlarmWindow {
  std::string name;
  std::int64_t fromS = 0, toS = 0;
};

// One version of a scenario's `versions` (docs/runtime.md "Several versions in
// flight"): submitted `atS` seconds after the start, with its own behaviour.
// `newVersion` is each metric's value per period on a host that runs it;
// `faults` apply only to hosts that run it (offsets from the scenario's start);
// `deployFailures` are steps whose deploy of this version fails; `requests`
// are people's approvals, overrides and rollbacks of this version's run.
struct VersionSubmission {
  std::string version;
  std::int64_t atS = 0;
  std::map<std::string, double> newVersion;
  std::vector<MetricFault> faults;
  std::set<std::string> deployFailures;
  bool emergency = false;
  std::string emergencyReason;
  std::vector<RequestRecord> requests;
  // Several versions in flight, in submission order (strictly increasing
  // `atS`); empty for a single-version scenario, which uses the fields above.
  std::vector<VersionSubmission> versions;
};

struct Scenario {
  Instant start = 0;
  std::string version = "v2", previous = "v1";
  int batchTimeS = 300;
  std::map<std::string, double> baseline, newVersion;
  std::vector<MetricFault> faults;
  std::set<std::string> deployFailures;
  std::vector<ExternalAlarmWindow> externalAlarms;
  bool emergency = false;
  std::string emergencyReason;
  // Overrides, approvals and manual rollbacks at offsets from the start.
  std::vector<RequestRecord> requests;
  // Several versions in flight, in submission order (strictly increasing
  // `atS`); empty for a single-version scenario, which uses the fields above.
  std::vector<VersionSubmission> versions;
};

// `start` is local time in the plan's windows timezone; offsets are "+26h" style.
llvm::Expected<Scenario> parseScenario(const std::string& text, const Plan& plan);
llvm::Expected<Scenario> readScenarioFile(const std::string& path, const Plan& plan);

}  // namespace pipelang::runtime
