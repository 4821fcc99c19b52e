#include "runtime/service/Service.h"

#include "runtime/deploy/LeftoverCalls.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/service/RelayCodec.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>
#include <llvm/Support/raw_ostream.h>
#include <pthread.h>
#include <algorithm>

namespace pipelang::runtime::service {
namespace json = llvm::json;

// How long one group commit may gather pipelines' passes before it commits:
// an API call waits at most this long for the loop (docs/service.md).
constexpr auto kGroupTime = std::chrono::milliseconds(50);

Service::Service(ServiceStore& store, ServiceOptions options)
    : store_(store), options_(std::move(options)), catalog_(options_.plansDir) {
  if (!options_.alertmanager.empty())
    externals_ = std::make_unique<AlertmanagerAlarmSource>(options_.alertmanager);
  else
    externals_ = std::make_unique<DirectoryAlarmSource>(options_.alarmsDir);
  if (options_.leases) ownership_ = std::make_unique<Ownership>(*options_.leases, options_.leaseSeconds);
}

Service::~Service() {
  stop();
}

MetricSource& Service::metricsFor(const Plan& plan) {
  std::string url = !options_.prometheus.empty() ? options_.prometheus : plan.prometheusUrl.value_or("");
  auto& router = routers_[url];
  if (!router) {
    router = std::make_unique<MetricRouter>();
    router->setProvider("command", &commandMetrics_);
    if (!url.empty()) {
      auto& source = prometheus_[url];
      if (!source) source = std::make_unique<PrometheusMetricSource>(prometheusOptions(url));
      router->setProvider("prometheus", source.get());
    }
  }
  return *router;
}

ExternalAlarmSource& Service::externalsFor(const Plan& plan) {
  // The command line wins: --alertmanager or --alarms-dir given to serve is
  // every plan's source; else the plan's alertmanager_url (docs/runtime.md).
  if (!options_.alertmanager.empty() || !options_.alarmsDir.empty() || !plan.alertmanagerUrl) return *externals_;
  auto& source = alertmanagers_[*plan.alertmanagerUrl];
  if (!source) source = std::make_unique<AlertmanagerAlarmSource>(*plan.alertmanagerUrl);
  return *source;
}

PipelineLane* Service::findLane(const std::string& name) {
  auto it = lanes_.find(name);
  return it == lanes_.end() ? nullptr : it->second.get();
}

PipelineLane& Service::lane(const std::string& name) {
  auto& slot = lanes_[name];
  if (!slot) {
    LaneParts parts{clock_, [this](const Plan& plan) -> MetricSource& { return metricsFor(plan); },
                    [this](const Plan& plan) -> ExternalAlarmSource& { return externalsFor(plan); }, *reads_, *this};
    parts.prometheusGiven = !options_.prometheus.empty();
    parts.runStarted = [this, name](std::int64_t runId) { runLanes_[runId] = lanes_.at(name).get(); };
    parts.notifier = &notifier_;
    slot = std::make_unique<PipelineLane>(name, store_.journal(name), parts);
  }
  return *slot;
}

std::shared_ptr<const Plan> Service::storedPlan(const std::string& digest) {
  if (auto plan = catalog_.byDigest(digest)) return plan;
  auto text = store_.planText(digest);
  if (!text) return nullptr;
  auto parsed = parsePlan(*text, "stored plan " + digest);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return nullptr;
  }
  auto shared = std::make_shared<const Plan>(std::move(*parsed));
  catalog_.adopt(shared);
  return shared;
}

void Service::reloadPlans() {
  applyPlanChanges(catalog_.reload());
}

void Service::applyPlanChanges(const std::vector<PlanCatalog::Change>& changes) {
  for (const auto& change : changes) {
    if (!change.error.empty()) {
      auto kept = change.pipeline.empty() ? nullptr : catalog_.current(change.pipeline);
      llvm::errs() << printable(fmt::format("piperun serve: plan {} refused: {}{}", change.file, change.error,
                                            kept ? "; " + change.pipeline + " keeps plan " + kept->digest : ""))
                   << "\n";
      continue;
    }
    if (change.removed) {
      llvm::errs() << printable(fmt::format("piperun serve: {} is gone: {} takes no new versions (those in flight "
                                            "go on)",
                                            change.file, change.pipeline))
                   << "\n";
      continue;
    }
    auto plan = catalog_.current(change.pipeline);
    store_.savePlan(plan->digest, plan->text);
    lane(change.pipeline);
    llvm::errs() << printable(fmt::format("piperun serve: {}: plan {} from {}; new versions take it", change.pipeline,
                                          plan->digest, change.file))
                 << "\n";
  }
}

llvm::Error Service::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  reads_ = std::make_unique<ReadPool>(options_.readThreads, [this](std::int64_t runId) {
    {
      std::lock_guard<std::mutex> reads(readsMutex_);
      readsDone_.insert(runId);
    }
    wake_.notify_one();
  });
  auto changes = catalog_.reload();
  for (const auto& change : changes)
    if (change.pipeline.empty() && change.file == options_.plansDir)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", change.error.c_str());
  applyPlanChanges(changes);  // announced and taken as every later reload's
  // Every run in flight resumes with the plan it started with; with several
  // instances, only once this one holds its pipeline (takeTurns).
  for (const auto& name : store_.pipelinesWithRuns())
    if (!ownership_)
      lane(name).resume([this](const std::string& digest) { return storedPlan(digest); });
    else
      lane(name);  // known, so that some instance claims it
  // Claim a share before the API answers, so that a lone instance takes
  // submissions from its first second.
  if (ownership_) try {
      takeTurns();
    } catch (const JournalError& e) {
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", e.what());
    }
  lastReload_ = clock_.now();
  {
    std::lock_guard<std::mutex> events(eventMutex_);
    lastEventId_ = store_.latestEventId();
  }
  llvm::errs() << fmt::format("piperun serve: {} pipeline{} from {}\n", catalog_.pipelines().size(),
                              catalog_.pipelines().size() == 1 ? "" : "s", options_.plansDir);
  loop_ = std::thread([this] { loop(); });
  return llvm::Error::success();
}

void Service::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !loop_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  eventArrived_.notify_all();
  if (loop_.joinable()) loop_.join();
  reads_.reset();  // never under mutex_: a read thread may be waiting for readsMutex_ only
}

void Service::onEvent(const EngineEvent&) {
  eventsPending_ = true;  // engines run under mutex_
}

void Service::publishEvents() {
  if (!eventsPending_) return;
  eventsPending_ = false;
  std::int64_t latest = store_.latestEventId();
  {
    std::lock_guard<std::mutex> events(eventMutex_);
    lastEventId_ = latest;
  }
  eventArrived_.notify_all();
}

std::vector<PipelineLane*> Service::lanesWithReadsDone() {
  std::set<std::int64_t> reads;
  {
    std::lock_guard<std::mutex> guard(readsMutex_);
    reads.swap(readsDone_);
  }
  std::vector<PipelineLane*> ready;
  for (auto id : reads)
    if (auto found = runLanes_.find(id); found != runLanes_.end()) {
      if (found->second->owns(id)) {
        found->second->readDone(id);
        ready.push_back(found->second);
      } else {
        runLanes_.erase(found);  // the run ended; its last reads come after it
      }
    }
  return ready;
}

void Service::loop() {
  // Named for `top -H` and the bench, which reports this thread's CPU: the
  // one thread every pass of every pipeline runs on.
  pthread_setname_np(pthread_self(), "serve-loop");
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    Instant now = clock_.now();
    try {
      if (now - lastReload_ >= 1) {
        reloadPlans();
        lastReload_ = now;
      }
      if (ownership_) takeTurns();
      if (ownership_ && options_.relay) serveRelayed();
      bool all = kicked_;
      // Group commit: the passes of many pipelines share one transaction (one
      // fsync), closed after at most kGroupTime so that a waiting API call
      // gets in between groups. Lanes are never removed, so `it` stays valid.
      // A lane whose lease is lost is dropped inside the group: its fence is
      // its first statement in the transaction, so nothing of it was written.
      // Each group starts with the lanes whose reads ended since the last one,
      // at the clock's time then: a bake waiting for its last datapoint passes
      // within its second instead of after the scan of every other lane.
      for (auto it = lanes_.begin(); it != lanes_.end() && !stopping_;) {
        std::vector<PipelineLane*> group;
        std::vector<std::pair<std::string, std::string>> lost;
        std::deque<PipelineLane*>& ready = readyLanes_;
        for (auto* lane : lanesWithReadsDone()) ready.push_back(lane);
        auto closeBy = std::chrono::steady_clock::now() + kGroupTime;
        auto pass = [&](PipelineLane& lane) {
          if (!acts(lane.name())) return;
          try {
            lane.advance(now, all);
            if (std::find(group.begin(), group.end(), &lane) == group.end()) group.push_back(&lane);
          } catch (const LeaseLost& e) {
            lost.emplace_back(lane.name(), e.what());
          }
        };
        store_.transaction([&] {
          // Within the group's time too: a second in which hundreds of reads
          // end must not hold the commit (and the calls it releases) back.
          while (!ready.empty() && std::chrono::steady_clock::now() < closeBy) {
            pass(*ready.front());
            ready.pop_front();
          }
          while (it != lanes_.end() && std::chrono::steady_clock::now() < closeBy) {
            PipelineLane& lane = *it->second;
            ++it;
            pass(lane);
          }
        });
        for (auto* lane : group) lane->release();
        for (const auto& [name, why] : lost) loseLane(name, why);
        lock.unlock();
        std::this_thread::yield();
        lock.lock();
        now = clock_.now();
      }
      kicked_ = false;
      publishEvents();
    } catch (const JournalError& e) {
      if (ownership_) {
        // Several instances: stop acting on everything (another instance
        // takes over after the lease time), then claim again once the store answers.
        llvm::errs() << "piperun serve: " << e.what() << "; stopping every pipeline and reconnecting\n";
        for (const auto& name : ownership_->dropAll()) loseLane(name, "");
        wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
        continue;
      }
      // The store failed: nothing can be recorded, so nothing may go on.
      llvm::errs() << "piperun serve: " << e.what() << "; stopping\n";
      stopping_ = true;
      break;
    }
    // Sleep until the earliest run is due, a request or a read arrives, or a
    // call may have ended (polled every 50 ms while any runs).
    bool busy = false;
    std::optional<Instant> next;
    for (const auto& [name, lane] : lanes_) {
      if (!acts(name)) continue;
      busy = busy || lane->busy();
      if (auto wake = lane->nextWake(); wake && (!next || *wake < *next)) next = *wake;
    }
    auto until = std::chrono::system_clock::now() + std::chrono::seconds(1);
    if (next)
      until = std::min(
          until, std::chrono::system_clock::time_point(std::chrono::seconds(*next)) + std::chrono::milliseconds(5));
    if (busy || !toResume_.empty())
      until = std::min(until, std::chrono::system_clock::now() + std::chrono::milliseconds(50));
    wake_.wait_until(lock, until, [this] {
      if (stopping_ || kicked_) return true;
      std::lock_guard<std::mutex> guard(readsMutex_);
      return !readsDone_.empty() || relayHeard_;
    });
  }
}

// ---------------------------------------------------------------------------
// Several instances

bool Service::acts(const std::string& name) const {
  return !ownership_ || (ownership_->holds(name) && !toResume_.count(name));
}

void Service::loseLane(const std::string& name, const std::string& why) {
  if (ownership_) ownership_->lost(name);
  toResume_.erase(name);
  waitAnnounced_.erase(name);
  if (PipelineLane* found = findLane(name)) found->dropRuns();
  llvm::errs() << printable(fmt::format("piperun serve: {}: no longer run by this instance{}", name,
                                        why.empty() ? "" : " (" + why + ")"))
               << "\n";
}

void Service::takeTurns() {
  if (ownership_->overdue()) {
    llvm::errs() << "piperun serve: could not renew the leases within the lease time; stopping every pipeline\n";
    for (const auto& name : std::vector<std::string>(ownership_->held().begin(), ownership_->held().end()))
      loseLane(name, "");
  }
  std::set<std::string> known;
  for (const auto& name : catalog_.pipelines()) known.insert(name);
  for (const auto& [name, lane] : lanes_) known.insert(name);
  auto changes = ownership_->tick(std::vector<std::string>(known.begin(), known.end()), [this](const std::string& n) {
    PipelineLane* found = findLane(n);
    return !found || found->idle();
  });
  for (const auto& name : changes.lost) loseLane(name, "its lease was not renewed or was given back");
  for (const auto& name : changes.gained) {
    llvm::errs() << printable(
                        fmt::format("piperun serve: {}: now run by this instance ({})", name, ownership_->instance()))
                 << "\n";
    lane(name).dropRuns();
    toResume_.insert(name);
  }
  Instant now = clock_.now();
  for (auto it = toResume_.begin(); it != toResume_.end();) {
    PipelineLane& taken = lane(*it);
    std::string name = *it;
    try {
      auto running = leftoverCallsRunning(taken.journal(), now);
      if (!running.empty()) {
        // The previous owner's call may still run on these hosts: never two at once.
        if (waitAnnounced_.insert(name).second)
          for (const auto& call : running) {
            std::string message = fmt::format(
                "the {} call of {} that the previous owner of {} started {}s ago still runs: waiting for it to end "
                "(at most {}s, its timeout) before resuming",
                call.action, call.step, name, std::max<Instant>(0, now - call.startedAt),
                std::max<Instant>(0, call.startedAt + std::max(1, call.timeoutS) - now));
            llvm::errs() << "piperun serve: " << name << ": " << printable(message) << "\n";
            taken.journal().event(call.runId, {0, call.runId, now, "leftover_call", "", call.step, message, ""});
          }
        ++it;
        continue;
      }
      it = toResume_.erase(it);
      waitAnnounced_.erase(name);
      taken.resume([this](const std::string& digest) { return storedPlan(digest); });
    } catch (const LeaseLost& e) {
      loseLane(name, e.what());
      it = toResume_.upper_bound(name);
    }
  }
}

std::optional<ApiOutcome> Service::notHere(const std::string& name) const {
  if (acts(name)) return std::nullopt;
  return apiError(503, fmt::format("{} is run by another piperun instance of this store right now (or is being "
                                   "taken over); send the request again in a moment",
                                   name));
}

// ---------------------------------------------------------------------------
// The API

ApiOutcome Service::pipelines() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<json::Object> rows;
  for (auto& [name, lane] : lanes_) rows.push_back(lane->summary(catalog_.current(name).get()));
  // What needs a person first: rolled back, failed, blocked; then by name.
  auto rank = [](const json::Object& o) {
    auto attention = o.getString("attention");
    return !attention ? 3 : *attention == "rolled_back" ? 0 : *attention == "failed" ? 1 : 2;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const json::Object& a, const json::Object& b) { return rank(a) < rank(b); });
  json::Array out;
  for (auto& row : rows) out.push_back(std::move(row));
  return {200, json::Object{{"pipelines", std::move(out)}}};
}

ApiOutcome Service::pipeline(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  PipelineLane* found = findLane(name);
  if (!found) return apiError(404, "no pipeline " + name);
  return {200, found->detail(catalog_.current(name).get(), clock_.now())};
}

namespace {

json::Object eventJson(const FeedEvent& e) {
  auto orNull = [](const std::string& text) { return text.empty() ? json::Value(nullptr) : json::Value(text); };
  return json::Object{{"id", e.event.id},
                      {"pipeline", e.pipeline},
                      {"run_id", e.event.runId},
                      {"version", e.version},
                      {"t", rfc3339(e.event.t)},
                      {"type", e.event.type},
                      {"stage", orNull(e.event.stage)},
                      {"step", orNull(e.event.step)},
                      {"message", printable(e.event.message)}};
}

}  // namespace

ApiOutcome Service::log(const std::string& name, std::int64_t afterId, int limit, std::int64_t notificationsAfter) {
  std::lock_guard<std::mutex> lock(mutex_);
  PipelineLane* lane = findLane(name);
  if (!lane) return apiError(404, "no pipeline " + name);
  json::Array out;
  for (const auto& e : store_.eventsAfter(afterId, name, limit)) out.push_back(eventJson(e));
  return {200, json::Object{{"events", std::move(out)},
                            {"notifications", lane->notificationsAfter(notificationsAfter, limit)}}};
}

ApiOutcome Service::timeline(const TimelineRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  PipelineLane* found = findLane(request.pipeline);
  if (!found) return apiError(404, "no pipeline " + request.pipeline);
  // An ended run's plan may be known only to the store (a restart since): read once, then kept.
  return found->timeline(request, [this](const std::string& digest) { return storedPlan(digest); });
}

ApiOutcome Service::events(std::int64_t afterId, const std::string& pipeline, int limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!pipeline.empty() && !findLane(pipeline)) return apiError(404, "no pipeline " + pipeline);
  json::Array out;
  for (const auto& e : store_.eventsAfter(afterId, pipeline, limit)) out.push_back(eventJson(e));
  return {200, json::Object{{"events", std::move(out)}}};
}

bool Service::waitForEvent(std::int64_t afterId, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(eventMutex_);
  eventArrived_.wait_for(lock, wait, [&] { return lastEventId_ > afterId || stopping_; });
  return lastEventId_ > afterId;
}

ApiOutcome Service::submit(const SubmitRequest& request, const Caller& caller) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!acts(request.pipeline) && options_.relay && catalog_.current(request.pipeline))
    return relayed(lock, request.pipeline, "submit", encodeRequest(request), caller);
  return submitHere(request, caller);
}

ApiOutcome Service::submitHere(const SubmitRequest& request, const Caller& caller) {
  auto plan = catalog_.current(request.pipeline);
  if (!plan) return apiError(404, "no plan for pipeline " + request.pipeline + " in the plans folder");
  if (auto refused = notHere(request.pipeline)) return *refused;
  store_.savePlan(plan->digest, plan->text);
  ApiOutcome outcome;
  try {
    outcome = lane(request.pipeline).submit(request, caller, plan);
  } catch (const LeaseLost& e) {
    loseLane(request.pipeline, e.what());
    return *notHere(request.pipeline);
  }
  publishEvents();
  kicked_ = true;
  wake_.notify_one();
  return outcome;
}

// A person's request goes to its pipeline's lane, which checks it and
// journals it for the run it concerns; the loop applies it at once.
template <typename Request>
ApiOutcome Service::onLane(const Request& request,
                           const std::function<ApiOutcome(PipelineLane&, const Request&)>& handle, const Caller& caller,
                           const char* kind) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!acts(request.pipeline) && options_.relay && findLane(request.pipeline))
    return relayed(lock, request.pipeline, kind, encodeRequest(request), caller);
  return onLaneHere(request, handle);
}

template <typename Request>
ApiOutcome Service::onLaneHere(const Request& request,
                               const std::function<ApiOutcome(PipelineLane&, const Request&)>& handle) {
  PipelineLane* found = findLane(request.pipeline);
  if (!found) return apiError(404, "no pipeline " + request.pipeline);
  if (auto refused = notHere(request.pipeline)) return *refused;
  ApiOutcome outcome;
  try {
    outcome = handle(*found, request);
  } catch (const LeaseLost& e) {
    loseLane(request.pipeline, e.what());
    return *notHere(request.pipeline);
  }
  wake_.notify_one();
  return outcome;
}

ApiOutcome Service::approve(const ApproveRequest& request, const Caller& caller) {
  return onLane<ApproveRequest>(
      request, [&](PipelineLane& lane, const auto& r) { return lane.approve(r, caller); }, caller, "approve");
}

ApiOutcome Service::override(const OverrideRequest& request, const Caller& caller) {
  return onLane<OverrideRequest>(
      request, [&](PipelineLane& lane, const auto& r) { return lane.override(r, caller); }, caller, "override");
}

ApiOutcome Service::rollback(const RollbackRequest& request, const Caller& caller) {
  return onLane<RollbackRequest>(
      request, [&](PipelineLane& lane, const auto& r) { return lane.rollback(r, caller); }, caller, "rollback");
}

// ---------------------------------------------------------------------------
// Requests relayed between instances

void Service::relayAnnounced(const std::string&) {
  {
    std::lock_guard<std::mutex> guard(readsMutex_);
    relayHeard_ = true;
  }
  wake_.notify_one();
}

ApiOutcome Service::relayed(std::unique_lock<std::mutex>& lock, const std::string& pipeline, const std::string& kind,
                            const std::string& body, const Caller& caller) {
  auto unanswered = [&] {
    return apiError(503, fmt::format("{} is run by another piperun instance, which did not answer within 10 s; send "
                                     "the request again",
                                     pipeline));
  };
  try {
    std::int64_t id = options_.relay->ask(pipeline, kind, body, caller.name);
    auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool withdrawing = false;
    for (;;) {
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      lock.lock();
      if (auto answer = options_.relay->answerOf(id)) return {answer->first, decodeBody(answer->second)};
      if (std::chrono::steady_clock::now() < giveUp) continue;
      if (withdrawing || options_.relay->withdraw(id)) return unanswered();
      withdrawing = true;  // taken by the owner: its answer comes soon
      giveUp += std::chrono::seconds(5);
    }
  } catch (const JournalError& e) {
    return apiError(503, std::string("cannot relay the request: ") + e.what());
  }
}

ApiOutcome Service::applyRelayed(const RelayedRequest& q) {
  Caller caller{q.who};
  auto bad = [&] { return apiError(400, "the relayed request does not decode"); };
  if (q.kind == "submit") {
    auto r = decodeSubmit(q.body);
    return r ? submitHere(*r, caller) : bad();
  }
  if (q.kind == "approve") {
    auto r = decodeApprove(q.body);
    if (!r) return bad();
    return onLaneHere<ApproveRequest>(*r, [&](PipelineLane& lane, const auto& x) { return lane.approve(x, caller); });
  }
  if (q.kind == "override") {
    auto r = decodeOverride(q.body);
    if (!r) return bad();
    return onLaneHere<OverrideRequest>(*r, [&](PipelineLane& lane, const auto& x) { return lane.override(x, caller); });
  }
  if (q.kind == "rollback") {
    auto r = decodeRollback(q.body);
    if (!r) return bad();
    return onLaneHere<RollbackRequest>(*r, [&](PipelineLane& lane, const auto& x) { return lane.rollback(x, caller); });
  }
  return apiError(400, "unknown relayed request " + q.kind);
}

void Service::serveRelayed() {
  bool heard = false;
  {
    std::lock_guard<std::mutex> guard(readsMutex_);
    std::swap(heard, relayHeard_);
  }
  Instant now = clock_.now();
  if (!heard && now == lastRelayLook_) return;  // a missed notification waits at most a second
  lastRelayLook_ = now;
  std::vector<std::string> mine;
  for (const auto& name : ownership_->held())
    if (acts(name)) mine.push_back(name);
  for (const auto& request : options_.relay->take(mine)) {
    ApiOutcome outcome = applyRelayed(request);
    options_.relay->answer(request.id, outcome.status, encodeBody(outcome.body));
  }
}

}  // namespace pipelang::runtime::service
