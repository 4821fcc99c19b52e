// `piperun serve`'s core (docs/service.md): every pipeline of the plans
// folder, each a PipelineLane, driven by one loop thread that never waits on
// a deploy call or a metric read (calls are polled, reads run on a ReadPool).
// The HTTP threads call the ServiceApi methods; they and the loop share one
// lock, held only for passes that do not wait.
#pragma once

#include "runtime/clock/Clock.h"
#include "runtime/journal/Relay.h"
#include "runtime/journal/ServiceStore.h"
#include "runtime/metrics/AlertmanagerAlarmSource.h"
#include "runtime/metrics/CommandMetricSource.h"
#include "runtime/metrics/PrometheusMetricSource.h"
#include "runtime/metrics/ReadPool.h"
#include "runtime/service/Ownership.h"
#include "runtime/service/PipelineLane.h"
#include "runtime/service/PlanCatalog.h"
#include "runtime/service/ServiceApi.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

namespace pipelang::runtime::service {

struct ServiceOptions {
  std::string plansDir;
  std::string prometheus;    // overrides every plan's prometheus_url when set
  std::string alarmsDir;     // external alarms (NAME holds ALARM or OK); empty: every external alarm is unknown
  std::string alertmanager;  // external alarms from Alertmanager instead (AlertmanagerAlarmSource)
  int readThreads = 32;      // metric reads at once, across pipelines
  // Several instances on one PostgreSQL store: this instance's leases (null:
  // the only instance, it acts on every pipeline) and their lease time, s.
  LeaseStore* leases = nullptr;
  int leaseSeconds = 10;
  // With leases: requests for a pipeline another instance runs are relayed
  // to it through the store (null: answered 503).
  RequestRelay* relay = nullptr;
};

class Service final : public ServiceApi, private EventSink {
 public:
  Service(ServiceStore& store, ServiceOptions options);
  ~Service() override;

  // Loads the plans, resumes every run in flight, starts the loop. Errors:
  // the plans folder cannot be read. Plans that fail to load are reported on
  // stderr and skipped.
  llvm::Error start();
  // Stops the loop (calls in flight are left to the stop signal's handling).
  void stop();

  ApiOutcome pipelines() override;
  ApiOutcome pipeline(const std::string& name) override;
  ApiOutcome log(const std::string& name, std::int64_t afterId, int limit, std::int64_t notificationsAfter) override;
  ApiOutcome timeline(const TimelineRequest& request) override;
  ApiOutcome events(std::int64_t afterId, const std::string& pipeline, int limit) override;
  bool waitForEvent(std::int64_t afterId, std::chrono::milliseconds wait) override;
  ApiOutcome submit(const SubmitRequest& request, const Caller& caller) override;
  ApiOutcome approve(const ApproveRequest& request, const Caller& caller) override;
  ApiOutcome override(const OverrideRequest& request, const Caller& caller) override;
  ApiOutcome rollback(const RollbackRequest& request, const Caller& caller) override;

 private:
  void onEvent(const EngineEvent& event) override;

 public:
  // PgListener's callback (any thread): a request was relayed to `pipeline`.
  void relayAnnounced(const std::string& pipeline);

 private:
  void loop();
  // Under mutex_: the lanes of the runs whose metric reads ended since the last call, each marked to pass.
  std::vector<PipelineLane*> lanesWithReadsDone();
  void reloadPlans();  // under mutex_
  // Reports refused and removed plan files, keeps each new plan in the store
  // and gives its pipeline a lane; under mutex_.
  void applyPlanChanges(const std::vector<PlanCatalog::Change>& changes);
  PipelineLane& lane(const std::string& name);  // under mutex_
  PipelineLane* findLane(const std::string& name);
  MetricSource& metricsFor(const Plan& plan);
  std::shared_ptr<const Plan> storedPlan(const std::string& digest);  // under mutex_
  // Several instances (ServiceOptions::leases), under mutex_: claims, renews
  // and loses pipelines; a pipeline gained resumes once no call of its
  // previous owner may still run (LeftoverCalls.h); one lost stops its calls.
  void takeTurns();
  void loseLane(const std::string& name, const std::string& why);
  bool acts(const std::string& name) const;  // this instance advances that pipeline now
  std::optional<ApiOutcome> notHere(const std::string& name) const;
  // A request no lane here may take, relayed to the instance that runs the
  // pipeline: waits (without the lock) up to 10 s for its answer.
  ApiOutcome relayed(std::unique_lock<std::mutex>& lock, const std::string& pipeline, const std::string& kind,
                     const std::string& body, const Caller& caller);
  void serveRelayed();  // under mutex_: applies what other instances relayed here
  ApiOutcome applyRelayed(const RelayedRequest& request);
  ApiOutcome submitHere(const SubmitRequest& request, const Caller& caller);  // under mutex_
  // A request of the loop's thread or a relay: woken at once (LISTEN/NOTIFY).
  void heardRelay();
  ExternalAlarmSource& externalsFor(const Plan& plan);
  void publishEvents();  // under mutex_: wakes the event streams
  template <typename Request>
  ApiOutcome onLane(const Request& request, const std::function<ApiOutcome(PipelineLane&, const Request&)>& handle,
                    const Caller& caller, const char* kind);
  template <typename Request>
  ApiOutcome onLaneHere(const Request& request,
                        const std::function<ApiOutcome(PipelineLane&, const Request&)>& handle);  // under mutex_

  ServiceStore& store_;
  ServiceOptions options_;
  RealClock clock_;
  PlanCatalog catalog_;
  CommandMetricSource commandMetrics_;
  std::unique_ptr<ExternalAlarmSource> externals_;
  std::map<std::string, std::unique_ptr<AlertmanagerAlarmSource>> alertmanagers_;  // plans' alertmanager_url, by URL
  std::map<std::string, std::unique_ptr<PrometheusMetricSource>> prometheus_;      // by URL
  std::map<std::string, std::unique_ptr<MetricRouter>> routers_;                   // by URL ("" none)
  std::unique_ptr<ReadPool> reads_;
  notify::Notifier notifier_;  // before the lanes: their sinks use it until they are gone
  std::map<std::string, std::unique_ptr<PipelineLane>> lanes_;
  std::unordered_map<std::int64_t, PipelineLane*> runLanes_;  // run id → its lane, for reads that end
  std::unique_ptr<Ownership> ownership_;                      // with ServiceOptions::leases
  std::set<std::string> toResume_;                            // gained, waiting for the previous owner's calls
  std::set<std::string> waitAnnounced_;                       // of toResume_: the wait was said
  bool relayHeard_ = false;                                   // under readsMutex_: a request was relayed here
  Instant lastRelayLook_ = 0;

  std::mutex mutex_;  // everything above, for the loop and the API threads
  std::condition_variable wake_;
  bool stopping_ = false;
  bool kicked_ = false;
  bool eventsPending_ = false;
  std::mutex readsMutex_;             // taken by the read threads, never while mutex_ waits
  std::set<std::int64_t> readsDone_;  // run ids whose reads ended, under readsMutex_
  // Lanes whose reads ended, passed first in the loop's next groups (a lane
  // can be listed twice; a pass with nothing due costs nothing). Loop thread only.
  std::deque<PipelineLane*> readyLanes_;
  Instant lastReload_ = 0;
  std::thread loop_;

  std::mutex eventMutex_;
  std::condition_variable eventArrived_;
  std::int64_t lastEventId_ = 0;
};

}  // namespace pipelang::runtime::service
