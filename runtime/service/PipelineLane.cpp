#include "runtime/service/PipelineLane.h"

#include "runtime/deploy/CallRecorder.h"
#include "runtime/deploy/LeftoverCalls.h"
#include "runtime/plan/OperatorHints.h"
#include "runtime/service/PipeliningRules.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>
#include <llvm/Support/raw_ostream.h>

namespace pipelang::runtime::service {

ApiOutcome apiError(int status, const std::string& message) {
  return {status, llvm::json::Object{{"error", printable(message)}}};
}

PipelineLane::PipelineLane(std::string name, Journal& journal, LaneParts parts)
    : name_(std::move(name)), journal_(journal), parts_(parts) {}

PipelineLane::~PipelineLane() = default;

void PipelineLane::start(const RunRecord& run, std::shared_ptr<const Plan> plan) {
  Slot slot;
  slot.plan = std::move(plan);
  slot.deployer = std::make_unique<ExecDeployer>();
  slot.deployer->setRecorder(journalRecorder(journal_, run.id, parts_.clock));
  slot.deployer->holdGates(true);
  slot.deployer->dieWithRunner(true);  // a killed service leaves no call behind (docs/service.md)
  EngineOptions options;
  options.giveUpAfterS = 1 << 30;  // a service waits as long as it takes
  options.readPool = &parts_.reads;
  options.readTag = run.id;
  std::int64_t runId = run.id;
  options.admission = [this, runId](const std::string& stage) { return admission(runId, stage); };
  EventSink* sink = &parts_.sink;
  if (parts_.notifier && !slot.plan->notify.empty()) {
    slot.notifying =
        std::make_unique<notify::NotifyingSink>(*slot.plan, run, parts_.sink, *parts_.notifier, outbox_, journal_);
    sink = slot.notifying.get();
  }
  slot.engine =
      std::make_unique<Engine>(*slot.plan, journal_, parts_.clock, *slot.deployer, parts_.metricsFor(*slot.plan),
                               parts_.externalsFor(*slot.plan), *sink, options);
  auto [it, inserted] = slots_.emplace(run.id, std::move(slot));
  inputs_ = true;
  if (parts_.runStarted) parts_.runStarted(run.id);
  Slot& started = it->second;
  journal_.transaction([&] { started.engine->begin(run.id); });
  started.deployer->openGates();
}

void PipelineLane::resume(const std::function<std::shared_ptr<const Plan>(const std::string&)>& planFor) {
  for (const auto& run : journal_.runs()) {
    if (run.status != "queued" && run.status != "running" && run.status != "rolling_back") continue;
    auto plan = planFor(run.planDigest);
    if (!plan) {
      RunRecord failed = run;
      failed.status = "failed";
      failed.finishedAt = parts_.clock.now();
      failed.message = "the plan it started with (" + run.planDigest + ") is not in the store any more";
      journal_.transaction([&] {
        journal_.updateRun(failed);
        journal_.event(run.id, {0, run.id, failed.finishedAt, "failed", "", "", failed.message, ""});
      });
      continue;
    }
    // Never two calls for one step: what the dead service left running ends first.
    settleLeftoverCalls(journal_, run.id, [this](const std::string& message) {
      llvm::errs() << "piperun serve: " << name_ << ": " << printable(message) << "\n";
    });
    start(run, std::move(plan));
  }
}

std::optional<std::string> PipelineLane::admission(std::int64_t runId, const std::string& stage) const {
  for (const auto& [id, slot] : slots_) {
    if (id >= runId) break;
    if (auto why = olderHoldsStage(*slot.engine, stage)) return why;
  }
  return std::nullopt;
}

std::vector<std::int64_t> PipelineLane::supersedeWaiting(const std::string& by, Instant now) {
  std::vector<std::int64_t> superseded;
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (enteredFirstStage(it->second.engine->view())) {
      ++it;
      continue;
    }
    RunRecord run = it->second.engine->run();
    run.status = "superseded";
    run.finishedAt = now;
    run.message = "superseded by " + by + " before it entered its first stage";
    journal_.transaction([&] {
      journal_.updateRun(run);
      journal_.event(run.id, {0, run.id, now, "superseded", "", "", run.message, ""});
    });
    parts_.sink.onEvent({now, "superseded", "", "", run.message, {}});
    superseded.push_back(run.id);
    it = slots_.erase(it);
  }
  return superseded;
}

ApiOutcome PipelineLane::submit(const SubmitRequest& request, const Caller& caller, std::shared_ptr<const Plan> plan) {
  const std::string& version = request.version;
  if (version.empty() || version.size() > 128 || hasControl(version))
    return apiError(400, "version must be 1 to 128 characters without control characters");
  for (const auto& [id, slot] : slots_)
    if (slot.engine->run().version == version)
      return apiError(409, fmt::format("{} {} is already in flight (run #{})", name_, version, id));
  std::optional<RunRecord> latestOfVersion;
  bool anyDeployed = false;
  for (const auto& run : journal_.runs()) {
    if (run.version == version) latestOfVersion = run;
    anyDeployed = anyDeployed || run.status == "deployed";
  }
  bool failed = latestOfVersion && (latestOfVersion->status == "rolled_back" || latestOfVersion->status == "failed");
  if (failed && !request.retryFailed)
    return apiError(
        409, fmt::format("{} {} was {} (run #{}{}); submit it again with retry_failed and a reason", name_, version,
                         latestOfVersion->status == "failed" ? "marked failed" : "rolled back", latestOfVersion->id,
                         latestOfVersion->trigger.empty() ? "" : ", " + latestOfVersion->trigger));
  if (request.retryFailed && request.reason.empty()) return apiError(400, "retry_failed needs a reason");
  std::string knownGood = journal_.meta("known_good").value_or("");
  if (knownGood.empty() && !anyDeployed && slots_.empty() && !request.firstDeploy)
    return apiError(409, fmt::format("{} has no known-good version yet: submit with first_deploy if nothing runs "
                                     "it (a rollback then undeploys)",
                                     name_));
  for (const auto& [metricName, metric] : plan->metrics)
    if (metric.source == "prometheus" && !plan->prometheusUrl && !parts_.prometheusGiven)
      return apiError(409, fmt::format("{} reads metric {} from Prometheus, but its plan has no prometheus_url and "
                                       "the service no --prometheus",
                                       name_, metricName));

  Instant now = parts_.clock.now();
  std::vector<std::int64_t> superseded;
  if (supersedesWaiting(*plan)) superseded = supersedeWaiting(version, now);
  RunRecord run;
  run.version = version;
  run.previous = previousFor(knownGood);
  run.status = "queued";
  run.submittedAt = now;
  run.planDigest = plan->digest;
  run.submittedBy = caller.name;
  run.reason = request.reason;
  run.id = journal_.createRun(run);
  if (failed)
    journal_.event(run.id, {0, run.id, now, "retry", "", "",
                            fmt::format("{} retried by {}: {}", version, caller.name, request.reason), ""});
  start(run, std::move(plan));
  llvm::json::Array supersededIds;
  for (auto id : superseded) supersededIds.push_back(id);
  return {202, llvm::json::Object{{"run_id", run.id},
                                  {"version", version},
                                  {"status", slots_.count(run.id) ? slots_.at(run.id).engine->run().status : "queued"},
                                  {"superseded", std::move(supersededIds)}}};
}

std::string PipelineLane::previousFor(const std::string& knownGood) const {
  // Versions never overtake: the newest version still going forwards is what
  // every host this one reaches will run first (runtime.md "Lineage").
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
    const std::string& status = it->second.engine->run().status;
    if (status == "queued" || status == "running") return it->second.engine->run().version;
  }
  return knownGood;
}

PipelineLane::Slot* PipelineLane::slotFor(const std::string& version) {
  for (auto& [id, slot] : slots_)
    if (slot.engine->run().version == version) return &slot;
  return nullptr;
}

ApiOutcome PipelineLane::record(Slot& slot, RequestRecord request) {
  request.runId = slot.engine->runId();
  request.t = parts_.clock.now();
  std::int64_t id = journal_.addRequest(request);
  slot.dirty = true;
  inputs_ = true;
  return {202,
          llvm::json::Object{{"request_id", id}, {"run_id", request.runId}, {"version", slot.engine->run().version}}};
}

ApiOutcome PipelineLane::approve(const ApproveRequest& request, const Caller& caller) {
  Slot* target = nullptr;
  if (!request.version.empty()) {
    target = slotFor(request.version);
    if (!target) return apiError(404, fmt::format("{} {} is not in flight", name_, request.version));
  } else {
    for (auto& [id, slot] : slots_) {
      EngineView view = slot.engine->view();
      bool waits = view.waitingForApproval;
      for (const auto& stage : view.stages) waits = waits || stage.waitingFor == "approval";
      if (waits) {
        target = &slot;
        break;
      }
    }
    if (!target) return apiError(409, fmt::format("nothing of {} waits for an approval", name_));
  }
  if (target->engine->run().submittedBy == caller.name)
    return apiError(409, fmt::format("{} submitted {}; separation of duties: someone else must approve it", caller.name,
                                     target->engine->run().version));
  return record(*target, {0, 0, "approve", "", "", caller.name, request.stage, 0});
}

ApiOutcome PipelineLane::override(const OverrideRequest& request, const Caller& caller) {
  Slot* target = nullptr;
  std::string stage = request.stage;
  if (!request.version.empty()) {
    target = slotFor(request.version);
    if (!target) return apiError(404, fmt::format("{} {} is not in flight", name_, request.version));
  }
  for (auto& [id, slot] : slots_) {
    if (target && &slot != target) continue;
    for (const auto& view : slot.engine->view().stages)
      if (view.state == "waiting" && stage.empty()) {
        stage = view.id;
        target = &slot;
      }
    if (target) break;
  }
  if (!target) return apiError(409, fmt::format("no version of {} waits at a gate", name_));
  auto blocker = resolveBlocker(*target->plan, request.target);
  if (!blocker)
    return apiError(400, fmt::format("{} is not a blocker of {}; it can override: {}", request.target, name_,
                                     fmt::join(overridableNames(*target->plan), ", ")));
  return record(*target, {0, 0, "override", *blocker, request.reason, caller.name, stage, 0});
}

ApiOutcome PipelineLane::rollback(const RollbackRequest& request, const Caller& caller) {
  Slot* target = nullptr;
  if (!request.version.empty()) {
    target = slotFor(request.version);
    if (!target) return apiError(404, fmt::format("{} {} is not in flight", name_, request.version));
  } else if (!slots_.empty()) {
    target = &slots_.rbegin()->second;  // the newest version in flight
  }
  if (!target) return apiError(409, fmt::format("nothing of {} is in flight", name_));
  return record(*target, {0, 0, "rollback", request.all ? "all" : "", request.reason, caller.name, "", 0});
}

void PipelineLane::readDone(std::int64_t runId) {
  if (auto it = slots_.find(runId); it != slots_.end()) {
    it->second.dirty = true;
    inputs_ = true;
  }
}

bool PipelineLane::due(Instant now) {
  if (inputs_ || !outbox_->empty() || (wake_ && *wake_ <= now)) return true;
  if (!busy_) return false;
  for (auto& [id, slot] : slots_)
    if (slot.deployer->anyEnded()) return true;
  return false;
}

void PipelineLane::advance(Instant now, bool all) {
  if (!all && !due(now)) return;
  inputs_ = false;
  outbox_->writeTo(journal_);  // attempts that ended since the last pass, of runs in flight or over
  // A run that changes stage may open another's admission gate: go round
  // until no run is left dirty (each pass of a run is one bounded step).
  for (int round = 0; round < 8; ++round) {
    bool changed = false;
    for (auto it = slots_.begin(); it != slots_.end();) {
      Slot& slot = it->second;
      // No wake-up asked for: the run waits for an input (a request, a read);
      // a pass a second is the fallback, as Engine::advance asks.
      Instant wake = slot.engine->nextWake().value_or(slot.lastPass + 1);
      bool due = all || slot.dirty || wake <= now || slot.deployer->anyEnded();
      if (!due) {
        ++it;
        continue;
      }
      slot.dirty = false;
      slot.lastPass = now;
      std::string before = slot.engine->stageSignature();
      // Atomic per pass of a run; durable with the service's group commit,
      // after which release() lets the calls the pass started run.
      std::optional<EngineResult> result;
      journal_.transaction([&] { result = slot.engine->advance(); });
      if (result) {
        ended_.push_back(std::move(slot));
        it = slots_.erase(it);
        changed = true;
        continue;
      }
      changed = changed || before != slot.engine->stageSignature();
      ++it;
    }
    all = false;
    if (!changed) break;
    for (auto& [id, slot] : slots_) slot.dirty = true;
  }
  remember();
}

void PipelineLane::remember() {
  wake_.reset();
  busy_ = false;
  for (const auto& [id, slot] : slots_) {
    Instant t = slot.dirty ? slot.lastPass : slot.engine->nextWake().value_or(slot.lastPass + 1);
    if (!wake_ || t < *wake_) wake_ = t;
    busy_ = busy_ || slot.engine->busy();
  }
}

void PipelineLane::release() {
  for (auto& [id, slot] : slots_) slot.deployer->openGates();
  for (auto& slot : ended_) slot.deployer->openGates();
  ended_.clear();
}

std::optional<Instant> PipelineLane::nextWake() const {
  std::optional<Instant> earliest = inputs_ ? std::optional<Instant>(parts_.clock.now()) : wake_;
  // Deliveries still going on: their attempts are journalled within a second.
  if (outbox_->pending() > 0 || !outbox_->empty()) {
    Instant soon = parts_.clock.now() + 1;
    if (!earliest || soon < *earliest) earliest = soon;
  }
  return earliest;
}

}  // namespace pipelang::runtime::service
