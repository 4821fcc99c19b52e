// `run` and `resume`: take the DB's runner lock, then drive every run in flight
// or queued to its end with the real clock and the exec provider.
#include "runtime/cli/Commands.h"
#include "runtime/cli/ConsoleSink.h"
#include "runtime/cli/RunOptions.h"
#include "runtime/deploy/CallRecorder.h"
#include "runtime/deploy/ExecDeployer.h"
#include "runtime/deploy/LeftoverCalls.h"
#include "runtime/deploy/ProcessIdentity.h"
#include "runtime/deploy/StopSignals.h"
#include "runtime/metrics/AlertmanagerAlarmSource.h"
#include "runtime/metrics/CommandMetricSource.h"
#include "runtime/metrics/PrometheusMetricSource.h"
#include "runtime/notify/NotifyingSink.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/text/JsonText.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>

#include <ctime>

namespace pipelang::runtime::cli {

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

namespace {

int fail(const std::string& message) {
  llvm::errs() << "piperun: " << message << "\n";
  return kRuntimeError;
}

int usageError(const std::string& message) {
  llvm::errs() << "piperun: " << message << "\n";
  return kUsageError;
}

int driveRuns(const Plan& plan, Journal& journal, const RunArgs& args, std::int64_t target);

// Drives the run in flight, then each queued one; returns the exit status of `target`'s run
// (or of the last one when target is 0). A journal failure stops the calls in
// flight first (as on SIGTERM: the journal still says they were started, so
// `resume` re-runs them), then ends the command with exit 1 (main.cpp).
int drive(const Plan& plan, Journal& journal, const RunArgs& args, std::int64_t target) {
  try {
    return driveRuns(plan, journal, args, target);
  } catch (const JournalError& e) {
    throw JournalError(std::string(e.what()) + "; run `piperun resume` once the state DB is usable again");
  }
}

// A run's previous version is the last known-good when it starts, not when it
// was submitted (runtime.md §2.7); without one, the `--previous` given at
// submission, else it must have been submitted with `--first-deploy`. False
// when the run cannot start: it is then marked failed, saying why.
bool settlePrevious(Journal& journal, RunRecord& run, const RunOptions& options, Instant now) {
  auto knownGood = journal.meta("known_good");
  if (knownGood && !knownGood->empty()) {
    if (run.previous == *knownGood) return true;
    if (!run.previous.empty())
      llvm::errs() << printable(fmt::format("piperun: {} starts with previous {}, the last known-good now ({} was "
                                            "given when it was submitted)",
                                            run.version, *knownGood, run.previous))
                   << "\n";
    run.previous = *knownGood;
    journal.updateRun(run);
    return true;
  }
  if (!run.previous.empty() || options.firstDeploy) return true;
  run.status = "failed";
  run.startedAt = run.finishedAt = now;
  run.message =
      "no known-good version when it started and no --previous: submit it again with --previous V0, or "
      "--first-deploy if nothing runs yet";
  journal.transaction([&] {
    journal.updateRun(run);
    journal.event(run.id, {0, run.id, now, "failed", "", "", run.message, ""});
  });
  llvm::errs() << printable(fmt::format("piperun: {}: {}", run.version, run.message)) << "\n";
  return false;
}

// After a rollback of one stage, hosts of earlier, completed stages still run
// the failed version (runtime.md §2.4): the outcome names them.
std::vector<std::string> stillOn(Journal& journal, const std::string& version) {
  std::vector<std::string> hosts;
  for (const auto& host : journal.hosts())
    if (host.version == version || host.pendingVersion == version) hosts.push_back(host.host);
  return hosts;
}

int driveRuns(const Plan& plan, Journal& journal, const RunArgs& args, std::int64_t target) {
  RealClock clock;
  EngineOptions options;
  options.untilBlocked = args.untilBlocked;
  options.giveUpAfterS = 1 << 30;  // a real run waits as long as it takes
  std::optional<planformat::WindowCalendar> calendar;
  if (plan.windows) calendar.emplace(*plan.windows);

  // Deliveries run beside the engine; at the end of each run piperun waits a
  // bounded time for them (docs/runtime.md "Notifications").
  std::unique_ptr<notify::Notifier> notifier;
  if (!plan.notify.empty()) notifier = std::make_unique<notify::Notifier>();

  int status = kDeployed;
  while (true) {
    auto run = journal.activeRun();
    if (!run) run = journal.nextQueuedRun();
    if (!run) break;
    // `resume` continues with the options the run was started with; options
    // given again win and are recorded for the next resume.
    RunOptions recorded = loadRunOptions(journal, run->id);
    bool changed = false;
    if (!args.prometheus.empty() && args.prometheus != recorded.prometheus) {
      recorded.prometheus = args.prometheus;
      changed = true;
    }
    if (!args.alarmsDir.empty() && args.alarmsDir != recorded.alarmsDir) {
      recorded.alarmsDir = args.alarmsDir;
      changed = true;
    }
    if (!args.alertmanager.empty() && args.alertmanager != recorded.alertmanager) {
      recorded.alertmanager = args.alertmanager;
      changed = true;
    }
    if (changed) saveRunOptions(journal, run->id, recorded);
    std::string prometheusUrl = !recorded.prometheus.empty() ? recorded.prometheus : plan.prometheusUrl.value_or("");
    auto blind = metricsWithoutProvider(plan, prometheusUrl);
    if (!blind.empty()) {
      llvm::errs() << printable(fmt::format("piperun: run #{} ({}) cannot read {}; give --prometheus URL", run->id,
                                            run->version, fmt::join(blind, ", ")))
                   << "\n";
      return kUsageError;
    }
    if (run->status == "queued" && !settlePrevious(journal, *run, recorded, clock.now())) {
      if (target == 0 || run->id == target) status = kRuntimeError;
      continue;
    }

    // Never two calls for one step: what a dead runner left running ends first.
    settleLeftoverCalls(journal, run->id,
                        [](const std::string& message) { llvm::errs() << "piperun: " << printable(message) << "\n"; });
    ExecDeployer deployer;
    deployer.setRecorder(journalRecorder(journal, run->id, clock));
    CommandMetricSource commands;
    MetricRouter metrics;
    metrics.setProvider("command", &commands);
    std::optional<PrometheusMetricSource> prometheus;
    if (!prometheusUrl.empty()) {
      prometheus.emplace(prometheusOptions(prometheusUrl));
      metrics.setProvider("prometheus", &*prometheus);
    }
    // --alertmanager, else --alarms-dir, else the plan's alertmanager_url (docs/runtime.md).
    std::string alertmanagerUrl = !recorded.alertmanager.empty() ? recorded.alertmanager
                                  : recorded.alarmsDir.empty()   ? plan.alertmanagerUrl.value_or("")
                                                                 : "";
    std::unique_ptr<ExternalAlarmSource> externals;
    if (!alertmanagerUrl.empty())
      externals = std::make_unique<AlertmanagerAlarmSource>(alertmanagerUrl);
    else
      externals = std::make_unique<DirectoryAlarmSource>(recorded.alarmsDir);
    ConsoleSink console(args.output, calendar, clockPrecisionFor(plan));
    auto outbox = std::make_shared<notify::Outbox>();
    std::optional<notify::NotifyingSink> notifying;
    if (notifier) notifying.emplace(plan, *run, console, *notifier, outbox, journal);
    EventSink& sink = notifying ? static_cast<EventSink&>(*notifying) : console;
    Engine engine(plan, journal, clock, deployer, metrics, *externals, sink, options);
    EngineResult result;
    try {
      result = engine.execute(run->id);
    } catch (const JournalError& e) {
      // Stopped while the deployer still owns them: SIGTERM first, as on a stop signal.
      int stopped = stopCommandsInFlight();
      throw JournalError(fmt::format(
          "{}; {}", e.what(),
          stopped == 0 ? "no call was in flight"
                       : fmt::format("stopped {} call{} in flight (SIGTERM)", stopped, stopped == 1 ? "" : "s")));
    }
    int code = exitCodeFor(result.outcome);
    std::vector<std::string> left;
    auto after = journal.run(run->id);
    if (result.outcome == Outcome::RolledBack && after && !after->rollbackAll) left = stillOn(journal, run->version);
    std::string leftText;
    if (!left.empty()) {
      leftText = fmt::format(
          "{} host{} of earlier, completed stages still run{} {}: {}; `piperun rollback --all "
          "--reason TEXT --by WHO` returns them",
          left.size(), left.size() == 1 ? "" : "s", left.size() == 1 ? "s" : "", result.version, fmt::join(left, " "));
      journal.event(run->id, {0, run->id, clock.now(), "still_running", "", "", leftText,
                              ""});  // for `log`: what the rollback left on purpose
    }
    if (args.output.json) {
      llvm::json::Object o{{"type", "outcome"},         {"outcome", outcomeName(result.outcome)},
                           {"version", result.version}, {"stage", result.stage},
                           {"step", result.step},       {"trigger", result.trigger}};
      if (result.outcome == Outcome::RolledBack)
        o["still_on_version"] = llvm::json::Array(llvm::ArrayRef<std::string>(left));
      llvm::outs() << jsonText(llvm::json::Value(std::move(o))) << "\n";
    } else {
      llvm::outs() << printable(
                          fmt::format("outcome: {} {}{}{}", outcomeName(result.outcome), result.version,
                                      result.trigger.empty() && result.message.empty()
                                          ? ""
                                          : fmt::format(" at {} ({})", result.step.empty() ? result.stage : result.step,
                                                        result.trigger.empty() ? result.message : result.trigger),
                                      leftText.empty() ? "" : "; " + leftText))
                   << "\n";
    }
    llvm::outs().flush();
    if (notifier) {
      notifier->finish(*outbox);
      outbox->writeTo(journal);
    }
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

// The latest run of `version`, when it ended rolled back or failed: the
// version is marked failed (runtime.md §2.4).
std::optional<RunRecord> failedRunOf(Journal& journal, const std::string& version) {
  std::optional<RunRecord> latest;
  for (const auto& run : journal.runs())
    if (run.version == version) latest = run;
  if (latest && (latest->status == "rolled_back" || latest->status == "failed")) return latest;
  return std::nullopt;
}

int runCommand(const RunArgs& args) {
  auto plan = readPlanFile(args.plan);
  if (!plan) return fail(llvm::toString(plan.takeError()));
  if (args.emergency && !plan->emergency)
    return fail("--emergency: plan " + plan->pipeline + " has no emergency block (approvers, bake, min_bake)");
  std::string prometheusUrl = !args.prometheus.empty() ? args.prometheus : plan->prometheusUrl.value_or("");
  auto blind = metricsWithoutProvider(*plan, prometheusUrl);
  if (!blind.empty()) {
    llvm::errs() << fmt::format(
        "piperun: no provider for metric{} {}: give --prometheus URL (a run that cannot "
        "read its metrics would wait forever)\n",
        blind.size() == 1 ? "" : "s", fmt::join(blind, ", "));
    return kUsageError;
  }
  auto path = prepareState(args.state, plan->pipeline);
  if (!path) return fail(llvm::toString(path.takeError()));
  auto journal = Journal::open(*path, /*durable=*/true);
  if (!journal) return fail(llvm::toString(journal.takeError()));
  if (auto error = (*journal)->bindPlan(*plan, false)) return fail(llvm::toString(std::move(error)));

  auto active = (*journal)->activeRun();
  bool resuming = active && active->version == args.version;
  auto knownGood = (*journal)->meta("known_good");
  if (knownGood && knownGood->empty()) knownGood.reset();
  if (!resuming) {
    // A version marked failed is deployed again only on purpose, and on the record.
    if (auto failed = failedRunOf(**journal, args.version); failed && !args.retryFailed)
      return fail(printable(fmt::format(
          "{} is marked failed: run #{} {} at {} ({}: {}); to deploy it again anyway: piperun run {} --version {} "
          "--retry-failed --reason TEXT --by WHO",
          args.version, failed->id, failed->status == "rolled_back" ? "was rolled back" : "failed",
          failed->step.empty() ? (failed->stage.empty() ? "its start" : failed->stage) : failed->step,
          failed->trigger.empty() ? "error" : failed->trigger, failed->message, args.plan, args.version)));
    else if (!failed && args.retryFailed)
      return usageError(printable("--retry-failed: " + args.version + " was never marked failed in " + *path));
    if (args.firstDeploy && (knownGood || !args.previous.empty()))
      return usageError(
          printable(fmt::format("--first-deploy: {} records the known-good version {}",
                                knownGood ? *path : "--previous", knownGood ? *knownGood : args.previous)));
    if (!knownGood && args.previous.empty() && !args.firstDeploy && !active)
      return usageError(fmt::format(
          "no known-good version of {} is recorded in {} and no --previous V0 was given: if nothing runs yet, say "
          "so with --first-deploy (a rollback then undeploys: PIPE_VERSION empty)",
          plan->pipeline, *path));
    if (knownGood && *knownGood == args.version && !active)
      llvm::errs()
          << printable(fmt::format(
                 "piperun: {} is already the last known-good version (deployed everywhere): deploying it again",
                 args.version))
          << "\n";
  }

  auto lock = RunnerLock::acquire(*path);
  RunRecord run;
  run.version = args.version;
  run.previous = !args.previous.empty() ? args.previous : knownGood.value_or("");
  run.status = "queued";
  run.emergency = args.emergency;
  run.reason = args.reason;
  run.submittedAt = static_cast<Instant>(std::time(nullptr));
  RunOptions options;
  options.by = !args.by.empty() ? args.by : osUser();
  options.prometheus = args.prometheus;
  options.alarmsDir = args.alarmsDir;
  options.alertmanager = args.alertmanager;
  options.firstDeploy = args.firstDeploy;
  if (args.retryFailed) {
    options.retryReason = args.reason;
    options.retryBy = args.by;
  }
  auto submit = [&] {
    std::int64_t id = 0;
    (*journal)->transaction([&] {
      id = (*journal)->createRun(run);
      saveRunOptions(**journal, id, options);
      // Who asked for it, in the audit trail (separation of duties compares it).
      (*journal)->event(id, {0, id, run.submittedAt, "submitted", "", "",
                             fmt::format("{} submitted by {}{}", run.version, options.by,
                                         run.emergency ? " as an EMERGENCY: " + run.reason : ""),
                             ""});
      if (args.retryFailed)
        (*journal)->event(
            id, {0, id, run.submittedAt, "retry_failed", "", "",
                 fmt::format("{} was marked failed; deployed again by {}: {}", run.version, args.by, args.reason), ""});
    });
    return id;
  };
  if (!lock) {
    std::string held = llvm::toString(lock.takeError());
    if (active && active->version != args.version) {
      // One version in flight per pipeline: the next one waits its turn, and
      // its previous version is decided when it starts.
      run.previous = args.previous;
      submit();
      return fail(
          printable(held + fmt::format("; {} is queued and will start after {} ends", args.version, active->version)));
    }
    return fail(held);
  }
  // `--previous` names the last known-good version (runtime.md §1): recorded,
  // so that `status` and the next run agree with what this run rolls back to.
  if (!args.previous.empty() && !active) (*journal)->setMeta("known_good", args.previous);
  std::int64_t target = 0;
  if (resuming) {
    target = active->id;
    llvm::errs() << printable(fmt::format("piperun: {} is already in flight in {}: resuming it", args.version, *path))
                 << "\n";
  } else {
    if (active)
      llvm::errs() << printable(fmt::format("piperun: {} is in flight (interrupted): finishing it before {}",
                                            active->version, args.version))
                   << "\n";
    target = submit();
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
