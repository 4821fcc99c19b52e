#include "tests/service/FakeServiceApi.h"

namespace pipelang::tests {

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

FakeServiceApi::FakeServiceApi() {
  addEvent(kPipeline, "submitted", "v41 submitted by ci");
  addEvent(kPipeline, "deployed", "v41 deployed");
}

std::int64_t FakeServiceApi::addEvent(const std::string& pipeline, const std::string& type, const std::string& message,
                                      const std::string& step) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::int64_t id = static_cast<std::int64_t>(events_.size()) + 1;
  events_.push_back(Object{{"id", id},
                           {"pipeline", pipeline},
                           {"run_id", 7},
                           {"version", "v42"},
                           {"t", "2026-11-29T10:00:00Z"},
                           {"type", type},
                           {"stage", "gamma"},
                           {"step", step.empty() ? Value(nullptr) : Value(step)},
                           {"message", message}});
  changed_.notify_all();
  return id;
}

std::vector<FakeServiceApi::Call> FakeServiceApi::calls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return calls_;
}

FakeServiceApi::ApiOutcome FakeServiceApi::unknown(const std::string& name) const {
  return {404, Object{{"error", "no pipeline named \"" + name + "\""}}};
}

FakeServiceApi::ApiOutcome FakeServiceApi::pipelines() {
  Value version = Object{{"run_id", 7},      {"version", "v42"},        {"status", "waiting"},
                         {"stage", "gamma"}, {"waiting_for", "window"}, {"why", "window opens at 09:00 Europe/Paris"}};
  Value pipeline = Object{
      {"name", kPipeline},
      {"digest", "sha256:ab12"},
      {"execution_mode", "superseded"},
      {"versions", Array{version}},
      {"last_outcome", Object{{"version", "v41"}, {"status", "deployed"}, {"finished_at", "2026-11-28T17:00:00Z"}}},
      {"attention", nullptr}};
  return {200, Object{{"pipelines", Array{pipeline}}}};
}

FakeServiceApi::ApiOutcome FakeServiceApi::pipeline(const std::string& name) {
  if (!known(name)) return unknown(name);
  Value stage = Object{{"id", "gamma"},
                       {"kind", "preprod"},
                       {"regions", Array{"us-east-1"}},
                       {"run_id", 7},
                       {"version", "v42"},
                       {"state", "waiting"},
                       {"waiting_for", "window"},
                       {"why", "window opens at 09:00 Europe/Paris"}};
  Value prod = Object{{"id", "wave1"},      {"kind", "wave"},  {"regions", Array{"eu-west-1"}}, {"run_id", nullptr},
                      {"version", nullptr}, {"state", "idle"}, {"waiting_for", nullptr},        {"why", nullptr}};
  Value version = Object{
      {"run_id", 7},
      {"version", "v42"},
      {"previous", "v41"},
      {"status", "waiting"},
      {"digest", "sha256:ab12"},
      {"stage", "gamma"},
      {"step", "bake"},
      {"submitted_at", "2026-11-29T09:00:00Z"},
      {"started_at", "2026-11-29T09:01:00Z"},
      {"finished_at", nullptr},
      {"submitted_by", "ci"},
      {"reason", nullptr},
      {"waiting_for", "window"},
      {"why", "window opens at 09:00 Europe/Paris"},
      {"message", nullptr},
      {"bakes", Array{Object{{"step", "bake"}, {"required_s", 3600}, {"elapsed_s", 600}, {"left_s", 3000}}}},
      {"progress",
       Object{{"elapsed_s", 540}, {"time_to_global_s", 86400}, {"exposure", 0.0}, {"steps_done", 1}, {"steps", 9}}}};
  Value host = Object{{"fleet", "checkout"}, {"region", "us-east-1"}, {"zone", "us-east-1a"},
                      {"host", "i-0001"},    {"version", "v41"},      {"pending_version", "v42"}};
  Value alarm = Object{{"run_id", 7},     {"scope", "gamma"}, {"condition", "errors > 1%"},
                       {"value", 0.05},   {"breach", false},  {"t", "2026-11-29T09:10:00Z"},
                       {"error", nullptr}};
  return {
      200,
      Object{
          {"name", kPipeline},
          {"digest", "sha256:ab12"},
          {"execution_mode", "superseded"},
          {"stages", Array{stage, prod}},
          {"versions", Array{version}},
          {"hosts", Array{host}},
          {"alarms", Array{alarm}},
          {"windows", Object{{"timezone", "Europe/Paris"}, {"open", false}, {"next_open", "2026-11-30T08:00:00Z"}}},
          {"blockers", Array{Object{{"name", "sev2"}, {"firing", false}}}},
          {"analysis", Object{{"time_to_global_s", 86400}, {"final_exposure", 1.0}}},
          {"recent_runs",
           Array{Object{
               {"run_id", 6}, {"version", "v41"}, {"status", "deployed"}, {"finished_at", "2026-11-28T17:00:00Z"}}}}}};
}

// Runs 6 (v41, deployed) and 7 (v42, in flight); any other is 404.
FakeServiceApi::ApiOutcome FakeServiceApi::timeline(const runtime::service::TimelineRequest& request) {
  if (!known(request.pipeline)) return unknown(request.pipeline);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back({"timeline", request.pipeline, request.version, "", "", "", "", false, request.runId});
  }
  bool v41 = request.runId == 6 || (request.runId == 0 && request.version == "v41");
  bool v42 = request.runId == 7 || (request.runId == 0 && request.version == "v42");
  if (!v41 && !v42) return {404, Object{{"error", "no such run of " + request.pipeline}}};
  Array lines{
      "Sat 2026-11-28 16:00  run                             v" + std::string(v41 ? "41" : "42") + " submitted by ci",
      "Sat 2026-11-28 16:01  gamma/bake                      bake 1h started"};
  return {200, Object{{"pipeline", kPipeline},
                      {"run_id", v41 ? 6 : 7},
                      {"version", v41 ? "v41" : "v42"},
                      {"previous", v41 ? Value("v40") : Value("v41")},
                      {"status", v41 ? "deployed" : "running"},
                      {"timezone", "Europe/Paris"},
                      {"precision", "minutes"},
                      {"omitted", 0},
                      {"lines", std::move(lines)}}};
}

FakeServiceApi::ApiOutcome FakeServiceApi::log(const std::string& name, std::int64_t afterId, int limit,
                                               std::int64_t notificationsAfter) {
  if (!known(name)) return unknown(name);
  ApiOutcome outcome = events(afterId, name, limit);
  // Two fixed delivery attempts of run 7's rolled_back: 500, then 200.
  Array attempts;
  for (std::int64_t id : {1, 2})
    if (id > notificationsAfter && static_cast<int>(attempts.size()) < limit)
      attempts.push_back(
          Object{{"id", id},
                 {"run_id", 7},
                 {"version", "v42"},
                 {"t", id == 1 ? "2026-11-30T04:20:00Z" : "2026-11-30T04:20:01Z"},
                 {"target", "oncall"},
                 {"channel", "webhook"},
                 {"event", "rolled_back"},
                 {"attempt", id},
                 {"result", id == 1 ? "failed (HTTP 500), next attempt in 1s" : "delivered (HTTP 200)"}});
  outcome.body.getAsObject()->try_emplace("notifications", std::move(attempts));
  return outcome;
}

FakeServiceApi::ApiOutcome FakeServiceApi::events(std::int64_t afterId, const std::string& pipeline, int limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  Array out;
  for (const Value& event : events_) {
    const Object& object = *event.getAsObject();
    if (*object.getInteger("id") <= afterId) continue;
    if (!pipeline.empty() && object.getString("pipeline") != llvm::StringRef(pipeline)) continue;
    if (static_cast<int>(out.size()) >= limit) break;
    out.push_back(event);
  }
  return {200, Object{{"events", std::move(out)}}};
}

bool FakeServiceApi::waitForEvent(std::int64_t afterId, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, wait, [&] { return static_cast<std::int64_t>(events_.size()) > afterId; });
}

FakeServiceApi::ApiOutcome FakeServiceApi::accepted(const std::string& version) {
  if (!version.empty() && version != "v42") return {404, Object{{"error", "no version \"" + version + "\" in flight"}}};
  return {202, Object{{"request_id", 3}, {"run_id", 7}, {"version", version.empty() ? "v42" : version}}};
}

FakeServiceApi::ApiOutcome FakeServiceApi::submit(const runtime::service::SubmitRequest& request,
                                                  const Caller& caller) {
  if (!known(request.pipeline)) return unknown(request.pipeline);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back(
        {"submit", request.pipeline, request.version, caller.name, request.reason, "", "", request.firstDeploy});
  }
  if (request.version == "v13" && !request.retryFailed)
    return {409, Object{{"error", "v13 failed before; submit it again with retry_failed and a reason"}}};
  return {202, Object{{"run_id", 8}, {"version", request.version}, {"status", "queued"}, {"superseded", Array{}}}};
}

FakeServiceApi::ApiOutcome FakeServiceApi::approve(const runtime::service::ApproveRequest& request,
                                                   const Caller& caller) {
  if (!known(request.pipeline)) return unknown(request.pipeline);
  std::lock_guard<std::mutex> lock(mutex_);
  calls_.push_back({"approve", request.pipeline, request.version, caller.name, "", "", request.stage, false});
  return accepted(request.version);
}

FakeServiceApi::ApiOutcome FakeServiceApi::override(const runtime::service::OverrideRequest& request,
                                                    const Caller& caller) {
  if (!known(request.pipeline)) return unknown(request.pipeline);
  std::lock_guard<std::mutex> lock(mutex_);
  calls_.push_back(
      {"override", request.pipeline, request.version, caller.name, request.reason, request.target, request.stage});
  return accepted(request.version);
}

FakeServiceApi::ApiOutcome FakeServiceApi::rollback(const runtime::service::RollbackRequest& request,
                                                    const Caller& caller) {
  if (!known(request.pipeline)) return unknown(request.pipeline);
  std::lock_guard<std::mutex> lock(mutex_);
  calls_.push_back({"rollback", request.pipeline, request.version, caller.name, request.reason, "", "", request.all});
  return accepted(request.version);
}

}  // namespace pipelang::tests
