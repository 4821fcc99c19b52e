// `run` and `resume`: take the DB's runner lock, then drive every run in flight
// or queued to its end with the real clock and the exec provider.
#include "runtime/cli/Commands.h"
#include "runtime/cli/ConsoleSink.h"
#include "runtime/deploy/ExecDeployer.h"
#include "runtime/metrics/CommandMetricSource.h"
#include "runtime/metrics/PrometheusMetricSource.h"
#include "runtime/plan/PlanReader.h"

#include <fmt/format.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>

#include <ctime>

namespace pipelang::runtime::cli {
namespace {

int fail(const std::string& message) {
  llvm::errs() << "piperun: " << message << "\n";
  return kRuntimeError;
}

int exitCodeFor(Outcome outcome) {
  switch (outcome) {
    case Outcome::Deployed:
      return kDeployed;
    case Outcome::RolledBack:
      return kRolledBack;
    case Outcome::Blocked:
      return kStopped;
    case Outcome::Failed:
      return kRuntimeError;
  }
  return kRuntimeError;
}

// Drives the run in flight, then each queued one; returns the exit status of `target`'s run
// (or of the last one when target is 0).
int drive(const Plan& plan, Journal& journal, const RunArgs& args, std::int64_t target) {
  RealClock clock;
  ExecDeployer deployer;
  CommandMetricSource commands;
  MetricRouter metrics;
  metrics.setProvider("command", &commands);
  // `--prometheus` overrides the plan's URL. Without either, prometheus
  // queries have no provider and fail, which the evaluator turns into an
  // alarm (fail safe: no promotion on blind data).
  std::optional<PrometheusMetricSource> prometheus;
  std::string prometheusUrl = !args.prometheus.empty() ? args.prometheus : plan.prometheusUrl.value_or("");
  if (!prometheusUrl.empty()) {
    prometheus.emplace(PrometheusOptions{prometheusUrl});
    metrics.setProvider("prometheus", &*prometheus);
  }
  DirectoryAlarmSource externals(args.alarmsDir);
  std::optional<planformat::WindowCalendar> calendar;
  if (plan.windows) calendar.emplace(*plan.windows);
  ConsoleSink sink(args.output, calendar);
  EngineOptions options;
  options.untilBlocked = args.untilBlocked;
  options.giveUpAfterS = 1 << 30;  // a real run waits as long as it takes

  int status = kDeployed;
  while (true) {
    auto run = journal.activeRun();
    if (!run) run = journal.nextQueuedRun();
    if (!run) break;
    Engine engine(plan, journal, clock, deployer, metrics, externals, sink, options);
    EngineResult result = engine.execute(run->id);
    int code = exitCodeFor(result.outcome);
    if (args.output.json)
      llvm::outs() << llvm::json::Value(llvm::json::Object{{"type", "outcome"},
                                                           {"outcome", outcomeName(result.outcome)},
                                                           {"version", result.version},
                                                           {"stage", result.stage},
                                                           {"step", result.step},
                                                           {"trigger", result.trigger}})
                   << "\n";
    else
      llvm::outs() << fmt::format("outcome: {} {}{}\n", outcomeName(result.outcome), result.version,
                                  result.trigger.empty() && result.message.empty()
                                      ? ""
                                      : fmt::format(" at {} ({})", result.step.empty() ? result.stage : result.step,
                                                    result.trigger.empty() ? result.message : result.trigger));
    if (target == 0 || run->id == target) status = code;
    if (result.outcome == Outcome::Blocked || result.outcome == Outcome::Failed) return code;
  }
  return status;
}

llvm::Expected<std::string> prepareState(const std::string& explicitState, const std::string& pipeline) {
  std::string path = defaultStatePath(explicitState, pipeline);
  llvm::StringRef dir = llvm::sys::path::parent_path(path);
  if (!dir.empty())
    if (auto ec = llvm::sys::fs::create_directories(dir))
      return llvm::createStringError(ec, "cannot create %s: %s", dir.str().c_str(), ec.message().c_str());
  return path;
}

}  // namespace

std::string defaultStatePath(const std::string& explicitState, const std::string& pipeline) {
  if (!explicitState.empty()) return explicitState;
  if (!pipeline.empty()) return ".piperun/" + pipeline + ".db";
  std::error_code ec;
  std::string only;
  int count = 0;
  for (llvm::sys::fs::directory_iterator it(".piperun", ec), end; it != end && !ec; it.increment(ec))
    if (llvm::StringRef(it->path()).endswith(".db")) {
      only = it->path();
      ++count;
    }
  return count == 1 ? only : "";
}

int runCommand(const RunArgs& args) {
  auto plan = readPlanFile(args.plan);
  if (!plan) return fail(llvm::toString(plan.takeError()));
  if (args.emergency && !plan->emergency)
    return fail("--emergency: plan " + plan->pipeline + " has no emergency block (approvers, bake, min_bake)");
  auto path = prepareState(args.state, plan->pipeline);
  if (!path) return fail(llvm::toString(path.takeError()));
  auto journal = Journal::open(*path, /*durable=*/true);
  if (!journal) return fail(llvm::toString(journal.takeError()));
  if (auto error = (*journal)->bindPlan(*plan, false)) return fail(llvm::toString(std::move(error)));

  auto lock = RunnerLock::acquire(*path);
  auto active = (*journal)->activeRun();
  RunRecord run;
  run.version = args.version;
  run.previous = !args.previous.empty() ? args.previous : (*journal)->meta("known_good").value_or("none");
  run.status = "queued";
  run.emergency = args.emergency;
  run.reason = args.reason;
  run.submittedAt = static_cast<Instant>(std::time(nullptr));
  if (!lock) {
    std::string held = llvm::toString(lock.takeError());
    if (active && active->version != args.version) {
      // One version in flight per pipeline: the next one waits its turn.
      (*journal)->createRun(run);
      return fail(held + fmt::format("; {} is queued and will start after {} ends", args.version, active->version));
    }
    return fail(held);
  }
  // `--previous` names the last known-good version (runtime.md §1): recorded,
  // so that `status` and the next run agree with what this run rolls back to.
  if (!args.previous.empty()) (*journal)->setMeta("known_good", args.previous);
  std::int64_t target = 0;
  if (active && active->version == args.version) {
    target = active->id;
    llvm::errs() << fmt::format("piperun: {} is already in flight in {}: resuming it\n", args.version, *path);
  } else {
    if (active)
      llvm::errs() << fmt::format("piperun: {} is in flight (interrupted): finishing it before {}\n", active->version,
                                  args.version);
    target = (*journal)->createRun(run);
  }
  return drive(*plan, **journal, args, target);
}

int resumeCommand(const RunArgs& args) {
  std::string path = defaultStatePath(args.state, "");
  if (path.empty()) return fail("no state DB: give --state DB (none or several in .piperun/)");
  if (!llvm::sys::fs::exists(path)) return fail("state DB " + path + " does not exist");
  auto journal = Journal::open(path, /*durable=*/true);
  if (!journal) return fail(llvm::toString(journal.takeError()));
  auto lock = RunnerLock::acquire(path);
  if (!lock) return fail(llvm::toString(lock.takeError()));
  auto text = (*journal)->meta("plan");
  if (!text) return fail("state DB " + path + " holds no plan: nothing was ever run with it");
  auto plan = parsePlan(*text, path + " (stored plan)");
  if (!plan) return fail(llvm::toString(plan.takeError()));
  if (!(*journal)->activeRun() && !(*journal)->nextQueuedRun()) {
    auto latest = (*journal)->latestRun();
    llvm::outs() << "nothing in flight"
                 << (latest ? fmt::format(" (last run: {} {})", latest->version, latest->status) : "") << "\n";
    return kDeployed;
  }
  return drive(*plan, **journal, args, 0);
}

}  // namespace pipelang::runtime::cli
