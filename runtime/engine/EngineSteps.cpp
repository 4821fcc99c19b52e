// Steps: a deploy, test, bake or approval started, its call polled to its end,
// and what the deploy provider is asked to run (runtime.md §2.2, §4).
#include "runtime/engine/Engine.h"

#include "runtime/engine/EngineText.h"

#include <fmt/format.h>

namespace pipelang::runtime {
namespace json = llvm::json;

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

void Engine::startStep(StepRuntime& step, Instant now) {
  const Step& s = *step.step;
  setState(step, StepState::Running);
  step.startedAt = now;
  if (s.deploys()) {
    std::string fleet = plan_.stage(s.stage)->fleet();
    journal_.transaction([&] {
      journal_.setStep(run_.id, s.id, "started", now);
      journal_.hostsMoving(fleet, s.region, s.zone, s.hosts, run_.version, now, run_.id);
    });
    for (const auto& host : s.hosts)
      if (HostState* state = hostState(fleet, host)) state->pending = run_.version;
    std::string what =
        s.type == "onebox"
            ? fmt::format("deploying one-box {} at {:g}% traffic", hostList(s.hosts), s.traffic.value_or(0) * 100)
        : s.type == "canary"
            ? fmt::format("shifting {:g}% of {} to {}", s.traffic.value_or(0) * 100, s.region, run_.version)
            : fmt::format("deploying {} ({})", plural(s.hosts.size(), "host"), hostList(s.hosts));
    emit(now, "step_started", s.stage, s.id, what,
         EventDetail{{"hosts", json::Array(llvm::ArrayRef<std::string>(s.hosts))}, {"quiet", s.type == "batch"}});
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

void Engine::finishStep(StepRuntime& step, Instant now, const std::string& result) {
  setState(step, StepState::Done);
  step.phase = Phase::None;
  step.handle = -1;
  if (step.step->type == "approval") waitingSince_ = -1;
  journal_.setStep(run_.id, step.step->id, "done", now, result);
}

void Engine::pollDeploys(Instant now) {
  // The steps running when the pass began, in plan order (a step that ends here leaves running_).
  std::vector<size_t> running = running_;
  for (size_t index : running) {
    StepRuntime& step = steps_[index];
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
      setState(step, StepState::Failed);
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
    hostsChanged(fleet, s.hosts, {run_.version, ""});
    lastHostChange_ = now;
    emit(now, "step_done", s.stage, s.id,
         s.type == "canary"
             ? fmt::format("{:g}% of {}'s traffic on {}", s.traffic.value_or(0) * 100, s.region, run_.version)
             : fmt::format("{} on {}", plural(s.hosts.size(), "host"), run_.version),
         EventDetail{{"global_exposure", maxExposure_}});
    if (bakes) startBake(step, now);
  }
}

}  // namespace pipelang::runtime
