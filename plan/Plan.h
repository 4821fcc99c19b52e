// The one model of a plan document (docs/plan-format.md): what pipec writes
// (plan/PlanWriter.h) and piperun reads (plan/PlanReader.h), field for field.
// Durations are whole seconds, fractions of traffic are 0..1; an empty
// region, zone, unit or run stands for the format's null. The runtime names
// these types as runtime::Plan etc. (runtime/plan/Plan.h); the compiler's
// compact layout for analysis is plan::Plan (compiler/plan/Plan.h).
#pragma once

#include "plan/WindowCalendar.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipelang::planformat {

struct AlarmExpr {
  enum class Op { Cond, Ref, Or, And, Not, External };
  Op op = Op::Cond;
  // cond
  std::string metric;
  std::string cmp;
  double value = 0;
  int m = 1, n = 1;
  int periodS = 60;
  // ref: alarm name; external: the external alarm's name
  std::string name;
  std::vector<AlarmExpr> args;  // or/and: operands, not: one operand

  bool compare(double measured) const;
  // "fault_rate > 0.01 for 3 of 5 every 60s": identifies a condition across scopes.
  std::string conditionKey() const;
};

struct MetricDef {
  std::string name;
  std::string source;  // "prometheus" | "command"
  std::string query;
  std::string unit;  // "percent" | "duration" | "count" | ""
  bool isCount() const { return unit == "count"; }
};

struct ZoneTopology {
  std::string id;
  int hosts = 0;
};

struct RegionTopology {
  std::string id;
  double traffic = 0;
  std::vector<ZoneTopology> zones;
};

struct DeploySpec {
  std::string run, rollback;
  int timeoutS = 600, expectedS = 300, rollbackTimeS = 120;
  double rollbackBatch = 1.0;
};

struct EmergencySpec {
  std::vector<std::string> approvers;
  double bake = 0.25;
  int minBakeS = 900;
};

// One `notify NAME { ... }` target (plan-format.md "Notify"): which events
// it wants and where each goes, a JSON POST to `webhook` and/or the `run`
// command (no shell). Empty webhook or run: that channel is not used.
struct NotifyTarget {
  std::string name;
  std::vector<std::string> events;  // plan/NotifyRules.h names, in the order written
  int blockedAfterS = 1800;         // `blocked` fires once a stage has waited this long
  std::string webhook, run;
  bool wants(const std::string& event) const;
};

struct MinTraffic {
  std::string metric;
  std::string cmp;
  double value = 0;
};

struct TestSpec {
  std::string name, run;
  int timeoutS = 0;
};

struct Stage {
  std::string id, kind;
  std::vector<std::string> regions;
  int bakeS = 0;
  std::optional<MinTraffic> minTraffic;
  std::vector<TestSpec> tests;
  // Hosts of pre-production stages are a fleet of their own; prod waves share "prod".
  std::string fleet() const { return kind == "wave" ? "prod" : id; }
};

// Hosts `<zone>-hNN` numbered first .. first + count - 1, NN zero-padded to
// `width` digits (docs/plan-format.md "Hosts"): a step's hosts as pipec
// builds them, without a string per host (issue 18). Only pipec's model has
// them; the writers write them after Step::hosts, and the reader fills
// Step::hosts, so piperun never sees a range.
struct HostRange {
  std::string zone;
  std::int64_t first = 1, count = 0;
  int width = 2;
  bool operator==(const HostRange&) const = default;
};

// Digits of a zone's host numbers: the width of its host count, at least 2.
int hostNumberWidth(std::int64_t zoneHosts);
// Appends `<zone>-hNN` (NN: `number` zero-padded to `width` digits).
void appendHostName(std::string& out, std::string_view zone, std::int64_t number, int width);

struct Step {
  std::string id, stage, type;  // onebox batch canary test bake approval
  std::string region, zone;     // empty when null
  std::vector<std::string> hosts;
  std::optional<double> traffic;
  std::optional<int> bakeS;
  std::vector<std::string> after;
  std::string run;
  int timeoutS = 0;
  HostRange hostRange{};  // pipec's hosts, written after `hosts`
  bool deploys() const { return type == "onebox" || type == "batch" || type == "canary"; }
  // Field by field; doubles by value (-0.0 == 0.0): RepeatedParts also compares their bits.
  bool operator==(const Step&) const = default;
};

// The "analysis" object (plan.md §3): figures pipec computed; piperun does
// not act on them. Absent from the document when not set.
struct ExposureFigure {
  std::string step;
  double globalTraffic = 0;  // share of global traffic after the step (0..1)
  bool operator==(const ExposureFigure&) const = default;
};

struct StageTimeFigure {
  std::string stage;
  std::int64_t startS = 0, endS = 0;  // since the reference start
  bool operator==(const StageTimeFigure&) const = default;
};

// docs/plan-format.md "Analysis", docs/plan.md "Throughput": how long a version
// holds each stage (seconds, worst case), the stage holding it longest, the
// versions a week that can reach global and the time to global of a version
// submitted behind another (null both when the plan never reaches global).
struct StageOccupancyFigure {
  std::string stage;
  std::int64_t occupancyS = 0;
  bool operator==(const StageOccupancyFigure&) const = default;
};

struct ThroughputFigures {
  std::string bottleneck;
  std::optional<double> versionsPerWeek;
  std::optional<std::int64_t> busyTimeToGlobalS;
  std::vector<StageOccupancyFigure> occupancy;
  bool operator==(const ThroughputFigures&) const = default;
};

struct AnalysisFigures {
  std::optional<std::int64_t> timeToGlobalS;       // null: the plan never reaches global
  std::optional<double> timeToGlobalBusinessDays;  // null with timeToGlobalS
  std::vector<std::string> regionsInNoWave;
  double trafficInNoWave = 0, finalExposure = 0;
  std::int64_t detectionS = 0, rollbackS = 0, worstRecoveryS = 0;
  double maxExposureBeforeWave2 = 0;
  std::vector<ExposureFigure> exposure;
  std::vector<StageTimeFigure> schedule;
  std::optional<ThroughputFigures> throughput;  // absent in plans written before it existed
  // Field by field; doubles by value (-0.0 == 0.0): RepeatedParts also compares their bits.
  bool operator==(const AnalysisFigures&) const = default;
};

struct Plan {
  std::string schema, digest, pipeline, artifact, kind, policy;
  // Versions waiting to enter the first stage under `piperun serve`
  // (docs/plan-format.md, "Execution mode"): "superseded" (the newest
  // replaces them) or "queued" (all run, in submission order). A plan
  // written before the field existed means "superseded".
  std::string executionMode = "superseded";
  std::string topologyName;
  std::vector<RegionTopology> regions;
  std::optional<std::string> prometheusUrl;
  // Where `external(NAME)` alarms are read (docs/plan-format.md); written
  // only when set, so plans without one keep their bytes and digest.
  std::optional<std::string> alertmanagerUrl;
  DeploySpec deploy;
  std::map<std::string, MetricDef> metrics;
  std::map<std::string, AlarmExpr> alarms;
  AlarmExpr rollbackOn;
  bool hasRollbackOn = false;
  std::vector<std::string> blockOn;
  std::optional<WindowSpec> windows;
  std::optional<EmergencySpec> emergency;
  std::vector<NotifyTarget> notify;  // written only when not empty (older plans have none)
  std::vector<Stage> stages;
  std::vector<Step> steps;
  std::optional<AnalysisFigures> analysis;
  std::string text;  // the plan as read, kept in the journal so `resume` needs no file

  const Stage* stage(const std::string& id) const;
  const Step* step(const std::string& id) const;
  const RegionTopology* region(const std::string& id) const;
};

}  // namespace pipelang::planformat
