// Stage gates and operator requests: a stage starts when its window, blockers and
// approvals allow, then its steps in DAG order (runtime.md §2.1, §2.2, §6).
#include "runtime/engine/Engine.h"

#include "runtime/engine/TimeText.h"

#include <fmt/format.h>

#include <algorithm>

namespace pipelang::runtime {
namespace json = llvm::json;

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
           EventDetail{{"target", request.target}, {"by", request.who}, {"reason", request.reason}});
    } else if (request.kind == "approve") {
      bool isApprover = plan_.emergency &&
                        std::count(plan_.emergency->approvers.begin(), plan_.emergency->approvers.end(), request.who);
      if (run_.emergency && !emergencyApproved_) {
        if (isApprover) {
          emergencyApproved_ = true;
          emit(now, "approval", "", "", fmt::format("emergency run approved by {}", request.who),
               EventDetail{{"by", request.who}});
        } else {
          emit(now, "approval_refused", "", "",
               fmt::format("approval by {} refused: not one of the plan's approvers ({})", request.who,
                           plan_.emergency ? fmt::format("{}", fmt::join(plan_.emergency->approvers, ", ")) : "none"));
        }
      }
      for (auto& step : steps_)
        if (step.state == StepState::Running && step.phase == Phase::Approval) {
          emit(now, "approval", step.step->stage, step.step->id, fmt::format("approved by {}", request.who),
               EventDetail{{"by", request.who}});
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
      const auto& deps = stageDeps_[stageIndex];
      if (!std::all_of(deps.begin(), deps.end(), [&](size_t dep) { return steps_[dep].state == StepState::Done; }))
        continue;
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
          emit(now, "stage_waiting", id, "", result.why, EventDetail{{"waiting_for", result.trigger}});
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

}  // namespace pipelang::runtime
