// Runs deploy, rollback and test commands. The engine starts a call and polls it,
// so regions of a wave (and zones of a rollback) proceed in parallel.
#pragma once

#include "runtime/plan/Plan.h"

#include <optional>
#include <string>
#include <vector>

namespace pipelang::runtime {

struct DeployCall {
  std::string action;   // "deploy" | "rollback" | "test"
  std::string command;  // the plan's command line (argv, never a shell)
  std::string pipeline, artifact, version, previousVersion, stage, step, region, zone;
  std::vector<std::string> hosts;
  std::optional<double> traffic;
  int timeoutS = 600;
};

struct DeployResult {
  bool ok = false;
  int exitCode = -1;
  bool timedOut = false;
  std::string output, errors;  // bounded captures of stdout and stderr
  std::string summary;         // "exit 0", "exit 3", "timed out after 600s", "cannot start: ..."
};

class Deployer {
 public:
  virtual ~Deployer() = default;
  virtual int start(const DeployCall& call, Instant now) = 0;
  // The result once the call has finished; none while it runs.
  virtual std::optional<DeployResult> poll(int handle, Instant now) = 0;
  virtual void cancel(int handle) = 0;
  // When the next call finishes, if known in advance (simulation).
  virtual std::optional<Instant> nextCompletion() const { return std::nullopt; }
};

}  // namespace pipelang::runtime
