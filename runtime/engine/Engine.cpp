// The engine's loop: a run loaded from the journal, driven pass by pass to its
// outcome, and what it shows of itself (runtime.md §2, §3).
#include "runtime/engine/Engine.h"

#include "plan/PlanDigest.h"

#include "runtime/engine/TimeText.h"
#include "runtime/engine/VersionText.h"

#include <fmt/format.h>

#include <algorithm>

namespace pipelang::runtime {
namespace json = llvm::json;

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::Deployed:
      return "deployed";
    case Outcome::RolledBack:
      return "rolled_back";
    case Outcome::Blocked:
      return "blocked";
    case Outcome::Failed:
      return "failed";
  }
  return "failed";
}

Engine::Engine(const Plan& plan, Journal& journal, Clock& clock, Deployer& deployer, MetricSource& metrics,
               ExternalAlarmSource& externals, EventSink& sink, EngineOptions options)
    : plan_(plan),
      journal_(journal),
      clock_(clock),
      deployer_(deployer),
      metrics_(metrics),
      externals_(externals),
      sink_(sink),
      options_(std::move(options)),
      ownFleet_(options_.fleet ? nullptr : std::make_unique<FleetModel>(plan)),
      fleet_(options_.fleet ? *options_.fleet : *ownFleet_),
      evaluator_(plan, metrics, externals) {
  if (plan.windows) calendar_.emplace(*plan.windows);
  evaluator_.setReadPool(options_.readPool, options_.readTag);
  if (plan.hasRollbackOn) rollbackConditions_ = evaluator_.conditionsOf(plan.rollbackOn);
  for (const auto& step : plan.steps) {
    stepIndex_[step.id] = steps_.size();
    StepRuntime runtime;
    runtime.step = &step;
    steps_.push_back(runtime);
  }
  for (const auto& stage : plan.stages) {
    StageRuntime runtime;
    runtime.stage = &stage;
    stages_.push_back(runtime);
    stageSteps_.emplace_back();
    for (size_t i = 0; i < steps_.size(); ++i)
      if (steps_[i].step->stage == stage.id) stageSteps_.back().push_back(i);
  }
  for (const auto& step : steps_) {
    stepDeps_.emplace_back();
    for (const auto& dep : step.step->after) stepDeps_.back().push_back(stepIndex_.at(dep));
  }
  for (const auto& own : stageSteps_) {
    stageDeps_.emplace_back();
    for (size_t i : own)
      for (size_t dep : stepDeps_[i])
        if (steps_[dep].step->stage != steps_[i].step->stage) stageDeps_.back().push_back(dep);
  }
  for (const auto& stage : plan.stages) {
    std::vector<std::string> regions = stage.regions;
    for (const auto& step : plan.steps)
      if (step.stage == stage.id && !step.region.empty() &&
          std::find(regions.begin(), regions.end(), step.region) == regions.end())
        regions.push_back(step.region);
    stageRegions_.push_back(std::move(regions));
  }
}

void Engine::emit(Instant t, const std::string& type, const std::string& stage, const std::string& step,
                  const std::string& message, EventDetail detail) {
  EventRecord record{0, run_.id, t, type, stage, step, message, ""};
  if (!detail.empty()) detail.appendJson(record.detail);
  journal_.event(run_.id, record);
  sink_.takeEvent({t, type, stage, step, message, std::move(detail)});
}

void Engine::setState(StepRuntime& step, StepState state) {
  size_t index = static_cast<size_t>(&step - steps_.data());
  if (step.state == StepState::Running && state != StepState::Running)
    running_.erase(std::lower_bound(running_.begin(), running_.end(), index));
  if (step.state != StepState::Running && state == StepState::Running)
    running_.insert(std::lower_bound(running_.begin(), running_.end(), index), index);
  doneSteps_ += (state == StepState::Done) - (step.state == StepState::Done);
  step.state = state;
}

void Engine::wakeAt(std::optional<Instant> t) {
  if (t && (!wake_ || *t < *wake_)) wake_ = t;
}

// ---------------------------------------------------------------------------
// Loading: a fresh run or a resumed one look the same after this.

void Engine::load(Instant now) {
  auto record = journal_.run(run_.id);
  run_ = *record;
  journal_.transaction([&] {
    for (const auto& host : fleet_.hosts())
      journal_.knowHost(host.fleet, host.region, host.zone, host.host, run_.previous, now);
  });
  hosts_.assign(fleet_.hosts().size(), HostState{});
  readHosts();
  hostsReloaded();

  auto stepRecords = journal_.steps(run_.id);
  std::vector<const StepRuntime*> resumedBakes;  // announced after the run's own event
  auto bakeRecords = journal_.bakes(run_.id);
  for (auto& step : steps_) {
    auto it = stepRecords.find(step.step->id);
    if (it == stepRecords.end()) continue;
    const std::string& state = it->second.state;
    if (state == "done") {
      setState(step, StepState::Done);
    } else if (state == "failed" || state == "cancelled") {
      setState(step, StepState::Failed);
    } else if (state == "started") {
      // A started deploy or test is re-run (commands are idempotent); a bake
      // whose deploy had completed continues with the time it had left.
      auto bake = bakeRecords.find(step.step->id);
      if (bake != bakeRecords.end()) {
        setState(step, StepState::Running);
        step.phase = Phase::Bake;
        step.bake = bake->second;
        step.startedAt = it->second.startedAt;
        step.lastTick = now;
        step.nextTrafficSample = now;
        resumedBakes.push_back(&step);
      } else if (step.step->type == "approval") {
        setState(step, StepState::Running);
        step.phase = Phase::Approval;
      }
    }
  }
  auto stageStates = journal_.stageStates(run_.id);
  for (auto& stage : stages_) {
    auto it = stageStates.find(stage.stage->id);
    if (it == stageStates.end()) continue;
    if (it->second == "active") stage.state = StageState::Active;
    if (it->second == "done") stage.state = StageState::Done;
  }
  // Approvals and overrides already consumed are replayed silently.
  auto consumed = journal_.meta(fmt::format("requests_consumed/{}", run_.id));
  std::int64_t upTo = consumed ? std::stoll(*consumed) : 0;
  for (const auto& request : journal_.requestsAfter(0)) {
    if (request.id > upTo) break;
    lastRequestId_ = request.id;
    if (request.runId != run_.id) continue;
    if (request.kind == "override")
      for (auto& stage : stages_)
        if (stage.stage->id == request.stage) stage.overrides.insert(request.target);
    if (request.kind == "approve") {
      if (plan_.emergency &&
          std::count(plan_.emergency->approvers.begin(), plan_.emergency->approvers.end(), request.who))
        emergencyApproved_ = true;
    }
  }
  if (lastRequestId_ < upTo) lastRequestId_ = upTo;

  if (run_.status == "queued") {
    run_.status = "running";
    run_.startedAt = now;
    journal_.updateRun(run_);
    emit(now, "run_started", "", "",
         fmt::format("deploying {} {} ({}){}", plan_.artifact, run_.version,
                     run_.previous.empty() ? "first deployment: a rollback undeploys" : "previous " + run_.previous,
                     run_.emergency ? fmt::format(", EMERGENCY: {}", run_.reason) : ""),
         EventDetail{{"version", run_.version}, {"previous", run_.previous}, {"emergency", run_.emergency}});
  } else if (run_.status == "rolling_back") {
    rollingBack_ = true;
    rollbackStartedAt_ = now;
    emit(now, "resumed", run_.stage, run_.step, "resumed: continuing the rollback to " + versionText(run_.previous));
    planRollback(now);
  } else {
    emit(now, "resumed", "", "", fmt::format("resumed {} from the journal", run_.version));
  }
  for (const auto* step : resumedBakes)
    emit(now, "bake_resumed", step->step->stage, step->step->id,
         fmt::format("bake resumed after restart: {} of {} left",
                     formatDuration(std::max(0, step->bake.requiredS - step->bake.elapsedS)),
                     formatDuration(step->bake.requiredS)));
  updateExposure({});
}

// ---------------------------------------------------------------------------

EngineResult Engine::execute(std::int64_t runId) {
  begin(runId);
  while (true) {
    if (auto result = advance()) return *result;
    clock_.waitUntil(wake_.value_or(clock_.now() + 1), busy());
  }
}

void Engine::begin(std::int64_t runId) {
  run_.id = runId;
  load(clock_.now());
}

bool Engine::busy() const {
  // Only a running step has a call (handle).
  return std::any_of(running_.begin(), running_.end(), [this](size_t i) { return steps_[i].handle >= 0; }) ||
         std::any_of(rollbackZones_.begin(), rollbackZones_.end(), [](const RollbackZone& z) { return z.handle >= 0; });
}

std::optional<EngineResult> Engine::advance() {
  while (true) {
    bool rollbackStarted = false;
    auto result = pass(rollbackStarted);
    if (result || !rollbackStarted) return result;
    // A rollback that just started sends its first batches at once.
  }
}

std::optional<EngineResult> Engine::pass(bool& rollbackStarted) {
  Instant now = clock_.now();
  wake_.reset();
  evaluator_.beginRound();
  consumeRequests(now);
  if (failedHard_) return finish(Outcome::Failed, now, failMessage_);
  if (rollingBack_) {
    if (progressRollback(now)) return finish(Outcome::RolledBack, now, run_.message);
    if (failedHard_) return finish(Outcome::Failed, now, failMessage_);
  } else {
    pollDeploys(now);
    if (watchedStale_) {
      StageRuntime* active = activeStage();
      watch(active ? active->stage : nullptr);
      watchedStale_ = false;
    }
    if (!rollingBack_) watchActiveStage(now);
    now = clock_.now();  // metric reads may have taken seconds: what starts next starts now
    if (!rollingBack_) advanceBakes(now);
    now = clock_.now();
    if (!rollingBack_) startReadySteps(now);
    if (rollingBack_) {
      rollbackStarted = true;
      return std::nullopt;
    }
    if (doneSteps_ == steps_.size()) return finish(Outcome::Deployed, now, "");
  }

  bool calls = busy();
  Instant since = waitStart();
  bool waiting = since >= 0 && !calls && !rollingBack_;
  if (waiting && waitingSince_ >= 0 && options_.untilBlocked)
    return finish(Outcome::Blocked, now, "stopped (--until-blocked)");
  if (waiting && now - since >= options_.giveUpAfterS)
    return finish(Outcome::Blocked, now, fmt::format("could not proceed for {}", formatDuration(now - since)));

  wakeAt(evaluator_.nextDue());
  wakeAt(deployer_.nextCompletion());
  if (nextScheduledRequest_ < options_.scheduledRequests.size())
    wakeAt(options_.scheduledRequests[nextScheduledRequest_].t);
  if (clock_.isVirtual()) {
    if (waiting)
      if (auto quiet = quietUntil(now)) wake_ = *quiet;
    if (!wake_) {
      if (waiting) return finish(Outcome::Blocked, now, "nothing can change any more");
      wake_ = now + 60;
    }
    if (waiting) wake_ = std::min(*wake_, since + options_.giveUpAfterS);
    if (*wake_ <= now) wake_ = now + 1;
  }
  if (!clock_.isVirtual()) {
    if (sink_.wantsProgress()) sink_.onProgress(progressText());
    sink_.onPass(now);
    wakeAt(sink_.nextWake());
  }
  return std::nullopt;
}

Engine::StageRuntime* Engine::activeStage() {
  for (auto& stage : stages_)
    if (stage.state == StageState::Active) return &stage;
  return nullptr;
}

Instant Engine::waitStart() const {
  Instant since = waitingSince_;
  for (size_t i : running_)
    if (const StepRuntime& step = steps_[i]; step.state == StepState::Running && step.phase == Phase::Bake &&
                                             step.extension.waiting() && (since < 0 || step.extension.since() < since))
      since = step.extension.since();
  return since;
}

std::string Engine::stageSignature() const {
  std::string signature;
  for (const auto& stage : stages_) signature += static_cast<char>('0' + static_cast<int>(stage.state));
  return signature;
}

bool Engine::holdsStage(const std::string& id) const {
  for (const auto& stage : stages_)
    if (stage.stage->id == id) return stage.state != StageState::Done;
  return false;
}

EngineView Engine::view() const {
  EngineView view;
  view.rollingBack = rollingBack_;
  for (const auto& stage : stages_) {
    EngineView::StageView v;
    v.id = stage.stage->id;
    switch (stage.state) {
      case StageState::NotReady:
        v.state = "idle";
        break;
      case StageState::Gating:
        v.state = "waiting";
        break;
      case StageState::Active:
        v.state = "active";
        break;
      case StageState::Done:
        v.state = "done";
        break;
    }
    if (stage.state == StageState::Gating) {
      v.waitingFor = stage.waitingTrigger;
      v.why = stage.waitingWhy;
    }
    view.stages.push_back(std::move(v));
  }
  for (const auto& step : steps_) {
    if (step.state != StepState::Running) continue;
    view.runningSteps.push_back(step.step->id);
    if (step.phase == Phase::Approval) view.waitingForApproval = true;
    if (step.phase == Phase::Bake)
      view.bakes.push_back({step.step->id, step.bake.requiredS, step.bake.elapsedS,
                            step.extension.waiting() ? step.extension.text() : ""});
  }
  return view;
}

std::string Engine::progressText() const {
  std::vector<std::string> parts;
  for (const auto& stage : stages_)
    if (stage.state == StageState::Gating && !stage.waitingWhy.empty())
      parts.push_back(stage.stage->id + " waiting: " + stage.waitingWhy);
  for (const auto& step : steps_) {
    if (step.state != StepState::Running) continue;
    if (step.phase == Phase::Bake && step.extension.waiting())
      parts.push_back(fmt::format("{} bake extended: {}", step.step->id, step.extension.text()));
    else if (step.phase == Phase::Bake)
      parts.push_back(fmt::format("{} bake {} left", step.step->id,
                                  formatDuration(std::max(0, step.bake.requiredS - step.bake.elapsedS))));
    else if (step.phase == Phase::Approval)
      parts.push_back(step.step->id + " waiting for approval");
    else
      parts.push_back(step.step->id + (step.phase == Phase::Test ? " testing" : " deploying"));
  }
  if (rollingBack_) parts.insert(parts.begin(), "rolling back");
  return fmt::format("{}", fmt::join(parts, "; "));
}

EngineResult Engine::finish(Outcome outcome, Instant now, const std::string& message) {
  EngineResult result;
  result.outcome = outcome;
  result.version = run_.version;
  result.startedAt = run_.startedAt;
  result.finishedAt = now;
  result.maxGlobalExposure = maxExposure_;
  result.message = message;
  if (outcome == Outcome::Deployed) {
    run_.status = "deployed";
    run_.finishedAt = now;
    run_.trigger = run_.stage = run_.step = "";
    journal_.transaction([&] {
      journal_.updateRun(run_);
      journal_.setMeta("known_good", run_.version);
    });
    emit(now, "deployed", "", "",
         fmt::format("{} deployed everywhere in {}; it is now the last known-good version", run_.version,
                     formatDuration(now - run_.startedAt)));
  } else if (outcome == Outcome::RolledBack) {
    run_.status = "rolled_back";
    run_.finishedAt = now;
    journal_.transaction([&] {
      journal_.updateRun(run_);
      if (!run_.stage.empty()) journal_.setStage(run_.id, run_.stage, "rolled_back", now);
    });
    result.stage = run_.stage;
    result.step = run_.step;
    result.trigger = run_.trigger;
    result.detectS = detectS_;
    result.recoveryS = now - rollbackStartedAt_ + detectS_;
    emit(now, "rolled_back", run_.stage, run_.step,
         fmt::format("{} rolled back ({}) and marked failed; {} remains the known-good version", run_.version,
                     run_.trigger, versionText(journal_.meta("known_good").value_or(run_.previous))),
         EventDetail{{"trigger", run_.trigger}});
  } else if (outcome == Outcome::Failed) {
    run_.status = "failed";
    run_.finishedAt = now;
    run_.message = message;
    journal_.updateRun(run_);
    result.stage = run_.stage;
    result.step = run_.step;
    result.trigger = run_.trigger;
    emit(now, "failed", run_.stage, run_.step, message);
  } else {
    for (const auto& stage : stages_)
      if (stage.state == StageState::Gating) {
        result.stage = stage.stage->id;
        result.trigger = stage.waitingTrigger;
        result.message = message + ": " + stage.waitingWhy;
      }
    for (const auto& step : steps_)
      if (step.state == StepState::Running && step.phase == Phase::Approval) {
        result.stage = step.step->stage;
        result.step = step.step->id;
        result.trigger = "approval";
      } else if (step.state == StepState::Running && step.phase == Phase::Bake && step.extension.waiting() &&
                 result.stage.empty()) {
        result.stage = step.step->stage;
        result.step = step.step->id;
        result.trigger = step.extension.kind();
        result.message = message + ": bake extended: " + step.extension.text();
      }
    emit(now, "blocked", result.stage, result.step, result.message);
  }
  return result;
}

}  // namespace pipelang::runtime
