// `override`, `approve`, `rollback`: people's decisions, written to the state DB
// for the runner to apply (within a second when one is running).
#include "runtime/cli/Commands.h"
#include "runtime/journal/Journal.h"

#include <fmt/format.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/raw_ostream.h>

#include <ctime>

namespace pipelang::runtime::cli {

int requestCommand(const RequestArgs& args) {
  std::string path = defaultStatePath(args.state, "");
  if (path.empty() || !llvm::sys::fs::exists(path)) {
    llvm::errs() << "piperun: no state DB" << (path.empty() ? "" : " " + path)
                 << ": give --state DB of the pipeline in flight\n";
    return kRuntimeError;
  }
  auto journal = Journal::open(path, /*durable=*/true);
  if (!journal) {
    llvm::errs() << "piperun: " << llvm::toString(journal.takeError()) << "\n";
    return kRuntimeError;
  }
  auto run = (*journal)->activeRun();
  if (!run) run = (*journal)->nextQueuedRun();
  if (!run) {
    llvm::errs() << "piperun: nothing in flight in " << path << ": no run to " << args.kind << "\n";
    return kRuntimeError;
  }
  RequestRecord request;
  request.runId = run->id;
  request.kind = args.kind;
  request.target = args.target;
  request.reason = args.reason;
  request.who = args.who;
  request.t = static_cast<Instant>(std::time(nullptr));
  if (args.kind == "override") {
    // The override is for the stage that waits now (else the next to start).
    auto stages = (*journal)->stageStates(run->id);
    for (const auto& [stage, state] : stages)
      if (state == "waiting") request.stage = stage;
  }
  (*journal)->addRequest(request);
  auto probe = RunnerLock::acquire(path);  // held by a live runner?
  bool live = !probe;
  if (!probe) llvm::consumeError(probe.takeError());
  llvm::outs() << fmt::format("recorded {} for {} (run #{}){}\n", args.kind, run->version, run->id,
                              live ? "; the runner applies it within a second"
                                   : "; no runner holds this DB: `piperun resume` applies it");
  return kDeployed;
}

}  // namespace pipelang::runtime::cli
