#include "runtime/alarm/AlarmEvaluator.h"

#include <fmt/format.h>

#include "runtime/metrics/ReadingRule.h"
#include "runtime/text/MetricValue.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <tuple>

namespace pipelang::runtime {

AlarmEvaluator::AlarmEvaluator(const Plan& plan, MetricSource& metrics, ExternalAlarmSource& externals)
    : plan_(plan), metrics_(metrics), externals_(externals) {}

void AlarmEvaluator::collect(const AlarmExpr& expr, std::vector<const AlarmExpr*>& out,
                             std::set<std::string>& seenRefs) const {
  switch (expr.op) {
    case AlarmExpr::Op::Cond:
      if (std::none_of(out.begin(), out.end(),
                       [&](const AlarmExpr* c) { return c->conditionKey() == expr.conditionKey(); }))
        out.push_back(&expr);
      return;
    case AlarmExpr::Op::Ref:
      if (seenRefs.insert(expr.name).second)
        if (auto it = plan_.alarms.find(expr.name); it != plan_.alarms.end()) collect(it->second, out, seenRefs);
      return;
    case AlarmExpr::Op::External:
      return;
    default:
      for (const auto& arg : expr.args) collect(arg, out, seenRefs);
  }
}

std::vector<const AlarmExpr*> AlarmEvaluator::conditionsOf(const AlarmExpr& expr) const {
  std::vector<const AlarmExpr*> out;
  std::set<std::string> seen;
  collect(expr, out, seen);
  return out;
}

const std::string& AlarmEvaluator::keyOf(const AlarmExpr& condition) {
  auto it = keys_.find(&condition);
  if (it == keys_.end()) it = keys_.emplace(&condition, condition.conditionKey()).first;
  return it->second;
}

const AlarmExpr* AlarmEvaluator::canonical(const AlarmExpr& condition) {
  auto it = canonical_.find(&condition);
  if (it != canonical_.end()) return it->second;
  const AlarmExpr*& first = byKey_[keyOf(condition)];
  if (!first) first = &condition;
  canonical_[&condition] = first;
  return first;
}

const AlarmEvaluator::Column& AlarmEvaluator::column(const AlarmExpr& condition) {
  auto it = columns_.find(&condition);
  if (it != columns_.end()) return it->second;
  const AlarmExpr* first = canonical(condition);
  auto own = columns_.find(first);
  if (own == columns_.end()) {
    Column made{columnCount_++, nullptr, planformat::comparisonOf(first->cmp), false};
    if (auto metric = plan_.metrics.find(first->metric); metric != plan_.metrics.end()) made.metric = &metric->second;
    made.fromMemory = made.metric && metrics_.answersFromMemory(*made.metric);
    own = columns_.emplace(first, made).first;
  }
  Column shared = own->second;
  shared.cmp = planformat::comparisonOf(condition.cmp);
  return columns_.emplace(&condition, shared).first->second;
}

namespace {

const std::string kNoText;

}  // namespace

const MetricDef& AlarmEvaluator::metricOf(const Column& column, const AlarmExpr& condition) const {
  return column.metric ? *column.metric : plan_.metrics.at(condition.metric);
}

AlarmEvaluator::History* AlarmEvaluator::historyAt(std::uint32_t slot, std::uint32_t column, bool create) {
  if (slot >= columnsBySlot_.size()) {
    if (!create) return nullptr;
    columnsBySlot_.resize(slot + 1);
  }
  auto& row = columnsBySlot_[slot];
  if (column >= row.size()) {
    if (!create) return nullptr;
    row.resize(column + 1, nullptr);
  }
  if (!row[column] && create) row[column] = &histories_.emplace_back();
  return row[column];
}

const AlarmEvaluator::History* AlarmEvaluator::findHistory(const AlarmExpr& condition, const Scope& scope) {
  return historyAt(slots_.slotOf(scope), column(condition).number, false);
}

MetricReading AlarmEvaluator::read(const MetricRequest& request) {
  return applyReadingRule(metrics_.read(request));
}

MetricReading AlarmEvaluator::readBounded(const MetricRequest& request) {
  auto begin = std::chrono::steady_clock::now();
  MetricReading reading = read(request);
  if (reading.error.empty()) return reading;
  // One retry before counting a failure, within what is left of the period.
  long usedMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count();
  long leftMs = request.timeoutMs - usedMs;
  if (request.timeoutMs > 0 && leftMs < 50) return reading;
  MetricRequest retry = request;
  if (request.timeoutMs > 0) retry.timeoutMs = leftMs;
  return read(retry);
}

std::vector<MetricReading> AlarmEvaluator::readAll(const std::vector<MetricRequest>& requests) {
  std::vector<MetricReading> readings(requests.size());
  if (requests.size() < 2 || !metrics_.concurrent()) {
    for (size_t i = 0; i < requests.size(); ++i) readings[i] = readBounded(requests[i]);
    return readings;
  }
  constexpr size_t kAtOnce = 32;  // bounded: a wave can watch hundreds of scopes
  for (size_t from = 0; from < requests.size(); from += kAtOnce) {
    std::vector<std::future<MetricReading>> inFlight;
    for (size_t i = from; i < std::min(requests.size(), from + kAtOnce); ++i)
      inFlight.push_back(std::async(std::launch::async, [this, &requests, i] { return readBounded(requests[i]); }));
    for (size_t i = 0; i < inFlight.size(); ++i) readings[from + i] = inFlight[i].get();
  }
  return readings;
}

std::shared_ptr<PendingRead> AlarmEvaluator::launch(const MetricRequest& request) {
  // The read outlives this pass (and maybe this engine): it owns copies of
  // what the request names, and reaches only the source, which the service owns.
  MetricSource* source = &metrics_;
  return pool_->launch(
      request.at,
      [source, metric = request.metric, scope = request.scope, version = request.version, at = request.at,
       timeoutMs = request.timeoutMs] {
        MetricRequest own{metric, scope, version, at, timeoutMs};
        MetricReading reading = applyReadingRule(source->read(own));
        return reading;
      },
      tag_);
}

void AlarmEvaluator::take(History& h, const AlarmExpr& condition, planformat::Comparison cmp, const Scope& scope,
                          Instant t, const std::optional<double>& value, const std::string& error,
                          const std::string& resolvedQuery, std::vector<SampleRecord>& out, bool onlyNotable) {
  Datapoint point{t, value, value && planformat::holds(cmp, *value, condition.value)};
  if (!error.empty()) {
    ++h.consecutiveFailures;
    h.lastError = error;
  } else {
    h.consecutiveFailures = 0;
  }
  h.points.push_back(point);
  h.breaches += point.breach;
  h.valued += point.value.has_value();
  while (static_cast<int>(h.points.size()) > condition.n) {
    h.breaches -= h.points.front().breach;
    h.valued -= h.points.front().value.has_value();
    h.points.pop_front();
  }
  if (onlyNotable && !point.breach && error.empty()) return;
  // A source that asks every query as written leaves it out of each reading (MetricSource::queryAsWritten).
  bool asWritten = resolvedQuery.empty() && h.metric && metrics_.queryAsWritten(*h.metric);
  out.push_back({t, scope.label(), keyOf(condition), condition.metric, asWritten ? h.metric->query : resolvedQuery,
                 error, value, point.breach, h.consecutiveFailures});
}

void AlarmEvaluator::sample(const std::vector<const AlarmExpr*>& conditions, const std::vector<Scope>& scopes,
                            const std::string& version, Instant now, std::vector<SampleRecord>& out, bool onlyNotable) {
  struct Due {
    const Scope* scope;
    const AlarmExpr* condition;
    History* history;
    const MetricDef* metric;
    const Column* column;
  };
  std::vector<Due> due;
  std::vector<const Column*> columns;  // of `conditions`, found once per call
  for (const auto* condition : conditions) columns.push_back(&column(*condition));
  for (const auto& scope : scopes) {
    std::uint32_t slot = slots_.slotOf(scope);
    for (size_t k = 0; k < conditions.size(); ++k) {
      const AlarmExpr* condition = conditions[k];
      History& h = *historyAt(slot, columns[k]->number, true);
      if (h.round != round_) {
        h.round = round_;
        touched_.push_back(&h);
      }
      if (h.pending && h.pending->done.load(std::memory_order_acquire)) {
        take(h, *condition, columns[k]->cmp, scope, h.pending->at, h.pending->reading, out, onlyNotable);
        h.pending.reset();
      }
      if (h.started && h.nextDue > now) continue;
      if (h.pending) continue;  // the last period's read is still running
      // A late wake-up takes one datapoint, not a burst of catch-up ones. A
      // batched metric's reads fall on multiples of the period, so scopes
      // that started watching at different moments share one query from
      // their second datapoint on (docs/runtime.md "One query per metric per period").
      Instant period = condition->periodS;
      const MetricDef& metric = metricOf(*columns[k], *condition);
      bool aligned = period > 0 && metrics_.batches(metric);
      Instant next = aligned ? (now / period + 1) * period : now + period;
      h.nextDue = h.started ? h.nextDue + period : next;
      if (h.nextDue <= now) h.nextDue = next;
      h.started = true;
      h.metric = &metric;
      due.push_back({&scope, condition, &h, &metric, columns[k]});
    }
  }
  if (due.empty()) return;
  auto requestOf = [&](size_t i) {
    return MetricRequest{*due[i].metric, *due[i].scope, version, now,
                         std::max<long>(1, due[i].condition->periodS) * 1000L};
  };
  // A source read one scope at a time, in turn (the simulated fleet, a
  // command source): each pair is read and taken in the order it came due,
  // with no request or reading lists built (docs/performance.md, issue 18).
  // Reading a pair never looks at a history, so this is the order below.
  if (!pool_ && (due.size() < 2 || !metrics_.concurrent()) &&
      std::none_of(due.begin(), due.end(), [&](const Due& d) { return metrics_.batches(*d.metric); })) {
    for (size_t i = 0; i < due.size(); ++i) {
      const Due& d = due[i];
      if (d.column->fromMemory) {
        // Answered at once: a finite value is a datapoint as it is, with no
        // reading to move through the reading rule; anything else is read
        // again through it, so what failed is said as before.
        std::optional<double> value = metrics_.valueFromMemory(requestOf(i));
        if (value && std::isfinite(*value)) {
          take(*d.history, *d.condition, d.column->cmp, *d.scope, now, value, kNoText, kNoText, out, onlyNotable);
          continue;
        }
      }
      take(*d.history, *d.condition, d.column->cmp, *d.scope, now, readBounded(requestOf(i)), out, onlyNotable);
    }
    return;
  }

  // Pairs of one metric, scope kind, fleet and period are read together when
  // the source batches the metric (one query for them all); the rest one by one.
  struct Group {
    const MetricDef* metric;
    long timeoutMs;
    std::vector<Scope> scopes;
    std::map<std::string, size_t> indexOf;  // scope label -> index in scopes
  };
  std::map<std::tuple<std::string, int, std::string, long>, Group> groups;
  std::vector<std::pair<Group*, size_t>> inGroup(due.size(), {nullptr, 0});
  std::vector<size_t> singles;
  for (size_t i = 0; i < due.size(); ++i) {
    const MetricDef& metric = *due[i].metric;
    long timeoutMs = std::max<long>(1, due[i].condition->periodS) * 1000L;
    if (!metrics_.batches(metric)) {
      singles.push_back(i);
      continue;
    }
    const Scope& scope = *due[i].scope;
    Group& group = groups
                       .try_emplace({metric.name, static_cast<int>(scope.kind), scope.fleet, timeoutMs},
                                    Group{&metric, timeoutMs, {}, {}})
                       .first->second;
    auto [it, added] = group.indexOf.try_emplace(scope.label(), group.scopes.size());
    if (added) group.scopes.push_back(scope);
    inGroup[i] = {&group, it->second};
  }

  if (pool_) {
    for (size_t i : singles) due[i].history->pending = launch(requestOf(i));
    std::map<const Group*, std::vector<std::shared_ptr<PendingRead>>> launched;
    for (auto& [key, group] : groups)
      launched[&group] = launchBatch(*group.metric, group.scopes, version, now, group.timeoutMs);
    for (size_t i = 0; i < due.size(); ++i)
      if (inGroup[i].first) due[i].history->pending = launched[inGroup[i].first][inGroup[i].second];
    return;
  }

  std::vector<MetricRequest> requests;
  for (size_t i : singles) requests.push_back(requestOf(i));
  std::vector<MetricReading> singleReadings = readAll(requests);
  // Batches at once when the source allows it, as readAll does scopes.
  std::map<const Group*, std::vector<MetricReading>> groupReadings;
  std::map<const Group*, std::future<std::vector<MetricReading>>> inFlight;
  for (auto& [key, group] : groups) {
    const Group* g = &group;
    auto readGroup = [this, g, &version, now] {
      return readBatchBounded(MetricBatchRequest{*g->metric, g->scopes, version, now, g->timeoutMs});
    };
    if (groups.size() > 1 && metrics_.concurrent())
      inFlight[g] = std::async(std::launch::async, readGroup);
    else
      groupReadings[g] = readGroup();
  }
  for (auto& [group, reading] : inFlight) groupReadings[group] = reading.get();
  // Taken in the order the pairs came due, whichever way they were read.
  std::vector<const MetricReading*> readings(due.size(), nullptr);
  for (size_t k = 0; k < singles.size(); ++k) readings[singles[k]] = &singleReadings[k];
  for (size_t i = 0; i < due.size(); ++i)
    if (inGroup[i].first) readings[i] = &groupReadings[inGroup[i].first][inGroup[i].second];
  for (size_t i = 0; i < due.size(); ++i)
    take(*due[i].history, *due[i].condition, due[i].column->cmp, *due[i].scope, now, *readings[i], out, onlyNotable);
}

std::vector<MetricReading> AlarmEvaluator::readBatchBounded(const MetricBatchRequest& request) {
  auto readAllOf = [this](const MetricBatchRequest& r) {
    std::vector<MetricReading> readings = metrics_.readBatch(r);
    readings.resize(r.scopes.size(), MetricReading{std::nullopt, "no reading for this scope", ""});
    for (auto& reading : readings) reading = applyReadingRule(std::move(reading));
    return readings;
  };
  auto begin = std::chrono::steady_clock::now();
  std::vector<MetricReading> readings = readAllOf(request);
  // As readBounded: one retry within the period, when the whole answer failed.
  if (std::any_of(readings.begin(), readings.end(), [](const MetricReading& r) { return r.error.empty(); }))
    return readings;
  long usedMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count();
  long leftMs = request.timeoutMs - usedMs;
  if (request.timeoutMs > 0 && leftMs < 50) return readings;
  MetricBatchRequest retry = request;
  if (request.timeoutMs > 0) retry.timeoutMs = leftMs;
  return readAllOf(retry);
}

std::vector<std::shared_ptr<PendingRead>> AlarmEvaluator::launchBatch(const MetricDef& metric,
                                                                      const std::vector<Scope>& scopes,
                                                                      const std::string& version, Instant at,
                                                                      long timeoutMs) {
  // As launch(): the read owns copies of what it names.
  MetricSource* source = &metrics_;
  return pool_->launchBatch(
      at, scopes.size(),
      [source, metric, scopes, version, at, timeoutMs] {
        std::vector<MetricReading> readings =
            source->readBatch(MetricBatchRequest{metric, scopes, version, at, timeoutMs});
        readings.resize(scopes.size(), MetricReading{std::nullopt, "no reading for this scope", ""});
        for (auto& reading : readings) reading = applyReadingRule(std::move(reading));
        return readings;
      },
      tag_);
}

std::optional<Instant> AlarmEvaluator::nextDue() const {
  std::optional<Instant> earliest;
  for (const History* h : touched_) {
    if (!h->started) continue;
    if (!earliest || h->nextDue < *earliest) earliest = h->nextDue;
  }
  return earliest;
}

std::optional<double> AlarmEvaluator::latest(const AlarmExpr& condition, const Scope& scope) {
  const History* h = findHistory(condition, scope);
  if (!h || h->points.empty()) return std::nullopt;
  return h->points.back().value;
}

bool AlarmEvaluator::hasData(const std::vector<const AlarmExpr*>& conditions, const Scope& scope) {
  for (const auto* condition : conditions) {
    const History* h = findHistory(*condition, scope);
    if (!h || h->points.empty() || !h->points.back().value) return false;
  }
  return true;
}

std::optional<Shortfall> AlarmEvaluator::missingDatapoints(const std::vector<const AlarmExpr*>& conditions,
                                                           const Scope& scope) {
  for (const auto* condition : conditions) {
    const History* h = findHistory(*condition, scope);
    int have = h ? h->valued : 0;
    if (have < condition->m) {
      Shortfall shortfall{conditionName(*condition), have, condition->m};
      // Ended but not yet taken counts too: it ended after this pass's sampling.
      if (h && h->pending && have + 1 >= condition->m) shortfall.awaitedAt = h->pending->at;
      return shortfall;
    }
  }
  return std::nullopt;
}

std::string AlarmEvaluator::conditionName(const AlarmExpr& condition) const {
  std::string key = condition.conditionKey();
  for (const auto& [name, expr] : plan_.alarms)
    if (expr.op == AlarmExpr::Op::Cond && expr.conditionKey() == key) return name;
  return fmt::format("{} {} {}", condition.metric, condition.cmp, formatValue(condition.metric, condition.value));
}

std::string AlarmEvaluator::formatValue(const std::string& metricName, double value) const {
  auto it = plan_.metrics.find(metricName);
  return formatMetricValue(it == plan_.metrics.end() ? "" : it->second.unit, value);
}

Verdict AlarmEvaluator::evaluateCondition(const AlarmExpr& condition, const Scope& scope, std::uint32_t slot) {
  Verdict verdict;
  const History* h = historyAt(slot, column(condition).number, false);
  if (!h || h->points.empty()) {
    verdict.missingData = true;
    return verdict;
  }
  if (!h->points.back().value) verdict.missingData = true;
  if (h->consecutiveFailures >= kFailuresForAlarm) {
    verdict.firing = true;
    verdict.breachSince = h->points.front().t;
    verdict.why =
        fmt::format("{}: metrics source failing for {} periods at {} (failed reading: {}): no promotion on blind data",
                    condition.metric, h->consecutiveFailures, scope.label(), h->lastError);
    return verdict;
  }
  int breaches = 0;
  std::optional<double> lastBreach;
  for (const auto& point : h->points)
    if (point.breach) {
      if (!breaches) verdict.breachSince = point.t;
      ++breaches;
      lastBreach = point.value;
    }
  if (breaches >= condition.m) {
    verdict.firing = true;
    verdict.why = fmt::format("{} = {} {} {} in {} of last {} at {}", condition.metric,
                              formatValue(condition.metric, *lastBreach), condition.cmp,
                              formatValue(condition.metric, condition.value), breaches,
                              static_cast<int>(h->points.size()), scope.label());
  }
  return verdict;
}

Verdict AlarmEvaluator::evaluate(const AlarmExpr& expr, const Scope& scope, Instant now) {
  return evaluateAt(expr, scope, slots_.slotOf(scope), now);
}

const std::pair<const std::string, AlarmExpr>* AlarmEvaluator::resolve(const AlarmExpr& ref) {
  // Resolved once per node; the name is compared so that a node at a reused address is resolved again.
  auto [it, added] = refs_.try_emplace(&ref, nullptr);
  if (added || !it->second || it->second->first != ref.name) {
    auto alarm = plan_.alarms.find(ref.name);
    it->second = alarm == plan_.alarms.end() ? nullptr : &*alarm;
  }
  return it->second;
}

std::optional<Verdict> AlarmEvaluator::firingVerdict(const AlarmExpr& expr, const Scope& scope, Instant now) {
  std::uint32_t slot = slots_.slotOf(scope);
  std::optional<Firing> quick;
  if (&expr == &plan_.rollbackOn) {
    if (!rollbackCompiled_) {
      std::vector<FiringOp> program;
      if (compileFiring(expr, program)) rollbackProgram_ = std::move(program);
      rollbackCompiled_ = true;
    }
    if (rollbackProgram_) quick = runFiring(*rollbackProgram_, slot);
  } else {
    quick = firingAt(expr, slot);
  }
  if (quick && !quick->firing) return std::nullopt;
  Verdict verdict = evaluateAt(expr, scope, slot, now);
  if (!verdict.firing) return std::nullopt;
  return verdict;
}

bool AlarmEvaluator::compileFiring(const AlarmExpr& expr, std::vector<FiringOp>& out) {
  switch (expr.op) {
    case AlarmExpr::Op::Cond:
      out.push_back({FiringOp::Kind::Cond, column(expr).number, expr.m, 0});
      return true;
    case AlarmExpr::Op::Ref:
      if (const auto* alarm = resolve(expr)) return compileFiring(alarm->second, out);
      out.push_back({FiringOp::Kind::False, 0, 0, 0});
      return true;
    case AlarmExpr::Op::External:
      return false;
    case AlarmExpr::Op::Not:
      if (!compileFiring(expr.args.front(), out)) return false;
      out.push_back({FiringOp::Kind::Not, 0, 0, 0});
      return true;
    case AlarmExpr::Op::Or:
    case AlarmExpr::Op::And:
      for (const auto& arg : expr.args)
        if (!compileFiring(arg, out)) return false;
      out.push_back({expr.op == AlarmExpr::Op::Or ? FiringOp::Kind::Or : FiringOp::Kind::And, 0, 0,
                     static_cast<std::uint32_t>(expr.args.size())});
      return true;
  }
  return false;
}

std::optional<AlarmEvaluator::Firing> AlarmEvaluator::runFiring(const std::vector<FiringOp>& program,
                                                                std::uint32_t slot) {
  // firingAt's rules, on a stack.
  auto& stack = firingStack_;
  stack.clear();
  for (const auto& op : program) switch (op.kind) {
      case FiringOp::Kind::Cond: {
        const History* h = historyAt(slot, op.column, false);
        if (!h || h->points.empty()) {
          stack.push_back({false, true});
          break;
        }
        Firing f{false, !h->points.back().value};
        f.firing = h->consecutiveFailures >= kFailuresForAlarm || h->breaches >= op.m;
        stack.push_back(f);
        break;
      }
      case FiringOp::Kind::False:
        stack.push_back({false, false});
        break;
      case FiringOp::Kind::Not: {
        Firing inner = stack.back();
        stack.back() = {!inner.firing && !inner.missingData, inner.missingData};
        break;
      }
      case FiringOp::Kind::Or:
      case FiringOp::Kind::And: {
        bool isAnd = op.kind == FiringOp::Kind::And;
        Firing result{isAnd, false};
        for (size_t k = stack.size() - op.args; k < stack.size(); ++k) {
          result.missingData = result.missingData || stack[k].missingData;
          result.firing = isAnd ? result.firing && stack[k].firing : result.firing || stack[k].firing;
        }
        stack.resize(stack.size() - op.args);
        stack.push_back(result);
        break;
      }
    }
  return stack.back();
}

std::optional<AlarmEvaluator::Firing> AlarmEvaluator::firingAt(const AlarmExpr& expr, std::uint32_t slot) {
  // The same rules as evaluateAt and evaluateCondition, on flags only.
  switch (expr.op) {
    case AlarmExpr::Op::Cond: {
      const History* h = historyAt(slot, column(expr).number, false);
      if (!h || h->points.empty()) return Firing{false, true};
      Firing result{false, !h->points.back().value};
      if (h->consecutiveFailures >= kFailuresForAlarm) {
        result.firing = true;
        return result;
      }
      result.firing = h->breaches >= expr.m;
      return result;
    }
    case AlarmExpr::Op::Ref: {
      const auto* alarm = resolve(expr);
      if (!alarm) return Firing{};
      return firingAt(alarm->second, slot);
    }
    case AlarmExpr::Op::External:
      return std::nullopt;  // its source is asked by evaluateAt, once
    case AlarmExpr::Op::Not: {
      auto inner = firingAt(expr.args.front(), slot);
      if (!inner) return std::nullopt;
      return Firing{!inner->firing && !inner->missingData, inner->missingData};
    }
    case AlarmExpr::Op::Or:
    case AlarmExpr::Op::And: {
      bool isAnd = expr.op == AlarmExpr::Op::And;
      Firing result{isAnd, false};
      for (const auto& arg : expr.args) {
        auto v = firingAt(arg, slot);
        if (!v) return std::nullopt;
        result.missingData = result.missingData || v->missingData;
        result.firing = isAnd ? result.firing && v->firing : result.firing || v->firing;
      }
      return result;
    }
  }
  return Firing{};
}

Verdict AlarmEvaluator::evaluateAt(const AlarmExpr& expr, const Scope& scope, std::uint32_t slot, Instant now) {
  switch (expr.op) {
    case AlarmExpr::Op::Cond:
      return evaluateCondition(expr, scope, slot);
    case AlarmExpr::Op::Ref: {
      const auto* alarm = resolve(expr);
      if (!alarm) return {};
      Verdict inner = evaluateAt(alarm->second, scope, slot, now);
      if (inner.firing && inner.culprit.empty()) inner.culprit = expr.name;
      return inner;
    }
    case AlarmExpr::Op::External: {
      Verdict verdict;
      std::optional<bool> state = externals_.firing(expr.name, now);
      if (!state || *state) {
        verdict.firing = true;
        verdict.culprit = expr.name;
        verdict.breachSince = now;
        verdict.why = state ? fmt::format("external alarm {} is ALARM", expr.name)
                            : fmt::format("external alarm {} state unknown (fail safe: treated as ALARM)", expr.name);
      }
      return verdict;
    }
    case AlarmExpr::Op::Not: {
      Verdict inner = evaluateAt(expr.args.front(), scope, slot, now);
      Verdict verdict;
      verdict.missingData = inner.missingData;
      verdict.firing = !inner.firing && !inner.missingData;
      if (verdict.firing) verdict.why = "not(...) holds at " + scope.label();
      verdict.breachSince = now;
      return verdict;
    }
    case AlarmExpr::Op::Or: {
      Verdict result;
      for (const auto& arg : expr.args) {
        Verdict v = evaluateAt(arg, scope, slot, now);
        result.missingData = result.missingData || v.missingData;
        if (v.firing && !result.firing) {
          bool missing = result.missingData;
          result = v;
          result.missingData = missing || v.missingData;
        }
      }
      return result;
    }
    case AlarmExpr::Op::And: {
      Verdict result;
      result.firing = true;
      std::vector<std::string> reasons;
      for (const auto& arg : expr.args) {
        Verdict v = evaluateAt(arg, scope, slot, now);
        result.missingData = result.missingData || v.missingData;
        if (!v.firing)
          result.firing = false;
        else {
          reasons.push_back(v.why);
          if (result.culprit.empty()) result.culprit = v.culprit;
          result.breachSince = std::max(result.breachSince, v.breachSince);
        }
      }
      if (result.firing)
        result.why = fmt::format("{}", fmt::join(reasons, " and "));
      else
        result.culprit.clear();
      return result;
    }
  }
  return {};
}

}  // namespace pipelang::runtime
