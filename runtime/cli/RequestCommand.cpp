// `override`, `approve`, `rollback`: people's decisions, checked at once against
// the plan and the run (runtime.md, "Operator commands"), then written to the
// state DB for the runner to apply (within a second when one is running).
#include "runtime/cli/Commands.h"
#include "runtime/plan/OperatorHints.h"
#include "runtime/cli/RunOptions.h"
#include "runtime/journal/Journal.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <ctime>

namespace pipelang::runtime::cli {
namespace {

int refuse(int code, const std::string& message) {
  llvm::errs() << "piperun: " << printable(message) << "\n";
  return code;
}

// An approval is pending for an `approval` step the run has not passed yet.
bool approvalStepPending(const Plan& plan, Journal& journal, std::int64_t runId) {
  auto steps = journal.steps(runId);
  for (const auto& step : plan.steps)
    if (step.type == "approval" && (!steps.count(step.id) || steps[step.id].state != "done")) return true;
  return false;
}

bool emergencyApproved(const Plan& plan, Journal& journal, std::int64_t runId) {
  if (!plan.emergency) return false;
  for (const auto& request : journal.requestsAfter(0))
    if (request.runId == runId && request.kind == "approve" &&
        std::count(plan.emergency->approvers.begin(), plan.emergency->approvers.end(), request.who))
      return true;
  return false;
}

// `rollback --all` once the run has ended rolled back: the hosts of earlier,
// completed stages still on its version return too, driven here as `resume`
// would (runtime.md §2.4). Exit 0 when every host is back, 1 when it failed.
int rollbackEndedRun(const RequestArgs& args, Journal& journal, const std::string& path) {
  auto latest = journal.latestRun();
  if (!latest || latest->status != "rolled_back")
    return refuse(kRuntimeError,
                  fmt::format("nothing in flight in {}{}: `rollback --all` returns the hosts of a version rolled "
                              "back last",
                              path, latest ? fmt::format(" (last run: {} {})", latest->version, latest->status) : ""));
  size_t left = 0;
  for (const auto& host : journal.hosts())
    if (host.version == latest->version || host.pendingVersion == latest->version) ++left;
  if (left == 0) {
    llvm::outs() << printable(fmt::format("no host runs {} any more: nothing to roll back", latest->version)) << "\n";
    return kDeployed;
  }
  auto lock = RunnerLock::acquire(path);
  if (!lock) return refuse(kRuntimeError, llvm::toString(lock.takeError()));
  RunRecord run = *latest;
  Instant now = static_cast<Instant>(std::time(nullptr));
  journal.transaction([&] {
    run.status = "rolling_back";
    run.rollbackAll = true;
    run.trigger = "manual";
    run.message = fmt::format("manual rollback of every stage by {}: {}", args.who, args.reason);
    journal.updateRun(run);
    journal.addRequest({0, run.id, "rollback", "all", args.reason, args.who, "", now});
  });
  lock->reset();  // resume takes it again
  llvm::outs() << printable(fmt::format("rolling back the {} host{} still on {} (run #{}), as asked by {}", left,
                                        left == 1 ? "" : "s", run.version, run.id, args.who))
               << "\n";
  RunArgs resume;
  resume.state = path;
  int code = resumeCommand(resume);
  return code == kRolledBack ? kDeployed : code;
}

}  // namespace

int requestCommand(const RequestArgs& args) {
  std::string path = defaultStatePath(args.state, "");
  if (path.empty() || !llvm::sys::fs::exists(path))
    return refuse(kRuntimeError, "no state DB" + (path.empty() ? std::string() : " " + path) +
                                     ": give --state DB of the pipeline in flight");
  auto journal = Journal::open(path, /*durable=*/true);
  if (!journal) return refuse(kRuntimeError, llvm::toString(journal.takeError()));
  auto text = (*journal)->meta("plan");
  if (!text) return refuse(kRuntimeError, "state DB " + path + " holds no plan: nothing was ever run with it");
  auto plan = parsePlan(*text, path + " (stored plan)");
  if (!plan) return refuse(kRuntimeError, llvm::toString(plan.takeError()));

  auto run = (*journal)->activeRun();
  if (!run) run = (*journal)->nextQueuedRun();
  if (!run && args.kind == "rollback" && args.all) return rollbackEndedRun(args, **journal, path);
  if (!run) return refuse(kRuntimeError, "nothing in flight in " + path + ": no run to " + args.kind);

  RequestRecord request;
  request.runId = run->id;
  request.kind = args.kind;
  request.target = args.target;
  request.reason = args.reason;
  request.who = args.who;
  request.t = static_cast<Instant>(std::time(nullptr));
  std::string what = args.kind;
  if (args.kind == "override") {
    auto blocker = resolveBlocker(*plan, args.target);
    if (!blocker)
      return refuse(kUsageError, fmt::format("override: {} is not a blocker of {}; it can override: {}", args.target,
                                             plan->pipeline, fmt::join(overridableNames(*plan), ", ")));
    request.target = *blocker;
    what = *blocker == "window"      ? "override of the window"
           : *blocker == args.target ? "override of blocker " + *blocker
                                     : fmt::format("override of blocker {} (shown as {})", *blocker, args.target);
    // The override is for the stage that waits now (else the next to start).
    auto stages = (*journal)->stageStates(run->id);
    for (const auto& [stage, state] : stages)
      if (state == "waiting") request.stage = stage;
  }
  if (args.kind == "approve") {
    RunOptions started = loadRunOptions(**journal, run->id);
    if (!started.by.empty() && started.by == args.who)
      return refuse(kUsageError, fmt::format("approve: {} started run #{} ({}); separation of duties: someone else "
                                             "must approve it",
                                             args.who, run->id, run->version));
    if (run->emergency && !emergencyApproved(*plan, **journal, run->id)) {
      const auto& approvers = plan->emergency ? plan->emergency->approvers : std::vector<std::string>{};
      if (!std::count(approvers.begin(), approvers.end(), args.who))
        return refuse(kUsageError, fmt::format("approve: {} is not one of the emergency approvers of {} ({})", args.who,
                                               plan->pipeline, fmt::join(approvers, ", ")));
    } else if (!approvalStepPending(*plan, **journal, run->id)) {
      return refuse(kUsageError, fmt::format("approve: run #{} ({}) waits for no approval", run->id, run->version));
    }
  }
  (*journal)->addRequest(request);
  auto probe = RunnerLock::acquire(path);  // held by a live runner?
  bool live = !probe;
  if (!probe) llvm::consumeError(probe.takeError());
  llvm::outs() << printable(fmt::format("recorded {} for {} (run #{}){}", what, run->version, run->id,
                                        live ? "; the runner applies it within a second"
                                             : "; no runner holds this DB: `piperun resume` applies it"))
               << "\n";
  return kDeployed;
}

}  // namespace pipelang::runtime::cli
