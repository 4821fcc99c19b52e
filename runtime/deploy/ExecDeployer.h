// The `exec` provider (runtime.md §4): the plan's command, split into argv and
// run directly; plan values reach it only as PIPE_* environment variables.
// A call's timeout (DeployCall::timeoutS, seconds) counts from its own spawn on
// the monotonic clock, never from the engine's `now`, which may have been read
// before slow work (docs/runtime.md "A call's timeout counts from its own start").
#pragma once

#include "runtime/deploy/ChildProcess.h"
#include "runtime/deploy/Deployer.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>

namespace pipelang::runtime {

class ExecDeployer final : public Deployer {
 public:
  int start(const DeployCall& call, Instant now) override;
  std::optional<DeployResult> poll(int handle, Instant now) override;
  void cancel(int handle) override;

  static std::map<std::string, std::string> environmentFor(const DeployCall& call);

  // Told of every call before its command runs (with its process group) and
  // when it has ended, so the journal can say which calls may still run
  // after piperun died (docs/runtime-journal.md, table `calls`).
  struct Recorder {
    std::function<void(const DeployCall&, pid_t group, Instant now)> started;
    std::function<void(pid_t group)> ended;
  };
  void setRecorder(Recorder recorder) { recorder_ = std::move(recorder); }
  // `piperun serve`: calls started from now on wait after being recorded
  // until openGates(), which the service calls once the pass that started
  // them is committed (the record must be durable before the command runs).
  void holdGates(bool hold) { holdGates_ = hold; }
  void openGates();
  // Whether poll() would report some call ended (exited, could not start, or
  // past its deadline): one waitpid per call, so a service need not run an
  // engine pass to find out.
  bool anyEnded();
  // `piperun serve`: each command is killed (SIGKILL) when piperun dies, so
  // that another instance taking its pipelines over never finds it still
  // running (ChildProcess::dieWithParent).
  void dieWithRunner(bool die) { dieWithRunner_ = die; }

 private:
  struct Running {
    std::unique_ptr<ChildProcess> child;
    std::chrono::steady_clock::time_point deadline;  // spawn time + timeout
    int timeoutS = 0;
    std::string startError;
    pid_t group = -1;
  };
  void ended(Running& run);
  Recorder recorder_;
  bool holdGates_ = false;
  bool dieWithRunner_ = false;
  std::map<int, Running> running_;
  int nextHandle_ = 1;
};

}  // namespace pipelang::runtime
