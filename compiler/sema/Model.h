// The resolved model: what the resolve phase produces from the AST, and the
// only thing the safety checks and the plan builder read. Inheritance is
// merged, `super` is expanded, references are resolved, values are typed
// and converted (percent -> fraction, durations -> milliseconds). Every value
// remembers where it was written (Origin) so diagnostics point at the source
// with one note per inheritance level it came through (language.md §4.6).
#pragma once

#include "compiler/diag/Diagnostic.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pipelang::model {

// The notes of an inheritance chain: "inherited from template StandardService"
// (templates/standard.pipe:31:5), one per level. Every value written at the
// same level of one declaration shares one list, so ten thousand services do
// not each carry their own copies of the same strings. Reads like a
// const std::vector<DiagNote>.
class ViaNotes {
 public:
  ViaNotes() = default;
  ViaNotes(std::vector<DiagNote> notes)  // NOLINT: implicit, like the vector it stands for
      : notes_(notes.empty() ? nullptr : std::make_shared<const std::vector<DiagNote>>(std::move(notes))) {}

  operator std::vector<DiagNote>() const { return notes_ ? *notes_ : std::vector<DiagNote>{}; }
  bool empty() const { return !notes_ || notes_->empty(); }
  const DiagNote& back() const { return notes_->back(); }
  std::vector<DiagNote>::const_iterator begin() const { return notes_ ? notes_->begin() : kNone.begin(); }
  std::vector<DiagNote>::const_iterator end() const { return notes_ ? notes_->end() : kNone.end(); }

 private:
  static inline const std::vector<DiagNote> kNone;
  std::shared_ptr<const std::vector<DiagNote>> notes_;
};

// Where a value was written, and the chain it was inherited through.
struct Origin {
  SourceRange range;
  ViaNotes via;
};

template <typename T>
struct Located {
  T value{};
  Origin origin;
};

// ---------------------------------------------------------------- topology

struct Region {
  std::string id;
  double traffic = 0;  // fraction of global requests
  int64_t hostsPerZone = 10;
  std::vector<std::string> zones;
  Origin origin;
};

struct Topology {
  std::string name;
  std::vector<Region> regions;  // in declaration order
  Origin origin;
  // id -> index in regions, filled by the builder: ten thousand waves each
  // naming a region look it up, not scan for it (issue 12 §3).
  std::unordered_map<std::string, size_t> regionIndex;
  const Region* findRegion(const std::string& id) const {
    if (regionIndex.size() == regions.size()) {
      auto it = regionIndex.find(id);
      return it == regionIndex.end() ? nullptr : &regions[it->second];
    }
    for (const Region& region : regions)
      if (region.id == id) return &region;
    return nullptr;
  }
};

// ------------------------------------------------------------------ policy

// A threshold that is absent (`none`) turns its check off.
struct Policy {
  std::string name;
  Origin origin;
  std::optional<Located<double>> oneboxMaxTraffic, maxBatch, minHealthy;         // fractions
  std::optional<Located<int64_t>> maxZonesPerRegion, firstWaveMaxRegions;        // counts
  std::optional<Located<int64_t>> minBakeOnebox, minBakeFirstWave, minBakeWave;  // ms
  std::optional<Located<int64_t>> maxTimeToGlobal, maxRecovery;                  // ms
  std::optional<Located<int64_t>> minVersionsPerWeek;                            // a week to global (S227)
  std::optional<Located<std::vector<std::string>>> requirePreprod;               // stage names
  std::optional<Located<int>> fridayCutoff, latestStart;                         // minutes since midnight
};

// ------------------------------------------------------- metrics and alarms

enum class MetricUnit { None, Percent, Duration, Count };

struct Metric {
  std::string name;
  std::string source;  // "prometheus" | "command"
  std::string query;   // the query, or the command line
  MetricUnit unit = MetricUnit::None;
  Origin origin;
};

struct AlarmExpr {
  enum class Op { Cond, Ref, And, Or, Not, External };
  Op op = Op::Ref;
  // Cond: metric CMP value for m of n every period
  std::string metric;
  std::string cmp;   // > >= < <= == !=
  double value = 0;  // in the metric's unit: fraction, seconds, or plain number
  int64_t m = 1, n = 1;
  int64_t periodMs = 60'000;
  // Ref
  std::string alarm;
  // External
  std::string externalName;
  // And / Or (n-ary), Not (one)
  std::vector<AlarmExpr> args;
  SourceRange range;
};

struct Alarm {
  std::string name;
  AlarmExpr expr;
  Origin origin;
};

// A `min_traffic` condition: the metric summed over the bake.
struct TrafficCondition {
  std::string metric;
  std::string cmp;
  double value = 0;
  Origin origin;
};

// ----------------------------------------------------------------- windows

struct WindowRule {
  std::string name;
  std::optional<std::vector<int>> days;                                   // 0 = mon ... 6 = sun
  std::optional<std::pair<int, int>> hours;                               // minutes since midnight, [from, to)
  std::optional<std::vector<std::pair<std::string, std::string>>> dates;  // "YYYY-MM-DD", inclusive
  Origin origin;
};

struct Windows {
  std::string timezone = "UTC";
  std::vector<WindowRule> allow, deny;
  double offHoursBake = 1.0;  // multiplier (200% -> 2.0)
  Origin origin;
};

struct Emergency {
  std::vector<std::string> approvers;
  double bake = 1.0;  // multiplier
  int64_t minBakeMs = 0;
  Origin origin, approversOrigin, minBakeOrigin;
};

// A `notify NAME { ... }` target (language.md "Notifications"): the events it
// wants and where they go. Empty webhook / run: that channel is not used.
struct NotifyTarget {
  std::string name;
  std::vector<std::string> events;       // plan/NotifyRules.h names, as written
  int64_t blockedAfterMs = 30 * 60'000;  // `blocked` after a stage waited this long
  std::string webhook, run;
  Origin origin;
};

// ----------------------------------------------------------- stages, prod

struct Onebox {
  Located<double> traffic;
  Located<int64_t> bakeMs;  // 0 when not set (S203)
  Origin origin;
};

struct Rolling {
  Located<double> batch;
  Located<double> minHealthy;
  Origin origin;
};

struct Canary {
  Located<std::vector<double>> steps;
  Located<int64_t> bakeMs;
  Origin origin;
};

struct Test {
  std::string name;
  std::string run;
  int64_t timeoutMs = 0;
  Origin origin;
};

struct Stage {  // pre-production
  std::string name;
  Located<std::vector<std::string>> regions;  // default: the first wave's regions
  std::optional<Onebox> onebox;
  Located<int64_t> bakeMs;
  std::vector<Test> tests;
  Origin origin;
};

struct Wave {
  int64_t number = 0;
  Located<std::vector<std::string>> regions;  // `rest` already expanded
  std::vector<SourceRange> regionRanges;      // added: each written region's range (empty for `rest`)
  size_t unknownRegions = 0;                  // written but not in the topology: S208, left out of `regions`
  bool isRest = false;
  Located<int64_t> bakeMs;      // 0 when not set (S203)
  Located<int64_t> zoneBakeMs;  // default 0
  std::optional<TrafficCondition> minTraffic;
  Located<int64_t> parallelZones{1, {}};
  // The wave's own override, else the prod default (already applied here).
  std::optional<Onebox> onebox;
  std::optional<Rolling> rolling;
  std::optional<Canary> canary;
  Origin origin;
};

struct Prod {
  std::vector<Wave> waves;  // ordered by number
  Origin origin;
};

struct Deploy {
  std::string run;
  std::string rollback;  // defaults to run
  int64_t timeoutMs = 0;
  int64_t expectedMs = 5 * 60'000;
  int64_t rollbackTimeMs = 2 * 60'000;
  Origin origin;
};

// ---------------------------------------------------------------- pipeline

struct Pipeline {
  std::string name;
  bool isTemplate = false;
  Origin origin;  // the declaration's name
  std::string artifact;
  std::string kind = "code";
  // What `piperun serve` does with versions waiting to enter the first stage
  // (language.md §5.2): "superseded" (the newest replaces them) or "queued".
  std::string executionMode = "superseded";
  const Topology* topology = nullptr;
  const Policy* policy = nullptr;
  Origin policyOrigin;
  std::optional<int64_t> hostsPerZone;  // overrides the topology
  std::optional<std::string> prometheusUrl;
  std::optional<std::string> alertmanagerUrl;  // external(NAME) alarms from Alertmanager (docs/runtime.md)
  Deploy deploy;
  std::vector<Metric> metrics;  // in declaration order
  std::vector<Alarm> alarms;    // in declaration order
  std::optional<AlarmExpr> rollbackOn;
  Origin rollbackOnOrigin;
  std::vector<std::string> blockOn;
  std::optional<Windows> windows;
  std::optional<Emergency> emergency;
  std::vector<NotifyTarget> notify;  // in order of first appearance
  std::vector<Stage> stages;         // in order of first appearance
  std::optional<Prod> prod;
  // The declaration whose plan shape this pipeline shares: set when its own
  // body only names what it deploys (see sema::planShapeOf), so that
  // the plan analysis of 10,000 services extending one template runs once.
  const void* planShapeOf = nullptr;

  const Metric* findMetric(const std::string& name) const {
    for (const Metric& metric : metrics)
      if (metric.name == name) return &metric;
    return nullptr;
  }
  const Alarm* findAlarm(const std::string& name) const {
    for (const Alarm& alarm : alarms)
      if (alarm.name == name) return &alarm;
    return nullptr;
  }
  int64_t hostsIn(const Region& region) const { return hostsPerZone.value_or(region.hostsPerZone); }
};

struct Program {
  std::vector<Topology> topologies;
  std::vector<Policy> policies;
  // Every pipeline and template that could be resolved (for `pipec show`, the LSP).
  std::vector<Pipeline> all;
  // The concrete pipelines of `all` that resolved without errors, sorted by name.
  std::vector<const Pipeline*> pipelines;
};

}  // namespace pipelang::model
