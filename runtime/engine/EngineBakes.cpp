// Bakes: their length (emergency, off-hours), their time, min_traffic and datapoints,
// and a bake past its time extended until they hold (runtime.md §2.5, §6).
#include "runtime/engine/Engine.h"

#include "runtime/engine/TimeText.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace pipelang::runtime {
namespace json = llvm::json;

int Engine::effectiveBake(int baseS, Instant bakeStart, std::string& note) const {
  int bake = baseS;
  if (baseS <= 0) return 0;
  if (run_.emergency && plan_.emergency) {
    // Shorter, but never below the floor and never zero.
    int scaled = static_cast<int>(std::lround(baseS * plan_.emergency->bake));
    bake = std::min(baseS, std::max({scaled, plan_.emergency->minBakeS, 1}));
    if (bake != baseS)
      note += fmt::format(", emergency: {} instead of {}", formatDuration(bake), formatDuration(baseS));
  }
  if (calendar_ && calendar_->spec().offHoursBake != 1.0 && !calendar_->insideAllow(bakeStart)) {
    bake = static_cast<int>(std::lround(bake * calendar_->spec().offHoursBake));
    note += fmt::format(", x{:g} off-hours", calendar_->spec().offHoursBake);
  }
  return bake;
}

void Engine::startBake(StepRuntime& step, Instant now) {
  const Step& s = *step.step;
  const Stage* stage = plan_.stage(s.stage);
  int base = s.bakeS.value_or(s.type == "bake" && s.region.empty() ? stage->bakeS : 0);
  std::string note;
  step.bake = {effectiveBake(base, now, note), 0, 0};
  step.phase = Phase::Bake;
  step.lastTick = now;
  step.nextTrafficSample = now;
  journal_.setBake(run_.id, s.id, step.bake);
  watch(stage);
  std::string watching = describeScopes(scopesOf(s));
  std::string traffic = s.type == "bake" && s.region.empty() && stage->minTraffic
                            ? fmt::format(", needs {} {} {:g}", stage->minTraffic->metric, stage->minTraffic->cmp,
                                          stage->minTraffic->value)
                            : "";
  emit(now, "bake_started", s.stage, s.id,
       fmt::format("baking {}{}{}{}", formatDuration(step.bake.requiredS), note, traffic,
                   watching.empty() ? "" : ", watching " + watching),
       EventDetail{{"bake_s", step.bake.requiredS}, {"base_s", base}});
}

std::optional<Instant> Engine::quietUntil(Instant now) const {
  if (waitingSince_ >= 0) return std::nullopt;  // a closed gate or an approval has its own wake-ups
  bool any = false;
  for (size_t i : running_) {
    const StepRuntime& step = steps_[i];
    if (step.state != StepState::Running || step.phase != Phase::Bake) continue;
    if (!step.extension.waiting() || step.extension.kind() != "min_traffic" || step.lastTrafficGain != 0)
      return std::nullopt;
    any = true;
  }
  auto last = externals_.lastChange(now);
  if (!any || !last) return std::nullopt;
  // Every datapoint of every M-of-N window already shows the world as it stays.
  std::int64_t window = 0;
  for (const auto* condition : rollbackConditions_)
    window = std::max<std::int64_t>(window, static_cast<std::int64_t>(condition->n) * condition->periodS);
  if (now - std::max(*last, lastHostChange_) < window + options_.trafficPeriodS) return std::nullopt;
  std::optional<Instant> next = externals_.nextChange(now);
  if (nextScheduledRequest_ < options_.scheduledRequests.size() &&
      (!next || options_.scheduledRequests[nextScheduledRequest_].t < *next))
    next = options_.scheduledRequests[nextScheduledRequest_].t;
  return next.value_or(waitStart() + options_.giveUpAfterS);
}

long Engine::trafficTimeoutMs() const {
  long ms = 10000;  // a query never blocks the engine longer than the shortest watched period
  for (const auto* condition : rollbackConditions_) ms = std::min<long>(ms, std::max(1, condition->periodS) * 1000L);
  return ms;
}

void Engine::advanceBakes(Instant now) {
  // A region's scope for a min_traffic read: the model's own, not a copy of it and its host list.
  Scope scratch;
  auto regionScope = [this](const std::string& fleet, const std::string& region, Scope& built) -> const Scope& {
    if (const Scope* known = fleet_.knownRegionScope(fleet, region)) return *known;
    return built = fleet_.regionScope(fleet, region);
  };
  std::vector<size_t> running = running_;  // in plan order; a bake that passes leaves running_
  for (size_t index : running) {
    StepRuntime& step = steps_[index];
    if (step.state != StepState::Running || step.phase != Phase::Bake) continue;
    const Step& s = *step.step;
    const Stage* stage = plan_.stage(s.stage);
    if (now > step.lastTick) step.bake.elapsedS += static_cast<int>(now - step.lastTick);
    step.lastTick = now;
    bool stageBake = s.type == "bake" && s.region.empty();
    const MinTraffic* minTraffic = stageBake && stage->minTraffic ? &*stage->minTraffic : nullptr;
    bool sampled = false;
    // The stage's traffic: the metric summed over its regions, then over the bake.
    auto addTraffic = [&](const std::vector<MetricReading>& readings) {
      double sum = 0;
      bool complete = true;
      for (const auto& reading : readings) {
        if (!reading.value)
          complete = false;
        else
          sum += *reading.value;
      }
      if (complete) step.bake.trafficSum += sum;
      step.lastTrafficGain = complete ? sum : -1;
      sampled = true;
    };
    if (minTraffic && evaluator_.asynchronous()) {
      if (!step.trafficReads.empty() && std::all_of(step.trafficReads.begin(), step.trafficReads.end(),
                                                    [](auto& r) { return r->done.load(std::memory_order_acquire); })) {
        std::vector<MetricReading> readings;
        for (const auto& read : step.trafficReads) readings.push_back(read->reading);
        step.trafficReads.clear();
        addTraffic(readings);
      }
      if (step.trafficReads.empty() && now >= step.nextTrafficSample) {
        for (const auto& region : stage->regions)
          step.trafficReads.push_back(
              evaluator_.launch({plan_.metrics.at(minTraffic->metric), regionScope(stage->fleet(), region, scratch),
                                 run_.version, now, trafficTimeoutMs()}));
        step.nextTrafficSample = now + options_.trafficPeriodS;
      }
    } else if (minTraffic && now >= step.nextTrafficSample) {
      std::vector<MetricReading> readings;
      const MetricDef& metric = plan_.metrics.at(minTraffic->metric);
      for (const auto& region : stage->regions)
        readings.push_back(evaluator_.read(
            {metric, regionScope(stage->fleet(), region, scratch), run_.version, now, trafficTimeoutMs()}));
      addTraffic(readings);
      step.nextTrafficSample = now + options_.trafficPeriodS;
    }
    if (minTraffic) wakeAt(step.nextTrafficSample);

    bool timeOk = step.bake.elapsedS >= step.bake.requiredS;
    // Why a bake past its time waits: only asked once its time is up (a bake
    // still in its time waits for that alone; issue 18: not every pass).
    std::string why;
    if (timeOk && minTraffic) {
      AlarmExpr compare;
      compare.cmp = minTraffic->cmp;
      compare.value = minTraffic->value;
      if (!compare.compare(step.bake.trafficSum))
        why = fmt::format("{} over the bake is {} (needs {} {:g})", minTraffic->metric,
                          evaluator_.formatValue(minTraffic->metric, step.bake.trafficSum), minTraffic->cmp,
                          minTraffic->value);
    }
    std::string kind = why.empty() ? "" : "min_traffic";
    bool awaited = false;  // the one datapoint missing is being read
    if (timeOk && why.empty() && step.bake.requiredS > 0 && plan_.hasRollbackOn)
      for (const Scope* scope : scopesOf(s))
        if (auto missing = evaluator_.missingDatapoints(rollbackConditions_, *scope)) {
          why = fmt::format("{} has {} of {} datapoints at {} (a bake cannot end blind)", missing->condition,
                            missing->have, missing->need, scope->label());
          kind = "no_data";
          awaited = missing->awaitedAt >= 0;
          break;
        }
    if (timeOk && why.empty()) {
      // Evidence for the audit trail: the worst value of each metric watched.
      std::map<std::string, std::pair<double, std::string>> worst;
      for (const Scope* scope : scopesOf(s))
        for (const auto* condition : rollbackConditions_) {
          auto value = evaluator_.latest(*condition, *scope);
          // Closest to breaching: the highest for a `>` condition, the lowest for `<`.
          bool low = !condition->cmp.empty() && condition->cmp[0] == '<';
          auto it = worst.find(condition->metric);
          if (value && (it == worst.end() || (low ? *value < it->second.first : *value > it->second.first)))
            worst[condition->metric] = {*value, scope->label()};
        }
      std::vector<std::string> parts;
      for (const auto& [metric, value] : worst)
        parts.push_back(fmt::format("{} {} ({})", metric, evaluator_.formatValue(metric, value.first), value.second));
      if (minTraffic)
        parts.push_back(fmt::format("{} {} over the bake",
                                    evaluator_.formatValue(minTraffic->metric, step.bake.trafficSum),
                                    minTraffic->metric));
      step.extension.clear();
      journal_.transaction([&] {
        journal_.setBake(run_.id, s.id, step.bake);
        finishStep(step, now, "bake passed");
      });
      emit(now, "bake_passed", s.stage, s.id,
           fmt::format("bake passed after {}{}", formatDuration(step.bake.elapsedS),
                       parts.empty() ? "" : ": " + fmt::format("{}", fmt::join(parts, ", "))));
      continue;
    }
    // A bake past its time is a wait: said when it starts, then at most every 10 minutes.
    // Its last datapoint being read when its time is up is no wait yet: the read's
    // end brings the next pass (serve); a read still out a second later is said then,
    // however long ago it was asked (a slow machine's read may span the bake's end).
    bool quiet = false;
    if (timeOk && awaited && !step.extension.waiting()) {
      if (step.quietUntil < 0) step.quietUntil = now + 1;
      quiet = now < step.quietUntil;
    }
    if (quiet) {
      wakeAt(step.quietUntil);
    } else if (timeOk) {
      if (step.extension.update(kind, why, now))
        emit(now, "bake_extended", s.stage, s.id, "bake extended: " + why, EventDetail{{"waiting_for", kind}});
      wakeAt(step.extension.due());
    }
    // Progress is journaled as it accrues, so a resumed bake continues with the time left.
    if (sampled || step.bake.elapsedS != step.persistedElapsedS) {
      journal_.setBake(run_.id, s.id, step.bake);
      step.persistedElapsedS = step.bake.elapsedS;
    }
    if (!timeOk) wakeAt(now + (step.bake.requiredS - step.bake.elapsedS));
  }
}

}  // namespace pipelang::runtime
