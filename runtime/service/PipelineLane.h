// One pipeline of `piperun serve` (docs/service.md "Versions flow through
// stages"): its versions in flight, each a run driven by its own Engine, with
// the pipelining rules between them:
// - a stage holds at most one version; a version enters a stage only once
//   every older version in flight has passed it (its bake done), so versions
//   never overtake one another (the engine's admission gate);
// - superseded mode (the default): a new version replaces every version still
//   waiting to enter the first stage; queued mode: they all run, in order;
// - a rollback returns each host to what it ran before that version (the
//   engine's per-host targets), so an older version further ahead goes on.
// Requests (submit, approve, override, rollback) are checked here and
// journalled for the run they concern; the engine applies them.
#pragma once

#include "runtime/clock/Clock.h"
#include "runtime/deploy/ExecDeployer.h"
#include "runtime/engine/Engine.h"
#include "runtime/journal/Journal.h"
#include "runtime/metrics/ReadPool.h"
#include "runtime/notify/NotifyingSink.h"
#include "runtime/service/ServiceApi.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace pipelang::runtime::service {

// What every lane of a service shares; owned by the Service.
struct LaneParts {
  Clock& clock;
  std::function<MetricSource&(const Plan&)> metricsFor;  // the plan's Prometheus, or serve's --prometheus
  ExternalAlarmSource& externals;
  ReadPool& reads;
  EventSink& sink;
  bool prometheusGiven = false;          // serve's --prometheus: every plan can read Prometheus
  notify::Notifier* notifier = nullptr;  // delivers the plans' `notify` targets (none: nothing is sent)
};

class PipelineLane {
 public:
  PipelineLane(std::string name, Journal& journal, LaneParts parts);
  ~PipelineLane();
  PipelineLane(const PipelineLane&) = delete;
  PipelineLane& operator=(const PipelineLane&) = delete;

  const std::string& name() const { return name_; }
  Journal& journal() { return journal_; }

  // Takes up every run the journal has in flight (after a restart), each with
  // the plan it started with; `planFor(digest)` null marks the run failed.
  // Calls a dead service left running are waited for or stopped first.
  void resume(const std::function<std::shared_ptr<const Plan>(const std::string& digest)>& planFor);

  // 202, or 409 (a version in flight already, a failed one without
  // retry_failed, a first deployment without first_deploy, a plan whose
  // metrics no provider can read) with one sentence saying why.
  ApiOutcome submit(const SubmitRequest& request, const Caller& caller, std::shared_ptr<const Plan> plan);
  ApiOutcome approve(const ApproveRequest& request, const Caller& caller);
  ApiOutcome override(const OverrideRequest& request, const Caller& caller);
  ApiOutcome rollback(const RollbackRequest& request, const Caller& caller);

  // One pass over the runs that are due (all when `all`): never waits.
  void advance(Instant now, bool all);
  void readDone(std::int64_t runId);  // a metric read of that run ended
  bool owns(std::int64_t runId) const { return slots_.count(runId) != 0; }
  std::optional<Instant> nextWake() const;
  bool busy() const;  // calls running: poll them soon
  bool idle() const { return slots_.empty(); }

  // The API's views (shapes in ServiceApi.h); `current`: the pipeline's plan now (may be null).
  llvm::json::Object summary(const Plan* current);
  llvm::json::Object detail(const Plan* current, Instant now);

 private:
  struct Slot {
    std::shared_ptr<const Plan> plan;
    std::unique_ptr<ExecDeployer> deployer;
    std::unique_ptr<notify::NotifyingSink> notifying;  // when the plan has `notify` targets; outlives the engine
    std::unique_ptr<Engine> engine;
    bool dirty = true;
  };
  void start(const RunRecord& run, std::shared_ptr<const Plan> plan);
  std::optional<std::string> admission(std::int64_t runId, const std::string& stage) const;
  std::vector<std::int64_t> supersedeWaiting(const std::string& by, Instant now);
  Slot* slotFor(const std::string& version);
  ApiOutcome record(Slot& slot, RequestRecord request);
  llvm::json::Object versionJson(const Slot& slot, Instant now) const;

  std::string name_;
  Journal& journal_;
  LaneParts parts_;
  std::map<std::int64_t, Slot> slots_;  // by run id: submission order
  // Notification attempts of every run of the lane, journalled each pass (also after the run ended).
  std::shared_ptr<notify::Outbox> outbox_ = std::make_shared<notify::Outbox>();
};

// RFC 3339 UTC ("2026-11-30T04:20:00Z") for the API.
std::string rfc3339(Instant t);
ApiOutcome apiError(int status, const std::string& message);

}  // namespace pipelang::runtime::service
