#include "runtime/deploy/ExecDeployer.h"

#include "runtime/deploy/CommandLine.h"

#include <fmt/format.h>

namespace pipelang::runtime {

std::map<std::string, std::string> ExecDeployer::environmentFor(const DeployCall& call) {
  std::string hosts;
  for (const auto& host : call.hosts) hosts += (hosts.empty() ? "" : " ") + host;
  return {{"PIPE_ACTION", call.action},
          {"PIPE_PIPELINE", call.pipeline},
          {"PIPE_ARTIFACT", call.artifact},
          {"PIPE_VERSION", call.version},
          {"PIPE_PREVIOUS_VERSION", call.previousVersion},
          {"PIPE_STAGE", call.stage},
          {"PIPE_STEP", call.step},
          {"PIPE_REGION", call.region},
          {"PIPE_ZONE", call.zone},
          {"PIPE_HOSTS", hosts},
          {"PIPE_TRAFFIC", call.traffic ? fmt::format("{}", *call.traffic) : ""}};
}

int ExecDeployer::start(const DeployCall& call, Instant now) {
  int handle = nextHandle_++;
  Running& run = running_[handle];
  run.timeoutS = call.timeoutS;
  auto argv = splitCommandLine(call.command);
  if (!argv) {
    run.startError = llvm::toString(argv.takeError());
    return handle;
  }
  run.child = std::make_unique<ChildProcess>();
  run.child->dieWithParent(dieWithRunner_);
  std::function<void(pid_t)> record;
  if (recorder_.started)
    record = [&](pid_t group) {
      run.group = group;
      recorder_.started(call, group, now);
    };
  run.startError = run.child->start(*argv, environmentFor(call), record, holdGates_ && record);
  // Read the clock now, after the spawn: the engine's `now` may be seconds old.
  run.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::max(1, call.timeoutS));
  return handle;
}

void ExecDeployer::openGates() {
  for (auto& [handle, run] : running_)
    if (run.child) run.child->openGate();
}

bool ExecDeployer::anyEnded() {
  auto now = std::chrono::steady_clock::now();
  for (auto& [handle, run] : running_)
    if (!run.startError.empty() || !run.child || run.child->poll() || now >= run.deadline) return true;
  return false;
}

void ExecDeployer::ended(Running& run) {
  if (run.group > 0 && recorder_.ended) recorder_.ended(run.group);
  run.group = -1;
}

std::optional<DeployResult> ExecDeployer::poll(int handle, Instant) {
  auto it = running_.find(handle);
  if (it == running_.end()) return DeployResult{false, -1, false, "", "", "unknown call"};
  Running& run = it->second;
  DeployResult result;
  if (!run.startError.empty()) {
    result.summary = "cannot start: " + run.startError;
  } else if (auto status = run.child->poll()) {
    result.exitCode = *status;
    result.ok = *status == 0;
    result.summary = "exit " + std::to_string(*status);
  } else if (std::chrono::steady_clock::now() >= run.deadline) {
    run.child->killGroup();
    run.child->waitBlocking();
    result.timedOut = true;
    result.summary = "timed out after " + std::to_string(run.timeoutS) + "s (process group killed)";
  } else {
    return std::nullopt;
  }
  if (run.child) {
    result.output = run.child->output();
    result.errors = run.child->errors();
  }
  ended(run);
  running_.erase(it);
  return result;
}

void ExecDeployer::cancel(int handle) {
  auto it = running_.find(handle);
  if (it == running_.end()) return;
  if (it->second.child) {
    it->second.child->killGroup();
    it->second.child->waitBlocking();
  }
  ended(it->second);
  running_.erase(it);
}

}  // namespace pipelang::runtime
