#include "runtime/engine/Engine.h"

#include "runtime/engine/TimeText.h"
#include "runtime/engine/VersionText.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

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

namespace {

std::string hostList(const std::vector<std::string>& hosts) {
  if (hosts.size() <= 3) return fmt::format("{}", fmt::join(hosts, ", "));
  return fmt::format("{}, {} .. {}", hosts[0], hosts[1], hosts.back());
}

std::string plural(size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

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
      fleet_(plan),
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
}

void Engine::emit(Instant t, const std::string& type, const std::string& stage, const std::string& step,
                  const std::string& message, json::Object detail) {
  EventRecord record{0, run_.id, t, type, stage, step, message, ""};
  if (!detail.empty()) {
    std::string text;
    llvm::raw_string_ostream out(text);
    out << json::Value(json::Object(detail));
    out.flush();
    record.detail = text;
  }
  journal_.event(run_.id, record);
  sink_.onEvent({t, type, stage, step, message, std::move(detail)});
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
  for (const auto& host : journal_.hosts()) hosts_[host.fleet + "/" + host.host] = {host.version, host.pendingVersion};

  auto stepRecords = journal_.steps(run_.id);
  std::vector<const StepRuntime*> resumedBakes;  // announced after the run's own event
  auto bakeRecords = journal_.bakes(run_.id);
  for (auto& step : steps_) {
    auto it = stepRecords.find(step.step->id);
    if (it == stepRecords.end()) continue;
    const std::string& state = it->second.state;
    if (state == "done") {
      step.state = StepState::Done;
    } else if (state == "failed" || state == "cancelled") {
      step.state = StepState::Failed;
    } else if (state == "started") {
      // A started deploy or test is re-run (commands are idempotent); a bake
      // whose deploy had completed continues with the time it had left.
      auto bake = bakeRecords.find(step.step->id);
      if (bake != bakeRecords.end()) {
        step.state = StepState::Running;
        step.phase = Phase::Bake;
        step.bake = bake->second;
        step.startedAt = it->second.startedAt;
        step.lastTick = now;
        step.nextTrafficSample = now;
        resumedBakes.push_back(&step);
      } else if (step.step->type == "approval") {
        step.state = StepState::Running;
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
         json::Object{{"version", run_.version}, {"previous", run_.previous}, {"emergency", run_.emergency}});
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
  updateExposure();
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
  return std::any_of(steps_.begin(), steps_.end(), [](const StepRuntime& s) { return s.handle >= 0; }) ||
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
      watched_ = active ? watchedScopes(*active->stage) : std::vector<Scope>{};
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
    if (std::all_of(steps_.begin(), steps_.end(), [](const StepRuntime& s) { return s.state == StepState::Done; }))
      return finish(Outcome::Deployed, now, "");
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
  if (!clock_.isVirtual()) sink_.onProgress(progressText());
  return std::nullopt;
}

void Engine::consumeRequests(Instant now) {
  StageRuntime* gating = nullptr;
  for (auto& stage : stages_)
    if (stage.state == StageState::Gating || stage.state == StageState::NotReady) {
      gating = &stage;
      break;
    }
  while (nextScheduledRequest_ < options_.scheduledRequests.size() &&
         options_.scheduledRequests[nextScheduledRequest_].t <= now) {
    RequestRecord request = options_.scheduledRequests[nextScheduledRequest_++];
    request.runId = run_.id;
    request.t = now;
    if (request.stage.empty() && gating) request.stage = gating->stage->id;
    journal_.addRequest(request);
  }
  for (const auto& request : journal_.requestsAfter(lastRequestId_)) {
    lastRequestId_ = request.id;
    if (request.runId != run_.id) continue;
    if (request.kind == "override") {
      std::string stageId = request.stage.empty() && gating ? gating->stage->id : request.stage;
      for (auto& stage : stages_)
        if (stage.stage->id == stageId) stage.overrides.insert(request.target);
      emit(now, "override", stageId, "",
           fmt::format("override of {} for stage {} by {}: {}",
                       request.target == "window" ? "the window" : "blocker " + request.target, stageId, request.who,
                       request.reason),
           json::Object{{"target", request.target}, {"by", request.who}, {"reason", request.reason}});
    } else if (request.kind == "approve") {
      bool isApprover = plan_.emergency &&
                        std::count(plan_.emergency->approvers.begin(), plan_.emergency->approvers.end(), request.who);
      if (run_.emergency && !emergencyApproved_) {
        if (isApprover) {
          emergencyApproved_ = true;
          emit(now, "approval", "", "", fmt::format("emergency run approved by {}", request.who),
               json::Object{{"by", request.who}});
        } else {
          emit(now, "approval_refused", "", "",
               fmt::format("approval by {} refused: not one of the plan's approvers ({})", request.who,
                           plan_.emergency ? fmt::format("{}", fmt::join(plan_.emergency->approvers, ", ")) : "none"));
        }
      }
      for (auto& step : steps_)
        if (step.state == StepState::Running && step.phase == Phase::Approval) {
          emit(now, "approval", step.step->stage, step.step->id, fmt::format("approved by {}", request.who),
               json::Object{{"by", request.who}});
          finishStep(step, now, "approved by " + request.who);
        }
    } else if (request.kind == "rollback") {
      if (request.target == "all") run_.rollbackAll = true;
      if (!rollingBack_) {
        StageRuntime* stage = activeStage();
        std::string stageId = stage ? stage->stage->id : (gating ? gating->stage->id : "");
        run_.stage = stageId;
        triggerRollback("manual",
                        fmt::format("manual rollback{} by {}: {}", run_.rollbackAll ? " of every stage" : "",
                                    request.who, request.reason),
                        "", now, now);
      }
    }
    journal_.setMeta(fmt::format("requests_consumed/{}", run_.id), std::to_string(request.id));
  }
}

Engine::StageRuntime* Engine::activeStage() {
  for (auto& stage : stages_)
    if (stage.state == StageState::Active) return &stage;
  return nullptr;
}

DeployCall Engine::callFor(const Step& step, const std::string& action, const std::string& version,
                           const std::string& previous) const {
  DeployCall call;
  call.action = action;
  call.command = action == "test" ? step.run : (action == "rollback" ? plan_.deploy.rollback : plan_.deploy.run);
  call.pipeline = plan_.pipeline;
  call.artifact = plan_.artifact;
  call.version = version;
  call.previousVersion = previous;
  call.stage = step.stage;
  call.step = step.id;
  call.region = step.region;
  call.zone = step.zone;
  call.hosts = step.hosts;
  call.traffic = step.traffic;
  call.timeoutS = action == "test" && step.timeoutS > 0 ? step.timeoutS : plan_.deploy.timeoutS;
  return call;
}

// ---------------------------------------------------------------------------
// Steps

void Engine::startStep(StepRuntime& step, Instant now) {
  const Step& s = *step.step;
  step.state = StepState::Running;
  step.startedAt = now;
  if (s.deploys()) {
    std::string fleet = plan_.stage(s.stage)->fleet();
    journal_.transaction([&] {
      journal_.setStep(run_.id, s.id, "started", now);
      journal_.hostsMoving(fleet, s.region, s.zone, s.hosts, run_.version, now, run_.id);
    });
    for (const auto& host : s.hosts) hosts_[fleet + "/" + host].pending = run_.version;
    std::string what =
        s.type == "onebox"
            ? fmt::format("deploying one-box {} at {:g}% traffic", hostList(s.hosts), s.traffic.value_or(0) * 100)
        : s.type == "canary"
            ? fmt::format("shifting {:g}% of {} to {}", s.traffic.value_or(0) * 100, s.region, run_.version)
            : fmt::format("deploying {} ({})", plural(s.hosts.size(), "host"), hostList(s.hosts));
    emit(now, "step_started", s.stage, s.id, what,
         json::Object{{"hosts", json::Array(llvm::ArrayRef<std::string>(s.hosts))}, {"quiet", s.type == "batch"}});
    step.phase = Phase::Deploy;
    step.handle = deployer_.start(callFor(s, "deploy", run_.version, run_.previous), now);
  } else if (s.type == "test") {
    journal_.setStep(run_.id, s.id, "started", now);
    emit(now, "step_started", s.stage, s.id, "running test: " + s.run);
    step.phase = Phase::Test;
    step.handle = deployer_.start(callFor(s, "test", run_.version, run_.previous), now);
  } else if (s.type == "bake") {
    journal_.setStep(run_.id, s.id, "started", now);
    startBake(step, now);
  } else {  // approval
    journal_.setStep(run_.id, s.id, "started", now);
    step.phase = Phase::Approval;
    waitingSince_ = now;
    emit(now, "waiting", s.stage, s.id, "waiting for approval (piperun approve --by WHO)");
  }
}

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
  watched_ = watchedScopes(*stage);
  std::string watching = describeScopes(scopesOf(s));
  std::string traffic = s.type == "bake" && s.region.empty() && stage->minTraffic
                            ? fmt::format(", needs {} {} {:g}", stage->minTraffic->metric, stage->minTraffic->cmp,
                                          stage->minTraffic->value)
                            : "";
  emit(now, "bake_started", s.stage, s.id,
       fmt::format("baking {}{}{}{}", formatDuration(step.bake.requiredS), note, traffic,
                   watching.empty() ? "" : ", watching " + watching),
       json::Object{{"bake_s", step.bake.requiredS}, {"base_s", base}});
}

void Engine::finishStep(StepRuntime& step, Instant now, const std::string& result) {
  step.state = StepState::Done;
  step.phase = Phase::None;
  step.handle = -1;
  if (step.step->type == "approval") waitingSince_ = -1;
  journal_.setStep(run_.id, step.step->id, "done", now, result);
}

void Engine::pollDeploys(Instant now) {
  for (auto& step : steps_) {
    if (step.state != StepState::Running || step.handle < 0) continue;
    auto result = deployer_.poll(step.handle, now);
    if (!result) continue;
    step.handle = -1;
    const Step& s = *step.step;
    std::string fleet = plan_.stage(s.stage)->fleet();
    journal_.command(run_.id,
                     {now, s.id, step.phase == Phase::Test ? "test" : "deploy",
                      step.phase == Phase::Test ? s.run : plan_.deploy.run, fmt::format("{}", fmt::join(s.hosts, " ")),
                      result->summary, result->output, result->errors, result->exitCode});
    if (!result->ok) {
      std::string trigger = step.phase == Phase::Test ? "test_failed" : "deploy_failed";
      journal_.setStep(run_.id, s.id, "failed", now, result->summary);
      step.state = StepState::Failed;
      triggerRollback(trigger,
                      fmt::format("{} {}: {}", step.phase == Phase::Test ? "test" : "deploy", s.id, result->summary),
                      s.id, step.startedAt, now);
      return;
    }
    if (step.phase == Phase::Test) {
      emit(now, "step_done", s.stage, s.id, "test passed (" + result->summary + ")");
      finishStep(step, now, result->summary);
      continue;
    }
    bool bakes = (s.type == "onebox" || s.type == "canary") && s.bakeS.value_or(0) > 0;
    journal_.transaction([&] {
      journal_.hostsSettled(fleet, s.hosts, run_.version, now);
      if (!bakes) finishStep(step, now, result->summary);
    });
    for (const auto& host : s.hosts) hosts_[fleet + "/" + host] = {run_.version, ""};
    lastHostChange_ = now;
    updateExposure();
    emit(now, "step_done", s.stage, s.id,
         s.type == "canary"
             ? fmt::format("{:g}% of {}'s traffic on {}", s.traffic.value_or(0) * 100, s.region, run_.version)
             : fmt::format("{} on {}", plural(s.hosts.size(), "host"), run_.version),
         json::Object{{"global_exposure", maxExposure_}});
    if (bakes) startBake(step, now);
  }
}

// ---------------------------------------------------------------------------
// Alarms and bakes

std::vector<Scope> Engine::watchedScopes(const Stage& stage) const {
  std::vector<Scope> hostScopes, zoneScopes, regionScopes;
  std::string fleet = stage.fleet();
  std::vector<std::string> regions = stage.regions;
  for (const auto& step : plan_.steps)
    if (step.stage == stage.id && !step.region.empty() &&
        std::find(regions.begin(), regions.end(), step.region) == regions.end())
      regions.push_back(step.region);
  for (const auto& region : regions) {
    std::set<std::string> zones;
    bool any = false;
    for (const auto* host : fleet_.hostsIn(fleet, region)) {
      auto it = hosts_.find(host->key());
      if (it == hosts_.end() || it->second.version != run_.version) continue;
      any = true;
      if (host->onebox) hostScopes.push_back(fleet_.hostScope(*host));
      if (zones.insert(host->zone).second) zoneScopes.push_back(fleet_.zoneScope(fleet, region, host->zone));
    }
    if (any) regionScopes.push_back(fleet_.regionScope(fleet, region));
  }
  std::vector<Scope> all = hostScopes;
  all.insert(all.end(), zoneScopes.begin(), zoneScopes.end());
  all.insert(all.end(), regionScopes.begin(), regionScopes.end());
  return all;
}

std::vector<Scope> Engine::scopesOf(const Step& step) const {
  if (step.region.empty()) return watched_;
  std::vector<Scope> scopes;
  for (const auto& scope : watched_)
    if (scope.region == step.region) scopes.push_back(scope);
  return scopes;
}

std::vector<Scope> Engine::gateScopes(const Stage& stage) const {
  std::vector<Scope> scopes;
  for (const auto& region : stage.regions) scopes.push_back(fleet_.regionScope(stage.fleet(), region));
  return scopes;
}

std::string Engine::describeScopes(const std::vector<Scope>& scopes) const {
  if (scopes.empty()) return "";
  if (scopes.size() == 1) return scopes.front().label();
  std::vector<std::string> labels;
  for (const auto& scope : scopes) labels.push_back(scope.label());
  if (labels.size() <= 4) return fmt::format("{}", fmt::join(labels, ", "));
  return fmt::format("{} scopes ({}, .., {})", labels.size(), labels.front(), labels.back());
}

void Engine::watchActiveStage(Instant now) {
  StageRuntime* stage = activeStage();
  if (!stage || !plan_.hasRollbackOn) return;
  const std::vector<Scope>& scopes = watched_;
  if (scopes.empty()) return;
  std::vector<SampleRecord> samples;
  evaluator_.sample(rollbackConditions_, scopes, run_.version, now, samples, !options_.recordEveryEvaluation);
  recordSamples(samples, stage->stage->id, now);
  for (const auto& scope : scopes) {
    Verdict verdict = evaluator_.evaluate(plan_.rollbackOn, scope, now);
    if (!verdict.firing) continue;
    std::string trigger = verdict.culprit.empty() ? "rollback_on" : verdict.culprit;
    // The step at fault: the running step of the scope's region, else the stage's.
    std::string stepId;
    for (const auto& step : steps_)
      if (step.state == StepState::Running && step.step->stage == stage->stage->id &&
          (stepId.empty() || step.step->region == scope.region))
        stepId = step.step->id;
    emit(now, "alarm", stage->stage->id, stepId, fmt::format("ALARM {}: {}", trigger, verdict.why),
         json::Object{{"alarm", trigger}, {"scope", scope.label()}, {"why", verdict.why}});
    triggerRollback(trigger, verdict.why, stepId, verdict.breachSince, now);
    return;
  }
}

void Engine::recordSamples(const std::vector<SampleRecord>& samples, const std::string& stage, Instant now) {
  for (const auto& sample : samples) {
    journal_.evaluation(run_.id, {sample.t, sample.scope, sample.condition, sample.metric, sample.query, sample.error,
                                  sample.value, sample.breach});
    if (sample.failures == 1)  // a streak starts; the alarm says when it reaches kFailuresForAlarm
      emit(now, "reading_failed", stage, "",
           fmt::format("failed reading: {} at {}: {} (query: {})", sample.metric, sample.scope, sample.error,
                       sample.query),
           json::Object{{"metric", sample.metric}, {"scope", sample.scope}, {"error", sample.error}});
  }
}

Instant Engine::waitStart() const {
  Instant since = waitingSince_;
  for (const auto& step : steps_)
    if (step.state == StepState::Running && step.phase == Phase::Bake && step.extension.waiting() &&
        (since < 0 || step.extension.since() < since))
      since = step.extension.since();
  return since;
}

std::optional<Instant> Engine::quietUntil(Instant now) const {
  if (waitingSince_ >= 0) return std::nullopt;  // a closed gate or an approval has its own wake-ups
  bool any = false;
  for (const auto& step : steps_) {
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
  for (auto& step : steps_) {
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
              evaluator_.launch({plan_.metrics.at(minTraffic->metric), fleet_.regionScope(stage->fleet(), region),
                                 run_.version, now, trafficTimeoutMs()}));
        step.nextTrafficSample = now + options_.trafficPeriodS;
      }
    } else if (minTraffic && now >= step.nextTrafficSample) {
      std::vector<MetricReading> readings;
      for (const auto& region : stage->regions)
        readings.push_back(
            evaluator_.read({plan_.metrics.at(minTraffic->metric), fleet_.regionScope(stage->fleet(), region),
                             run_.version, now, trafficTimeoutMs()}));
      addTraffic(readings);
      step.nextTrafficSample = now + options_.trafficPeriodS;
    }
    if (minTraffic) wakeAt(step.nextTrafficSample);

    bool timeOk = step.bake.elapsedS >= step.bake.requiredS;
    std::string why;
    if (minTraffic) {
      AlarmExpr compare;
      compare.cmp = minTraffic->cmp;
      compare.value = minTraffic->value;
      if (!compare.compare(step.bake.trafficSum))
        why = fmt::format("{} over the bake is {} (needs {} {:g})", minTraffic->metric,
                          evaluator_.formatValue(minTraffic->metric, step.bake.trafficSum), minTraffic->cmp,
                          minTraffic->value);
    }
    std::string kind = why.empty() ? "" : "min_traffic";
    if (why.empty() && step.bake.requiredS > 0 && plan_.hasRollbackOn)
      for (const auto& scope : scopesOf(s))
        if (auto missing = evaluator_.missingDatapoints(rollbackConditions_, scope)) {
          why = fmt::format("{} has {} of {} datapoints at {} (a bake cannot end blind)", missing->condition,
                            missing->have, missing->need, scope.label());
          kind = "no_data";
          break;
        }
    if (timeOk && why.empty()) {
      // Evidence for the audit trail: the worst value of each metric watched.
      std::map<std::string, std::pair<double, std::string>> worst;
      for (const auto& scope : scopesOf(s))
        for (const auto* condition : rollbackConditions_) {
          auto value = evaluator_.latest(*condition, scope);
          // Closest to breaching: the highest for a `>` condition, the lowest for `<`.
          bool low = !condition->cmp.empty() && condition->cmp[0] == '<';
          auto it = worst.find(condition->metric);
          if (value && (it == worst.end() || (low ? *value < it->second.first : *value > it->second.first)))
            worst[condition->metric] = {*value, scope.label()};
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
    if (timeOk) {
      if (step.extension.update(kind, why, now))
        emit(now, "bake_extended", s.stage, s.id, "bake extended: " + why, json::Object{{"waiting_for", kind}});
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

// ---------------------------------------------------------------------------
// Stage gates

Engine::GateResult Engine::gate(StageRuntime& stage, Instant now) {
  GateResult result;
  if (options_.admission)
    if (auto why = options_.admission(stage.stage->id)) {
      result.why = *why;
      result.trigger = "previous_version";
      return result;
    }
  if (run_.emergency && !emergencyApproved_) {
    result.why =
        fmt::format("waiting for approval of the emergency run by one of: {}",
                    plan_.emergency ? fmt::format("{}", fmt::join(plan_.emergency->approvers, ", ")) : "(none)");
    result.trigger = "approval";
    return result;
  }
  std::vector<std::string> reasons;
  if (run_.emergency) {
    if (calendar_) reasons.push_back("emergency: windows do not apply");
  } else if (calendar_) {
    if (stage.overrides.count("window")) {
      reasons.push_back("window overridden");
    } else if (!calendar_->allowsStart(now)) {
      auto next = calendar_->nextAllowedStart(now);
      result.why = fmt::format("window closed ({}), {}", calendar_->explain(now),
                               next ? "opens " + formatLocal(calendar_, *next) : "never opens within 400 days");
      result.wake = next;
      result.trigger = "window";
      return result;
    } else {
      reasons.push_back("window " + calendar_->explain(now));
    }
  }
  std::vector<std::string> blockers;
  for (const auto& name : plan_.blockOn)
    if (!stage.overrides.count(name)) blockers.push_back(name);
  if (!blockers.empty()) {
    std::vector<const AlarmExpr*> conditions;
    for (const auto& name : blockers)
      for (const auto* c : evaluator_.conditionsOf(plan_.alarms.at(name)))
        if (std::find(conditions.begin(), conditions.end(), c) == conditions.end()) conditions.push_back(c);
    std::vector<Scope> scopes = gateScopes(*stage.stage);
    std::vector<SampleRecord> samples;
    evaluator_.sample(conditions, scopes, run_.version, now, samples, !options_.recordEveryEvaluation);
    recordSamples(samples, stage.stage->id, now);
    for (const auto& name : blockers)
      for (const auto& scope : scopes) {
        Verdict verdict = evaluator_.evaluate(plan_.alarms.at(name), scope, now);
        if (verdict.firing) {
          result.why =
              fmt::format("blocker {} firing: {}", verdict.culprit.empty() ? name : verdict.culprit, verdict.why);
          result.wake = externals_.nextChange(now);
          result.trigger = verdict.culprit.empty() ? name : verdict.culprit;
          return result;
        }
        if (verdict.missingData) {
          result.why = fmt::format("waiting for data on blocker {} at {}", name, scope.label());
          result.trigger = "no_data";
          return result;
        }
      }
    reasons.push_back("no blocker firing");
  }
  for (const auto& name : plan_.blockOn)
    if (stage.overrides.count(name)) reasons.push_back("blocker " + name + " overridden");
  result.open = true;
  result.why = fmt::format("{}", fmt::join(reasons, ", "));
  return result;
}

void Engine::startReadySteps(Instant now) {
  for (size_t stageIndex = 0; stageIndex < stages_.size(); ++stageIndex) {
    StageRuntime& stage = stages_[stageIndex];
    if (stage.state == StageState::Done) continue;
    const std::string& id = stage.stage->id;
    const auto& own = stageSteps_[stageIndex];
    if (stage.state == StageState::NotReady) {
      // Ready once every predecessor outside the stage is done.
      bool ready = true;
      for (size_t i : own)
        for (size_t dep : stepDeps_[i])
          if (steps_[dep].step->stage != id && steps_[dep].state != StepState::Done) ready = false;
      if (!ready) continue;
      stage.state = StageState::Gating;
      journal_.setStage(run_.id, id, "waiting", now);
      waitingSince_ = now;
    }
    if (stage.state == StageState::Gating) {
      GateResult result = gate(stage, now);
      if (!result.open) {
        stage.waitingWhy = result.why;
        stage.waitingTrigger = result.trigger;
        if (stage.notice.update(result.trigger, result.why, now))
          emit(now, "stage_waiting", id, "", result.why, json::Object{{"waiting_for", result.trigger}});
        wakeAt(result.wake);
        wakeAt(stage.notice.due());
        continue;
      }
      stage.notice.clear();
      now = clock_.now();  // the gate read the blockers' metrics
      stage.state = StageState::Active;
      watchedStale_ = true;
      waitingSince_ = -1;
      journal_.setStage(run_.id, id, "active", now);
      emit(now, "stage_started", id, "", result.why.empty() ? "started" : "started: " + result.why);
    }
    // Active: start every step whose predecessors are done.
    bool allDone = true;
    for (size_t i : own) {
      StepRuntime& step = steps_[i];
      if (step.state == StepState::Pending && std::all_of(stepDeps_[i].begin(), stepDeps_[i].end(), [&](size_t dep) {
            return steps_[dep].state == StepState::Done;
          }))
        startStep(step, now);
      if (step.state != StepState::Done) allDone = false;
    }
    if (allDone) {
      stage.state = StageState::Done;
      watchedStale_ = true;
      journal_.setStage(run_.id, id, "done", now);
      emit(now, "stage_done", id, "", "stage done");
    }
  }
}

// ---------------------------------------------------------------------------
// Rollback

void Engine::triggerRollback(const std::string& trigger, const std::string& why, const std::string& stepId,
                             Instant since, Instant now) {
  if (rollingBack_) return;
  rollingBack_ = true;
  rollbackStartedAt_ = now;
  detectS_ = since > 0 ? now - since : 0;
  StageRuntime* stage = activeStage();
  if (!stepId.empty())
    run_.stage = steps_[stepIndex_.at(stepId)].step->stage;
  else if (stage)
    run_.stage = stage->stage->id;
  for (auto& step : steps_) {
    if (step.state != StepState::Running) continue;
    if (step.handle >= 0) deployer_.cancel(step.handle);
    step.handle = -1;
    step.state = StepState::Failed;
    journal_.setStep(run_.id, step.step->id, step.step->id == stepId ? "failed" : "cancelled", now, why);
  }
  run_.status = "rolling_back";
  run_.trigger = trigger;
  run_.step = stepId;
  run_.message = why;
  journal_.transaction([&] {
    journal_.updateRun(run_);
    if (!run_.stage.empty()) journal_.setStage(run_.id, run_.stage, "rolling_back", now);
  });
  planRollback(now);
  size_t hosts = 0, zones = 0;
  std::vector<std::string> canaryRegions;  // a region's canary traffic is not a zone
  for (const auto& zone : rollbackZones_) {
    if (zone.traffic)
      canaryRegions.push_back(zone.region);
    else
      ++zones;
    for (const auto& batch : zone.batches) hosts += batch.size();
  }
  std::string what = plural(hosts, "host");
  if (!canaryRegions.empty()) what += fmt::format(" and the canary traffic of {}", fmt::join(canaryRegions, ", "));
  emit(now, "rollback_started", run_.stage, stepId,
       fmt::format("rolling back {} to {} because {}; {} in parallel, at most {:g}% of a zone at once", what,
                   rollbackTargetsText(),
                   trigger == "deploy_failed" || trigger == "test_failed" || trigger == "manual" ? why : trigger,
                   plural(zones, "zone"), plan_.deploy.rollbackBatch * 100),
       json::Object{{"trigger", trigger}, {"why", why}, {"hosts", static_cast<int64_t>(hosts)}});
}

void Engine::planRollback(Instant) {
  rollbackZones_.clear();
  const Stage* failing = plan_.stage(run_.stage);
  // Other runs of the pipeline may have moved hosts since this one loaded:
  // the journal is the truth about every host.
  for (const auto& host : journal_.hosts()) hosts_[host.fleet + "/" + host.host] = {host.version, host.pendingVersion};
  // A host returns to what it ran before this run touched it (the version
  // ahead of this one, where that one had passed), unless that version has
  // itself failed: then to the known-good version this run started from.
  auto before = journal_.hostsBefore(run_.id);
  std::map<std::string, std::string> latestStatus;  // version -> status of its latest run
  for (const auto& other : journal_.runs()) latestStatus[other.version] = other.status;
  std::set<std::string> failed{run_.version};
  for (const auto& [version, status] : latestStatus)
    if (status == "rolled_back" || status == "failed") failed.insert(version);
  auto targetOf = [&](const std::string& key, bool& known) {
    auto it = before.find(key);
    known = it != before.end();
    if (!known || failed.count(it->second)) return run_.previous;
    return it->second;
  };
  std::map<std::string, RollbackZone> zones;
  for (const auto& host : fleet_.hosts()) {
    if (!run_.rollbackAll) {
      if (!failing || host.fleet != failing->fleet()) continue;
      bool inStage = false;
      for (const auto& step : plan_.steps)
        if (step.stage == failing->id && step.region == host.region) inStage = true;
      if (!inStage) continue;
    }
    const HostState& state = hosts_[host.key()];
    bool moved = false;
    std::string target = targetOf(host.key(), moved);
    // On the new version, or in doubt (a call was in flight when it stopped):
    // deploying the previous version again is idempotent. A host another run
    // has moved on since is that run's business.
    bool touched = state.version == run_.version || state.pending == run_.version ||
                   (!state.pending.empty() && (!moved || state.pending == target) && state.version != target);
    if (!touched) continue;
    RollbackZone& zone = zones[host.fleet + "/" + host.zone + "/" + target];
    zone.fleet = host.fleet;
    zone.region = host.region;
    zone.zone = host.zone;
    zone.target = target;
    if (zone.batches.empty()) zone.batches.emplace_back();
    int size =
        std::max(1, static_cast<int>(std::floor(fleet_.zoneSize(host.fleet, host.zone) * plan_.deploy.rollbackBatch)));
    if (static_cast<int>(zone.batches.back().size()) >= size) zone.batches.emplace_back();
    zone.batches.back().push_back(host.host);
  }
  for (auto& [key, zone] : zones) rollbackZones_.push_back(std::move(zone));

  // Canary steps moved a share of a region's traffic, not hosts: that share
  // goes back to the previous version too, with one call per region.
  std::map<std::pair<std::string, std::string>, std::string> shifted;  // fleet, region -> target
  for (const auto& step : steps_) {
    const Step& s = *step.step;
    if (s.type != "canary" || s.region.empty() || step.state == StepState::Pending) continue;
    const Stage* stage = plan_.stage(s.stage);
    if (!stage || (!run_.rollbackAll && (!failing || stage->id != failing->id))) continue;
    std::string target = run_.previous;
    for (const auto& host : fleet_.hostsIn(stage->fleet(), s.region)) {
      bool moved = false;
      std::string hostTarget = targetOf(host->key(), moved);
      if (moved) target = hostTarget;
    }
    shifted[{stage->fleet(), s.region}] = target;
  }
  for (const auto& [where, target] : shifted) {
    RollbackZone zone;
    zone.fleet = where.first;
    zone.region = where.second;
    zone.target = target;
    zone.traffic = true;
    zone.batches = {{}};
    rollbackZones_.push_back(std::move(zone));
  }
}

std::string Engine::rollbackTargetsText() const {
  std::map<std::string, size_t> hosts;  // target -> hosts
  for (const auto& zone : rollbackZones_)
    for (const auto& batch : zone.batches) hosts[zone.target] += batch.size();
  if (hosts.size() <= 1) return versionText(hosts.empty() ? run_.previous : hosts.begin()->first);
  std::vector<std::string> parts;
  for (const auto& [target, count] : hosts)
    parts.push_back(fmt::format("{} ({})", versionText(target), plural(count, "host")));
  return fmt::format("{}", fmt::join(parts, " and "));
}

bool Engine::progressRollback(Instant now) {
  bool finished = true;
  for (auto& zone : rollbackZones_) {
    std::string prefix = zone.fleet == "prod" ? "rollback" : "rollback/" + zone.fleet;
    if (zone.handle >= 0) {
      auto result = deployer_.poll(zone.handle, now);
      if (!result) {
        finished = false;
        continue;
      }
      zone.handle = -1;
      const auto& batch = zone.batches[zone.next];
      journal_.command(run_.id,
                       {now, zone.stepId, "rollback", plan_.deploy.rollback, fmt::format("{}", fmt::join(batch, " ")),
                        result->summary, result->output, result->errors, result->exitCode});
      if (result->ok && zone.traffic) {
        journal_.setStep(run_.id, zone.stepId, "done", now, result->summary);
        emit(now, "rollback_batch", run_.stage, zone.stepId,
             fmt::format("all of {}'s traffic back on {}", zone.region, versionText(zone.target)));
        ++zone.next;
        zone.attempts = 0;
      } else if (result->ok) {
        journal_.transaction([&] {
          journal_.hostsSettled(zone.fleet, batch, zone.target, now);
          journal_.setStep(run_.id, zone.stepId, "done", now, result->summary);
        });
        for (const auto& host : batch) hosts_[zone.fleet + "/" + host] = {zone.target, ""};
        updateExposure();
        emit(
            now, "rollback_batch", run_.stage, zone.stepId,
            fmt::format("{} back on {} ({})", plural(batch.size(), "host"), versionText(zone.target), hostList(batch)));
        ++zone.next;
        zone.attempts = 0;
      } else if (++zone.attempts >= 3) {
        failedHard_ = Outcome::Failed;
        failMessage_ = zone.traffic
                           ? fmt::format("rollback of {}'s canary traffic failed 3 times ({}): it needs attention",
                                         zone.region, result->summary)
                           : fmt::format("rollback of {} failed 3 times ({}): hosts {} need attention", zone.zone,
                                         result->summary, hostList(batch));
        return false;
      } else {
        emit(now, "rollback_retry", run_.stage, zone.stepId,
             fmt::format("rollback batch failed ({}), retrying", result->summary));
      }
    }
    if (zone.next < zone.batches.size()) {
      finished = false;
      const auto& batch = zone.batches[zone.next];
      zone.stepId = zone.traffic ? fmt::format("{}/{}/traffic", prefix, zone.region)
                                 : fmt::format("{}/{}/{}/r{}", prefix, zone.region, zone.zone, zone.next + 1);
      journal_.transaction([&] {
        journal_.setStep(run_.id, zone.stepId, "started", now);
        if (!zone.traffic) journal_.hostsMoving(zone.fleet, zone.region, zone.zone, batch, zone.target, now);
      });
      for (const auto& host : batch) hosts_[zone.fleet + "/" + host].pending = zone.target;
      Step pseudo;
      pseudo.id = zone.stepId;
      pseudo.stage = run_.stage;
      for (const auto& stage : plan_.stages)  // with --all, the stage that owns this fleet
        if (stage.fleet() == zone.fleet && plan_.stage(run_.stage) && plan_.stage(run_.stage)->fleet() != zone.fleet)
          pseudo.stage = stage.id;
      pseudo.region = zone.region;
      pseudo.zone = zone.zone;
      pseudo.hosts = batch;
      if (zone.traffic) pseudo.traffic = 1.0;  // every request of the region to the previous version
      DeployCall call = callFor(pseudo, "rollback", zone.target, run_.version);
      zone.handle = deployer_.start(call, now);
    }
  }
  return finished;
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

void Engine::updateExposure() {
  watchedStale_ = true;  // called whenever host versions change
  // Summed in the model's host order, as always, so the figure is the same to
  // the last bit; each host's state is found once (map nodes do not move), so
  // no key is built or compared here.
  const auto& hosts = fleet_.hosts();
  if (hostStates_.size() != hosts.size()) hostStates_.assign(hosts.size(), nullptr);
  double exposure = 0;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const HostInfo& host = hosts[i];
    if (!host.prod) continue;
    if (!hostStates_[i]) {
      auto it = hosts_.find(host.key());
      if (it == hosts_.end()) continue;
      hostStates_[i] = &it->second;
    }
    if (hostStates_[i]->version == run_.version) exposure += host.regionTraffic * host.weight;
  }
  maxExposure_ = std::max(maxExposure_, exposure);
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
         json::Object{{"trigger", run_.trigger}});
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
