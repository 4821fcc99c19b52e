// The deployment state machine (runtime.md §2): stage gates, steps in DAG order,
// bakes, alarm watching per scope, rollback. The same engine runs for real
// (`run`, `resume`) and on a virtual clock (`simulate`, tests); everything it
// does goes through the journal first.
#pragma once

#include "runtime/alarm/AlarmEvaluator.h"
#include "runtime/clock/Clock.h"
#include "runtime/deploy/Deployer.h"
#include "runtime/engine/EventDetail.h"
#include "runtime/engine/FleetModel.h"
#include "runtime/engine/WaitNotice.h"
#include "runtime/journal/Journal.h"
#include "runtime/metrics/MetricSource.h"
#include "runtime/plan/Plan.h"

#include <llvm/Support/JSON.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pipelang::runtime {

enum class Outcome { Deployed, RolledBack, Blocked, Failed };
const char* outcomeName(Outcome outcome);

struct EngineEvent {
  Instant t = 0;
  std::string type, stage, step, message;
  EventDetail detail;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void onEvent(const EngineEvent& event) = 0;
  // The engine hands each event over with this: a sink that keeps events
  // (the simulation's) takes it without copying its detail; others see onEvent.
  virtual void takeEvent(EngineEvent&& event) { onEvent(event); }
  // Real runs only, about once per loop: "wave1  wave1/bake  bake 3h12m left".
  virtual void onProgress(const std::string&) {}
  // Whether onProgress is shown at all: the line is not built for a sink that drops it.
  virtual bool wantsProgress() const { return false; }
  // Real runs: every pass, at its end, with the engine's `now` (seconds), so a
  // sink can act on what falls due with time (a `notify` target's `blocked`).
  virtual void onPass(Instant /*now*/) {}
  // Real runs: when the sink wants the next pass at the latest (a `notify`
  // target's `blocked` falling due); none by default.
  virtual std::optional<Instant> nextWake() const { return std::nullopt; }
};

struct EngineOptions {
  // Blocked for this long (nothing running, a gate closed) ends a simulation.
  int giveUpAfterS = 30 * 86400;
  // `run --until-blocked`: stop (exit 4) as soon as a stage has to wait.
  bool untilBlocked = false;
  // Journal every datapoint (real runs); a simulation keeps breaches and decisions only.
  bool recordEveryEvaluation = true;
  int trafficPeriodS = 60;
  // `piperun serve`: metric reads run here, off the engine's pass (AlarmEvaluator::setReadPool).
  ReadPool* readPool = nullptr;
  std::int64_t readTag = 0;  // passed back by the pool when a read of this run ends
  // Approvals, overrides and rollbacks that arrive at given instants (simulation).
  std::vector<RequestRecord> scheduledRequests;
  // Pipelining (`piperun serve`): asked before a stage may start; a reason
  // ("v2 is still in gamma") keeps the gate closed with trigger
  // "previous_version", so a stage holds one version and none overtakes.
  std::function<std::optional<std::string>(const std::string& stage)> admission;
  // A model of this plan's hosts to use instead of building one (the
  // simulated fleet's); it must outlive the engine.
  const FleetModel* fleet = nullptr;
};

struct EngineResult {
  Outcome outcome = Outcome::Failed;
  std::string version, stage, step, trigger, message;
  Instant startedAt = 0, finishedAt = 0;
  std::int64_t detectS = 0, recoveryS = 0;
  double maxGlobalExposure = 0;
};

// Where a run is, for `piperun serve`'s API (runtime/service/).
struct EngineView {
  struct StageView {
    std::string id;
    std::string state;            // idle waiting active done
    std::string waitingFor, why;  // a closed gate: its trigger ("window", a blocker, "previous_version") and why
  };
  struct BakeView {
    std::string step;
    int requiredS = 0, elapsedS = 0;  // seconds
    std::string extended;             // a bake past its time: what it waits for
  };
  std::vector<StageView> stages;  // plan order
  std::vector<BakeView> bakes;    // bakes running now
  std::vector<std::string> runningSteps;
  bool rollingBack = false;
  bool waitingForApproval = false;
};

class Engine {
 public:
  Engine(const Plan& plan, Journal& journal, Clock& clock, Deployer& deployer, MetricSource& metrics,
         ExternalAlarmSource& externals, EventSink& sink, EngineOptions options = {});

  // Drives the run recorded in the journal (created by `run`, or resumed) to an
  // end, waiting on the clock between passes: `run`, `resume`, `simulate`.
  EngineResult execute(std::int64_t runId);

  // The same run driven from outside (`piperun serve`): begin() loads it once,
  // then each advance() is one pass over its inputs (requests, ended calls,
  // due datapoints, bake time, gates) that never waits, and returns the
  // outcome once the run has ended. Call it again at nextWake(), sooner when
  // an input arrives, and within a second while busy() (calls to reap).
  void begin(std::int64_t runId);
  std::optional<EngineResult> advance();
  std::optional<Instant> nextWake() const { return wake_; }
  bool busy() const;
  std::int64_t runId() const { return run_.id; }
  EngineView view() const;
  // One letter per stage (its state), cheap to compare: a lane uses it to see
  // that a pass moved the run between stages.
  std::string stageSignature() const;
  // Whether this run has a stage `id` it has not passed yet (its bake not
  // done): the admission rule of a newer version of the same pipeline. False
  // for a stage its plan does not have.
  bool holdsStage(const std::string& id) const;
  const RunRecord& run() const { return run_; }

 private:
  enum class StepState { Pending, Running, Done, Failed };
  enum class Phase { None, Deploy, Bake, Test, Approval };
  struct StepRuntime {
    const Step* step = nullptr;
    StepState state = StepState::Pending;
    Phase phase = Phase::None;
    int handle = -1;
    Instant startedAt = 0;
    BakeRecord bake;
    int persistedElapsedS = 0;
    Instant lastTick = 0, nextTrafficSample = 0;
    WaitNotice extension;         // a bake whose time has passed, waiting for min_traffic or datapoints
    Instant quietUntil = -1;      // a bake past its time waits quietly for a read out until then; -1: not yet
    double lastTrafficGain = -1;  // the last min_traffic sample's sum; -1: incomplete or none
    std::vector<std::shared_ptr<PendingRead>> trafficReads;  // asynchronous min_traffic reads in flight
  };
  enum class StageState { NotReady, Gating, Active, Done };
  struct StageRuntime {
    const Stage* stage = nullptr;
    StageState state = StageState::NotReady;
    std::string waitingWhy, waitingTrigger;
    WaitNotice notice;
    std::set<std::string> overrides;  // "window" or blocker names
    bool approved = false;
  };
  struct HostState {
    std::string version, pending;
  };
  struct RollbackZone {
    std::string fleet, region, zone;
    std::string target;    // the version these hosts ran before this run (runtime.md "Pipelining")
    bool traffic = false;  // a region's canary traffic share, not hosts: one call with PIPE_TRAFFIC=1
    std::vector<std::vector<std::string>> batches;
    size_t next = 0;
    int handle = -1, attempts = 0;
    std::string stepId;
  };
  struct GateResult {
    bool open = false;
    std::string why;
    std::string trigger;  // what it waits for: "window", "approval", a blocker's name, "no_data"
    std::optional<Instant> wake;
  };

  // The loop (Engine.cpp).
  // One pass; sets `rollbackStarted` when a rollback began and should send its batches at once.
  std::optional<EngineResult> pass(bool& rollbackStarted);
  void load(Instant now);
  // The earliest instant since which the run waits (a gate, an approval, an extended bake); -1 when none.
  Instant waitStart() const;
  EngineResult finish(Outcome outcome, Instant now, const std::string& message);
  void emit(Instant t, const std::string& type, const std::string& stage, const std::string& step,
            const std::string& message, EventDetail detail = {});
  void wakeAt(std::optional<Instant> t);
  StageRuntime* activeStage();
  std::string progressText() const;

  // Stage gates and operator requests (EngineGates.cpp).
  void consumeRequests(Instant now);
  void startReadySteps(Instant now);
  GateResult gate(StageRuntime& stage, Instant now);

  // Steps (EngineSteps.cpp).
  void startStep(StepRuntime& step, Instant now);
  void pollDeploys(Instant now);
  void finishStep(StepRuntime& step, Instant now, const std::string& result);
  DeployCall callFor(const Step& step, const std::string& action, const std::string& version,
                     const std::string& previous) const;

  // Bakes (EngineBakes.cpp).
  void advanceBakes(Instant now);
  void startBake(StepRuntime& step, Instant now);
  int effectiveBake(int baseS, Instant bakeStart, std::string& note) const;
  // Simulation only: when a wait is a bake held by min_traffic that gains
  // nothing, in a world that has not changed for a whole M-of-N window, the
  // next instant anything can change; none otherwise.
  std::optional<Instant> quietUntil(Instant now) const;
  long trafficTimeoutMs() const;

  // Watching (EngineWatch.cpp).
  void watchActiveStage(Instant now);
  // Journals a round's datapoints; the first failed reading of a streak goes to the timeline.
  void recordSamples(const std::vector<SampleRecord>& samples, const std::string& stage, Instant now);
  // Sets watched_ to the stage's scopes on the new version (none without a
  // stage): one-box hosts, then zones, then regions, in the model's order.
  void watch(const Stage* stage);
  std::vector<Scope> gateScopes(const Stage& stage) const;
  // The watched scopes a step's bake waits for: a region's step watches its region, a stage's step all of watched_.
  std::vector<const Scope*> scopesOf(const Step& step) const;
  std::string describeScopes(const std::vector<const Scope*>& scopes) const;
  // Hosts now running `state` (a settled deploy or rollback batch): hosts_,
  // onRun_ and the exposure follow, in O(hosts changed) (runtime.md §2.3).
  void hostsChanged(const std::string& fleet, const std::vector<std::string>& hosts, const HostState& state);
  // hosts_ was read again from the journal: onRun_ follows; the exposure is summed again at its next update.
  void hostsReloaded();
  // hosts_ as the journal has them (hosts the plan does not deploy are left out).
  void readHosts();
  // The host's entry in hosts_, found without building its key; null for a host the plan does not deploy.
  HostState* hostState(const std::string& fleet, const std::string& name);
  // The global exposure (and its maximum) after onRun_ changed at `changed`
  // (FleetModel indexes). Kept as the sum over hosts in the model's order, so
  // the figure is the same to the last bit as summing them all: the sum is
  // taken again from the first changed host on, starting from the running sum
  // kept at the exposed host before it, over exposed hosts only (a bit per
  // host): O(changed) when hosts join in the model's order, as waves do
  // (docs/performance.md, issue 18).
  void updateExposure(const std::vector<size_t>& changed);

  // Rollback (EngineRollback.cpp).
  void triggerRollback(const std::string& trigger, const std::string& why, const std::string& stepId, Instant since,
                       Instant now);
  void planRollback(Instant now);
  // "v1", or "v2 (8 hosts) and v1 (4 hosts)" when hosts return to different versions.
  std::string rollbackTargetsText() const;
  bool progressRollback(Instant now);  // true when every zone is back

  // What the engine works with: the plan, the journal and its side effects' interfaces.
  const Plan& plan_;
  Journal& journal_;
  Clock& clock_;
  Deployer& deployer_;
  MetricSource& metrics_;
  ExternalAlarmSource& externals_;
  EventSink& sink_;
  EngineOptions options_;
  std::unique_ptr<FleetModel> ownFleet_;  // built when options_.fleet gives none
  const FleetModel& fleet_;
  AlarmEvaluator evaluator_;
  std::optional<planformat::WindowCalendar> calendar_;
  std::vector<const AlarmExpr*> rollbackConditions_;

  // The run, its stages and steps.
  RunRecord run_;
  std::vector<StepRuntime> steps_;
  std::map<std::string, size_t> stepIndex_;
  std::vector<StageRuntime> stages_;
  std::vector<std::vector<size_t>> stageSteps_;  // per stage: indexes into steps_
  std::vector<std::vector<size_t>> stepDeps_;    // per step: indexes of its `after`
  std::vector<std::vector<size_t>> stageDeps_;   // per stage: steps outside it that its steps come after
  // The steps running now (indexes into steps_, ascending: plan order) and how
  // many are done, kept by setState, so a pass walks running steps only.
  std::vector<size_t> running_;
  size_t doneSteps_ = 0;
  void setState(StepRuntime& step, StepState state);

  // The fleet's versions as this run knows them.
  std::vector<HostState> hosts_;            // by FleetModel index (a host outside the plan is never asked about)
  std::vector<char> onRun_;                 // by FleetModel index: hosts_ says it runs run_.version
  Instant lastHostChange_ = 0;              // the latest instant a host's version changed
  double exposure_ = 0;                     // the share of production traffic on run_.version now
  std::vector<std::uint64_t> exposedBits_;  // by FleetModel index: a production host on run_.version
  std::vector<double> sumThrough_;          // by FleetModel index: the running sum after an exposed host
  size_t exposedFrom_ = 0;                  // sum again from this host on (hosts().size(): nothing to sum)
  static constexpr size_t kUnsummed = static_cast<size_t>(-1);  // exposure_ is to be summed again
  double maxExposure_ = 0;  // the largest share of production traffic on run_.version so far

  // Requests: approvals, overrides, rollbacks.
  bool emergencyApproved_ = false;
  std::int64_t lastRequestId_ = 0;
  size_t nextScheduledRequest_ = 0;

  // Watching the active stage.
  std::vector<std::vector<std::string>> stageRegions_;  // per stage: its regions, then its steps' others
  std::vector<Scope> watched_;                          // scopes of the active stage on the new version
  bool watchedStale_ = true;                            // hosts or the active stage changed since watched_ was computed
  // What watched_ was built from (the scopes' hosts and zones by index): equal, it is not built again.
  std::vector<size_t> watchedFrom_;

  // Rollback and hard failure.
  bool rollingBack_ = false;
  std::vector<RollbackZone> rollbackZones_;
  Instant rollbackStartedAt_ = 0;
  std::int64_t detectS_ = 0;
  std::optional<Outcome> failedHard_;
  std::string failMessage_;

  // Waiting: the next pass, and since when the run waits.
  std::optional<Instant> wake_;
  Instant waitingSince_ = -1;
};

}  // namespace pipelang::runtime
