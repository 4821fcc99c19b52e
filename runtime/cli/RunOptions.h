// What a run was started with, kept in the state DB (meta `run_options/<id>`,
// docs/runtime-journal.md) so that `resume`, `approve` and `rollback --all`
// act as the run's own start did (runtime.md, "Operator commands").
#pragma once

#include "runtime/journal/Journal.h"
#include "runtime/plan/Plan.h"

#include <string>
#include <vector>

namespace pipelang::runtime::cli {

struct RunOptions {
  std::string by;          // who started the run (`--by`, default the OS user)
  std::string prometheus;  // `--prometheus URL`, empty: the plan's
  std::string alarmsDir;   // `--alarms-dir DIR`
  std::string alertmanager;  // `--alertmanager URL`
  bool firstDeploy = false;
  std::string retryReason, retryBy;  // `--retry-failed --reason R --by WHO`
};

RunOptions loadRunOptions(Journal& journal, std::int64_t runId);
void saveRunOptions(Journal& journal, std::int64_t runId, const RunOptions& options);

// The OS user running piperun ($USER, else the passwd entry, else the uid).
std::string osUser();

// Metrics of the plan that no provider can read with these options: a
// `prometheus(...)` metric without --prometheus or the plan's prometheus_url,
// a source piperun does not know. `run` and `resume` refuse such a plan (exit 2).
std::vector<std::string> metricsWithoutProvider(const Plan& plan, const std::string& prometheusUrl);

}  // namespace pipelang::runtime::cli
