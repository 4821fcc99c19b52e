// Alarm state per scope (runtime.md §5): each condition keeps its last N
// datapoints per scope and is in ALARM when at least M breach. Every reading
// passes through applyReadingRule (docs/runtime.md "Blind data never passes"):
// a failed reading never breaches but never counts as healthy either; a source
// failing kFailuresForAlarm periods in a row at a scope is an alarm there, for
// every provider alike, and `missingDatapoints` lets a bake refuse to end blind.
#pragma once

#include "plan/Comparison.h"
#include "runtime/alarm/Scope.h"
#include "runtime/alarm/ScopeSlots.h"
#include "runtime/metrics/MetricSource.h"
#include "runtime/metrics/ReadPool.h"
#include "runtime/plan/Plan.h"

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace pipelang::runtime {

struct Datapoint {
  Instant t = 0;
  std::optional<double> value;
  bool breach = false;
};

// One measurement, as recorded in the journal.
struct SampleRecord {
  Instant t = 0;
  std::string scope, condition, metric, query, error;
  std::optional<double> value;
  bool breach = false;
  int failures = 0;  // consecutive failed readings at this scope, this one included
};

// A watched condition that has fewer than its M datapoints among its last N at a scope.
struct Shortfall {
  std::string condition;  // the alarm's name ("high_faults"), else the condition's text
  int have = 0, need = 0;
  // The instant of a datapoint being read now that would make up the shortfall
  // (asynchronous reads only), else -1: a bake whose last datapoint is being read
  // when its time is up waits a second for it quietly instead of saying it is extended.
  Instant awaitedAt = -1;
};

struct Verdict {
  bool firing = false;
  bool missingData = false;  // some condition has no recent datapoint here
  std::string culprit;       // innermost named alarm that fires
  std::string why;           // "fault_rate = 5.00% > 1.00% in 3 of last 5 at host h01"
  Instant breachSince = 0;   // first breaching datapoint of the firing condition
};

class AlarmEvaluator {
 public:
  static constexpr int kFailuresForAlarm = 3;

  AlarmEvaluator(const Plan& plan, MetricSource& metrics, ExternalAlarmSource& externals);

  // `piperun serve`: reads run on `pool` and never block sample(); a datapoint
  // is taken on the first pass after its read ends, with the instant it was
  // asked for. A read still running when its next period is due makes that
  // period's read wait (the reading rule's timeout bounds it).
  void setReadPool(ReadPool* pool, std::int64_t tag) {
    pool_ = pool;
    tag_ = tag;
  }
  bool asynchronous() const { return pool_ != nullptr; }
  // Starts one read on the pool (asynchronous() only), under the reading rule.
  std::shared_ptr<PendingRead> launch(const MetricRequest& request);

  // Every condition an expression reaches through refs, each once.
  std::vector<const AlarmExpr*> conditionsOf(const AlarmExpr& expr) const;

  // Takes a datapoint for every (condition, scope) pair whose period is due.
  // Appends to `out` every datapoint, or with `onlyNotable` just breaches and failures.
  void sample(const std::vector<const AlarmExpr*>& conditions, const std::vector<Scope>& scopes,
              const std::string& version, Instant now, std::vector<SampleRecord>& out, bool onlyNotable = false);
  // The latest measured value of a condition's metric at a scope.
  std::optional<double> latest(const AlarmExpr& condition, const Scope& scope);
  Verdict evaluate(const AlarmExpr& expr, const Scope& scope, Instant now);
  // evaluate()'s verdict when `expr` fires at the scope, none when it does not.
  // An expression without external alarms is first decided from the
  // histories alone, with no texts built: a scope that does not fire costs a
  // look at its datapoints (docs/performance.md, issue 18). One with an
  // external alarm is evaluated as by evaluate(), asking its source once.
  std::optional<Verdict> firingVerdict(const AlarmExpr& expr, const Scope& scope, Instant now);
  // The latest datapoint of every condition at the scope has a value.
  bool hasData(const std::vector<const AlarmExpr*>& conditions, const Scope& scope);
  // The first condition without M datapoints (`for M of N`) among its last N at the scope.
  std::optional<Shortfall> missingDatapoints(const std::vector<const AlarmExpr*>& conditions, const Scope& scope);
  // One read under the reading rule, for values that are not alarm datapoints (min_traffic).
  MetricReading read(const MetricRequest& request);
  // The name a condition is known by in the timeline.
  std::string conditionName(const AlarmExpr& condition) const;

  // Earliest due time among the pairs sampled since the last call to beginRound.
  void beginRound() {
    touched_.clear();
    ++round_;
  }
  std::optional<Instant> nextDue() const;
  // Forgets histories of a scope set, e.g. when a new stage starts watching.
  void reset() {
    histories_.clear();
    columnsBySlot_.clear();
    touched_.clear();
  }

  std::string formatValue(const std::string& metric, double value) const;

 private:
  struct History {
    std::deque<Datapoint> points;
    int consecutiveFailures = 0;
    std::string lastError;
    Instant nextDue = 0;
    bool started = false;
    std::uint64_t round = 0;               // the last round it was sampled in (touched_)
    const MetricDef* metric = nullptr;     // what it reads, set when a datapoint is first due
    std::shared_ptr<PendingRead> pending;  // asynchronous reads only
    // Of `points`, kept as they come and go: the verdict of a scope that does
    // not fire is a comparison, not a walk of its datapoints.
    int breaches = 0, valued = 0;
  };
  // A condition's column: equal conditions share one (canonical), numbered
  // from 0 in the order first seen; with the metric it reads, looked up once.
  struct Column {
    std::uint32_t number = 0;
    const MetricDef* metric = nullptr;  // null: the plan has no such metric (plan_.metrics.at throws, as before)
    planformat::Comparison cmp = planformat::Comparison::Gt;  // this condition's own, decoded once
    bool fromMemory = false;  // the source answers the metric from memory (MetricSource::answersFromMemory)
  };
  const Column& column(const AlarmExpr& condition);
  const MetricDef& metricOf(const Column& column, const AlarmExpr& condition) const;
  // The history of a (scope slot, column) pair, made when `create`; null otherwise when there is none.
  History* historyAt(std::uint32_t slot, std::uint32_t column, bool create);
  Verdict evaluateAt(const AlarmExpr& expr, const Scope& scope, std::uint32_t slot, Instant now);
  // evaluateAt()'s `firing` and `missingData` alone; none when the expression reaches an external alarm.
  struct Firing {
    bool firing = false, missingData = false;
  };
  std::optional<Firing> firingAt(const AlarmExpr& expr, std::uint32_t slot);
  // The plan's rollback_on compiled once for firingAt's question (postfix,
  // refs inlined, columns found): asked of every watched scope every period.
  struct FiringOp {
    enum class Kind : std::uint8_t { Cond, Not, Or, And, False } kind = Kind::False;
    std::uint32_t column = 0;  // Cond: the condition's column
    int m = 0;                 // Cond: breaches needed
    std::uint32_t args = 0;    // Or, And: operands on the stack
  };
  bool compileFiring(const AlarmExpr& expr, std::vector<FiringOp>& out);
  std::optional<Firing> runFiring(const std::vector<FiringOp>& program, std::uint32_t slot);
  bool rollbackCompiled_ = false;
  std::optional<std::vector<FiringOp>> rollbackProgram_;  // none: it reaches an external alarm
  std::vector<Firing> firingStack_;
  // The plan's alarm a `ref` node names, resolved once per node; null when there is none.
  const std::pair<const std::string, AlarmExpr>* resolve(const AlarmExpr& ref);
  // Appends one reading to a history (and to `out`), as a datapoint at `t`;
  // `value` and `error` are the reading's after the reading rule.
  void take(History& h, const AlarmExpr& condition, planformat::Comparison cmp, const Scope& scope, Instant t,
            const std::optional<double>& value, const std::string& error, const std::string& resolvedQuery,
            std::vector<SampleRecord>& out, bool onlyNotable);
  void take(History& h, const AlarmExpr& condition, planformat::Comparison cmp, const Scope& scope, Instant t,
            const MetricReading& reading, std::vector<SampleRecord>& out, bool onlyNotable) {
    take(h, condition, cmp, scope, t, reading.value, reading.error, reading.resolvedQuery, out, onlyNotable);
  }
  const History* findHistory(const AlarmExpr& condition, const Scope& scope);
  Verdict evaluateCondition(const AlarmExpr& condition, const Scope& scope, std::uint32_t slot);
  // Reads a round's requests, in parallel when the source allows it; each
  // bounded by its condition's period (one retry if time is left).
  std::vector<MetricReading> readAll(const std::vector<MetricRequest>& requests);
  MetricReading readBounded(const MetricRequest& request);
  // Every scope of a batch (one kind, one fleet) in one read of the source,
  // under the reading rule; retried once within the period when all failed.
  std::vector<MetricReading> readBatchBounded(const MetricBatchRequest& request);
  // As launch(), for a batch: one handle per scope, in the scopes' order.
  std::vector<std::shared_ptr<PendingRead>> launchBatch(const MetricDef& metric, const std::vector<Scope>& scopes,
                                                        const std::string& version, Instant at, long timeoutMs);
  void collect(const AlarmExpr& expr, std::vector<const AlarmExpr*>& out, std::set<std::string>& seenRefs) const;

  const std::string& keyOf(const AlarmExpr& condition);
  // Equal conditions written in two places share one history.
  const AlarmExpr* canonical(const AlarmExpr& condition);

  const Plan& plan_;
  std::map<const AlarmExpr*, std::string> keys_;  // conditionKey() is formatted once
  std::map<const AlarmExpr*, const AlarmExpr*> canonical_;
  std::map<std::string, const AlarmExpr*> byKey_;
  MetricSource& metrics_;
  ExternalAlarmSource& externals_;
  // Histories by scope slot and condition column, in vectors: a pair is
  // found without hashing a string (docs/performance.md, issue 18). Their
  // addresses are stable (a deque), so a round can hold them.
  ScopeSlots slots_;
  std::unordered_map<const AlarmExpr*, Column> columns_;  // every condition seen, by address
  std::uint32_t columnCount_ = 0;
  std::vector<std::vector<History*>> columnsBySlot_;  // [slot][column]; null: none yet
  std::deque<History> histories_;
  // Alarm references resolved once: a `ref` node -> the plan's alarm it names (null: no such alarm).
  std::unordered_map<const AlarmExpr*, const std::pair<const std::string, AlarmExpr>*> refs_;
  std::vector<const History*> touched_;  // sampled since beginRound, each once
  std::uint64_t round_ = 1;
  ReadPool* pool_ = nullptr;
  std::int64_t tag_ = 0;
};

}  // namespace pipelang::runtime
