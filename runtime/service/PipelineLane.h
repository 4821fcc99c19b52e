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
#include <vector>

namespace pipelang::runtime::service {

// What every lane of a service shares; owned by the Service.
struct LaneParts {
  Clock& clock;
  std::function<MetricSource&(const Plan&)> metricsFor;  // the plan's Prometheus, or serve's --prometheus
  // The plan's Alertmanager (alertmanager_url), or serve's --alertmanager / --alarms-dir.
  std::function<ExternalAlarmSource&(const Plan&)> externalsFor;
  ReadPool& reads;
  EventSink& sink;
  bool prometheusGiven = false;  // serve's --prometheus: every plan can read Prometheus
  // Told of each run the lane starts or resumes, so that a read's end (tagged
  // with its run id) finds its lane at once.
  std::function<void(std::int64_t runId)> runStarted = nullptr;
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

  // Drops every run in flight without writing anything, stopping their calls
  // (their process groups are killed): another instance owns the pipeline now.
  void dropRuns() {
    slots_.clear();
    ended_.clear();
  }

  // One pass over the runs that are due (all when `all`): never waits; O(1)
  // when nothing of the lane is due (its wake-up and business are kept from
  // the last pass, and every input marks it). Called
  // inside the service's group transaction: the calls it starts stay held at
  // their gate, and the runs that ended stay alive, until release().
  void advance(Instant now, bool all);
  // After the group's commit: lets the calls the passes started run, and drops
  // the runs that ended (their deployers own the held calls until then).
  void release();
  void readDone(std::int64_t runId);  // a metric read of that run ended
  bool owns(std::int64_t runId) const { return slots_.count(runId) != 0; }
  // The earliest wake-up of its runs (now when an input waits), as of the last pass.
  std::optional<Instant> nextWake() const;
  bool busy() const { return busy_; }  // calls running at the last pass: poll them soon
  bool idle() const { return slots_.empty(); }

  // The API's views (shapes in ServiceApi.h); `current`: the pipeline's plan now (may be null).
  llvm::json::Object summary(const Plan* current);
  llvm::json::Object detail(const Plan* current, Instant now);
  // Notification delivery attempts of every run of the pipeline with id > afterId, oldest first, at most
  // `limit` (shape in ServiceApi.h, docs/runtime.md "Notifications").
  llvm::json::Array notificationsAfter(std::int64_t afterId, int limit);
  // One run's timeline (shape in ServiceApi.h); `planFor(digest)`: the plan a
  // run started with, for its clock's zone and precision (null: UTC, minutes).
  ApiOutcome timeline(const TimelineRequest& request,
                      const std::function<std::shared_ptr<const Plan>(const std::string& digest)>& planFor);

 private:
  struct Slot {
    std::shared_ptr<const Plan> plan;
    std::unique_ptr<ExecDeployer> deployer;
    std::unique_ptr<notify::NotifyingSink> notifying;  // when the plan has `notify` targets; outlives the engine
    std::unique_ptr<Engine> engine;
    bool dirty = true;
    Instant lastPass = 0;
  };
  bool due(Instant now);
  void remember();  // wake_ and busy_ from the runs, after a pass
  void start(const RunRecord& run, std::shared_ptr<const Plan> plan);
  std::optional<std::string> admission(std::int64_t runId, const std::string& stage) const;
  std::vector<std::int64_t> supersedeWaiting(const std::string& by, Instant now);
  Slot* slotFor(const std::string& version);
  // A new submission's previous version: the newest version in flight that
  // is still going forwards (queued or running), else `knownGood` ("" when
  // none: a rollback undeploys).
  std::string previousFor(const std::string& knownGood) const;
  ApiOutcome record(Slot& slot, RequestRecord request);
  llvm::json::Object versionJson(const Slot& slot, Instant now) const;

  std::string name_;
  Journal& journal_;
  LaneParts parts_;
  std::map<std::int64_t, Slot> slots_;  // by run id: submission order
  std::vector<Slot> ended_;             // runs that ended this pass, until release()
  bool inputs_ = false;                 // a run was started, or got a request or a read
  std::optional<Instant> wake_;         // the runs' earliest wake-up at the last pass
  bool busy_ = false;                   // some run had calls running at the last pass
  // Notification attempts of every run of the lane, journalled each pass (also after the run ended).
  std::shared_ptr<notify::Outbox> outbox_ = std::make_shared<notify::Outbox>();
};

// RFC 3339 UTC ("2026-11-30T04:20:00Z") for the API.
std::string rfc3339(Instant t);
ApiOutcome apiError(int status, const std::string& message);

}  // namespace pipelang::runtime::service
