#include "runtime/service/Service.h"

#include "runtime/plan/PlanReader.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>
#include <llvm/Support/raw_ostream.h>

namespace pipelang::runtime::service {
namespace json = llvm::json;

Service::Service(ServiceStore& store, ServiceOptions options)
    : store_(store), options_(std::move(options)), catalog_(options_.plansDir) {
  if (!options_.alertmanager.empty())
    externals_ = std::make_unique<AlertmanagerAlarmSource>(options_.alertmanager);
  else
    externals_ = std::make_unique<DirectoryAlarmSource>(options_.alarmsDir);
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
      if (!source) source = std::make_unique<PrometheusMetricSource>(PrometheusOptions{url});
      router->setProvider("prometheus", source.get());
    }
  }
  return *router;
}

PipelineLane* Service::findLane(const std::string& name) {
  auto it = lanes_.find(name);
  return it == lanes_.end() ? nullptr : it->second.get();
}

PipelineLane& Service::lane(const std::string& name) {
  auto& slot = lanes_[name];
  if (!slot) {
    LaneParts parts{clock_, [this](const Plan& plan) -> MetricSource& { return metricsFor(plan); }, *externals_,
                    *reads_, *this};
    parts.prometheusGiven = !options_.prometheus.empty();
    parts.notifier = &notifier_;
    slot = std::make_unique<PipelineLane>(name, store_.journal(name), parts);
  }
  return *slot;
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
  // Every run in flight resumes with the plan it started with.
  for (const auto& name : store_.pipelinesWithRuns())
    lane(name).resume([this](const std::string& digest) -> std::shared_ptr<const Plan> {
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
    });
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

void Service::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    Instant now = clock_.now();
    try {
      if (now - lastReload_ >= 1) {
        reloadPlans();
        lastReload_ = now;
      }
      std::set<std::int64_t> reads;
      {
        std::lock_guard<std::mutex> guard(readsMutex_);
        reads.swap(readsDone_);
      }
      bool all = kicked_;
      for (auto& [name, lane] : lanes_) {
        for (auto id : reads)
          if (lane->owns(id)) lane->readDone(id);
        lane->advance(now, all);
        // Let a waiting API call in between pipelines, not after the whole
        // pass (lanes are never removed, so the iterator stays valid).
        lock.unlock();
        std::this_thread::yield();
        lock.lock();
        if (stopping_) break;
      }
      kicked_ = false;
      publishEvents();
    } catch (const JournalError& e) {
      // The store failed: nothing can be recorded, so nothing may go on.
      llvm::errs() << "piperun serve: " << e.what() << "; stopping\n";
      stopping_ = true;
      break;
    }
    // Sleep until the earliest run is due, a request or a read arrives, or a
    // call may have ended (polled every 100 ms while any runs).
    bool busy = false;
    std::optional<Instant> next;
    for (const auto& [name, lane] : lanes_) {
      busy = busy || lane->busy();
      if (auto wake = lane->nextWake(); wake && (!next || *wake < *next)) next = *wake;
    }
    auto until = std::chrono::system_clock::now() + std::chrono::seconds(1);
    if (next)
      until = std::min(
          until, std::chrono::system_clock::time_point(std::chrono::seconds(*next)) + std::chrono::milliseconds(5));
    if (busy) until = std::min(until, std::chrono::system_clock::now() + std::chrono::milliseconds(100));
    wake_.wait_until(lock, until, [this] {
      if (stopping_ || kicked_) return true;
      std::lock_guard<std::mutex> guard(readsMutex_);
      return !readsDone_.empty();
    });
  }
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

ApiOutcome Service::log(const std::string& name, std::int64_t afterId, int limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!findLane(name)) return apiError(404, "no pipeline " + name);
  json::Array out;
  for (const auto& e : store_.eventsAfter(afterId, name, limit)) out.push_back(eventJson(e));
  return {200, json::Object{{"events", std::move(out)}}};
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
  std::lock_guard<std::mutex> lock(mutex_);
  auto plan = catalog_.current(request.pipeline);
  if (!plan) return apiError(404, "no plan for pipeline " + request.pipeline + " in the plans folder");
  store_.savePlan(plan->digest, plan->text);
  ApiOutcome outcome = lane(request.pipeline).submit(request, caller, plan);
  publishEvents();
  kicked_ = true;
  wake_.notify_one();
  return outcome;
}

// A person's request goes to its pipeline's lane, which checks it and
// journals it for the run it concerns; the loop applies it at once.
template <typename Request>
ApiOutcome Service::onLane(const Request& request,
                           const std::function<ApiOutcome(PipelineLane&, const Request&)>& handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  PipelineLane* found = findLane(request.pipeline);
  if (!found) return apiError(404, "no pipeline " + request.pipeline);
  ApiOutcome outcome = handle(*found, request);
  wake_.notify_one();
  return outcome;
}

ApiOutcome Service::approve(const ApproveRequest& request, const Caller& caller) {
  return onLane<ApproveRequest>(request, [&](PipelineLane& lane, const auto& r) { return lane.approve(r, caller); });
}

ApiOutcome Service::override(const OverrideRequest& request, const Caller& caller) {
  return onLane<OverrideRequest>(request, [&](PipelineLane& lane, const auto& r) { return lane.override(r, caller); });
}

ApiOutcome Service::rollback(const RollbackRequest& request, const Caller& caller) {
  return onLane<RollbackRequest>(request, [&](PipelineLane& lane, const auto& r) { return lane.rollback(r, caller); });
}

}  // namespace pipelang::runtime::service
