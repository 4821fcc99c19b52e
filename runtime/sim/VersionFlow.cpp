#include "runtime/sim/VersionFlow.h"

#include "runtime/service/PipeliningRules.h"
#include "runtime/sim/SimulatedFleet.h"

#include <fmt/format.h>

#include <map>
#include <memory>

namespace pipelang::runtime {
namespace {

// Each run's events, tagged with its version, into the report's one list.
class TaggingSink final : public EventSink {
 public:
  TaggingSink(std::vector<VersionFlowReport::Event>& events, size_t version) : events_(events), version_(version) {}
  void onEvent(const EngineEvent& event) override { events_.push_back({version_, event}); }

 private:
  std::vector<VersionFlowReport::Event>& events_;
  size_t version_;
};

// One run's view of the shared simulated deployer. A run waiting for an older
// version has nothing of its own to wake for, and on a virtual clock the
// engine would end it "blocked: nothing can change"; so its next completion is
// also the earliest wake-up of the older runs, as a real clock would tick on.
class LaneDeployer final : public Deployer {
 public:
  LaneDeployer(SimulatedDeployer& shared, std::function<std::optional<Instant>()> olderWake)
      : shared_(shared), olderWake_(std::move(olderWake)) {}
  int start(const DeployCall& call, Instant now) override { return shared_.start(call, now); }
  std::optional<DeployResult> poll(int handle, Instant now) override { return shared_.poll(handle, now); }
  void cancel(int handle) override { shared_.cancel(handle); }
  std::optional<Instant> nextCompletion() const override {
    auto mine = shared_.nextCompletion();
    auto others = olderWake_();
    if (!mine) return others;
    if (!others) return mine;
    return std::min(*mine, *others);
  }

 private:
  SimulatedDeployer& shared_;
  std::function<std::optional<Instant>()> olderWake_;
};

struct Lane {
  size_t index = 0;  // into the report's versions
  std::unique_ptr<TaggingSink> sink;
  std::unique_ptr<LaneDeployer> deployer;
  std::unique_ptr<Engine> engine;
  bool dirty = true;
};

}  // namespace

llvm::Expected<VersionFlowReport> simulateVersions(const Plan& plan, const Scenario& scenario,
                                                   const std::string& statePath) {
  auto journal = Journal::open(statePath.empty() ? ":memory:" : statePath, /*durable=*/false);
  if (!journal) return journal.takeError();
  if (auto error = (*journal)->bindPlan(plan, false)) return error;
  Journal& store = **journal;

  VersionFlowReport report;
  report.start = scenario.start;
  if (plan.windows) report.calendar.emplace(*plan.windows);
  report.precision = clockPrecisionFor(plan, scenario.batchTimeS);
  VirtualClock clock(scenario.start);
  SimulatedFleet fleet(plan, scenario);
  SimulatedDeployer deployer(plan, scenario, fleet);
  std::map<std::int64_t, Lane> lanes;  // by run id: submission order

  // The earliest wake-up of the runs older than `self`: only they can open its
  // admission gate (and they never wait on a younger one, so no two runs
  // wake each other in turn).
  auto olderWake = [&lanes](std::int64_t self) {
    std::optional<Instant> earliest;
    for (const auto& [id, lane] : lanes) {
      if (id >= self) break;
      if (auto wake = lane.engine->nextWake(); wake && (!earliest || *wake < *earliest)) earliest = wake;
    }
    return earliest;
  };
  auto stageTimes = [&report](size_t index, const EngineEvent& event) {
    auto& stages = report.versions[index].stages;
    if (event.type == "stage_started") stages.push_back({event.stage, event.t, std::nullopt});
    if (event.type == "stage_done")
      for (auto& stage : stages)
        if (stage.stage == event.stage) stage.doneAt = event.t;
  };
  auto submit = [&](const VersionSubmission& entry, Instant now) {
    if (service::supersedesWaiting(plan))
      for (auto it = lanes.begin(); it != lanes.end();) {
        if (service::enteredFirstStage(it->second.engine->view())) {
          ++it;
          continue;
        }
        RunRecord run = it->second.engine->run();
        run.status = "superseded";
        run.finishedAt = now;
        run.message = "superseded by " + entry.version + " before it entered its first stage";
        store.updateRun(run);
        store.event(run.id, {0, run.id, now, "superseded", "", "", run.message, ""});
        VersionOutcome& outcome = report.versions[it->second.index];
        outcome.outcome = "superseded";
        outcome.supersededBy = entry.version;
        outcome.finishedAt = now;
        report.events.push_back({it->second.index, {now, "superseded", "", "", run.message, {}}});
        it = lanes.erase(it);
      }
    VersionOutcome outcome;
    outcome.version = entry.version;
    outcome.previous = store.meta("known_good").value_or(scenario.previous);
    outcome.submittedAt = now;
    report.versions.push_back(outcome);
    RunRecord run;
    run.version = entry.version;
    run.previous = outcome.previous;
    run.status = "queued";
    run.emergency = entry.emergency;
    run.reason = entry.emergencyReason;
    run.submittedAt = now;
    run.id = store.createRun(run);

    Lane lane;
    lane.index = report.versions.size() - 1;
    lane.sink = std::make_unique<TaggingSink>(report.events, lane.index);
    std::int64_t id = run.id;
    lane.deployer = std::make_unique<LaneDeployer>(deployer, [&olderWake, id] { return olderWake(id); });
    EngineOptions options;
    options.recordEveryEvaluation = false;
    options.scheduledRequests = entry.requests;
    options.fleet = &fleet.model();  // every lane's engine shares the fleet's model of the hosts
    options.admission = [&lanes, id](const std::string& stage) -> std::optional<std::string> {
      for (const auto& [older, lane] : lanes) {
        if (older >= id) break;
        if (auto why = service::olderHoldsStage(*lane.engine, stage)) return why;
      }
      return std::nullopt;
    };
    lane.engine = std::make_unique<Engine>(plan, store, clock, *lane.deployer, fleet, fleet, *lane.sink, options);
    auto& started = lanes.emplace(id, std::move(lane)).first->second;
    started.engine->begin(id);
  };

  // One transaction for the whole simulation, as simulate().
  store.transaction([&] {
    size_t next = 0;
    while (true) {
      Instant now = clock.now();
      while (next < scenario.versions.size() && scenario.start + scenario.versions[next].atS <= now)
        submit(scenario.versions[next++], now);
      // As the service's lane: a run that changes stage may open another's
      // admission gate, so go round until no run changed stage.
      bool all = true;
      for (int round = 0; round < 16; ++round) {
        bool changed = false;
        for (auto it = lanes.begin(); it != lanes.end();) {
          Lane& lane = it->second;
          auto wake = lane.engine->nextWake();
          if (!(all || lane.dirty || !wake || *wake <= now)) {
            ++it;
            continue;
          }
          lane.dirty = false;
          std::string before = lane.engine->stageSignature();
          size_t seen = report.events.size();
          auto result = lane.engine->advance();
          for (size_t e = seen; e < report.events.size(); ++e)
            stageTimes(report.events[e].version, report.events[e].event);
          if (result) {
            VersionOutcome& outcome = report.versions[lane.index];
            outcome.outcome = outcomeName(result->outcome);
            outcome.finishedAt = result->finishedAt;
            outcome.result = *result;
            it = lanes.erase(it);
            changed = true;
            continue;
          }
          changed = changed || before != lane.engine->stageSignature();
          ++it;
        }
        all = false;
        if (!changed) break;
        for (auto& [id, lane] : lanes) lane.dirty = true;
      }
      std::optional<Instant> wake;
      for (const auto& [id, lane] : lanes)
        if (auto w = lane.engine->nextWake(); w && (!wake || *w < *wake)) wake = w;
      if (next < scenario.versions.size()) {
        Instant submission = scenario.start + scenario.versions[next].atS;
        if (!wake || submission < *wake) wake = submission;
      }
      if (!wake) break;  // every version has ended and none is left to submit
      clock.waitUntil(std::max(*wake, now + 1), false);
    }
  });
  return report;
}

Outcome worstOutcome(const VersionFlowReport& report) {
  auto rank = [](Outcome o) {
    switch (o) {
      case Outcome::Failed:
        return 3;
      case Outcome::Blocked:
        return 2;
      case Outcome::RolledBack:
        return 1;
      case Outcome::Deployed:
        return 0;
    }
    return 0;
  };
  Outcome worst = Outcome::Deployed;
  for (const auto& version : report.versions)
    if (version.result && rank(version.result->outcome) > rank(worst)) worst = version.result->outcome;
  return worst;
}

}  // namespace pipelang::runtime
