// What `piperun serve` offers, whatever carries it (docs/service.md): the HTTP
// layer (runtime/api/) maps each call to a route under /api/v1/ and each
// ApiOutcome to a response; tests may call it directly. Identity and roles are
// checked by the caller of this interface (the HTTP layer) before a mutating
// call; the service records `Caller::name` as who did it.
//
// JSON shapes (docs/openapi.yaml is the contract; times are RFC 3339 UTC
// strings, durations integer seconds, shares fractions 0..1):
//   pipelines(): {"pipelines": [{"name", "digest", "execution_mode",
//       "versions": [VersionSummary], "last_outcome": {"version","status","finished_at"}|null,
//       "attention": "rolled_back"|"blocked"|"failed"|null}]}
//     VersionSummary: {"run_id", "version", "status", "stage"|null, "waiting_for"|null, "why"|null}
//   pipeline(name): {"name", "digest", "execution_mode",
//       "stages": [{"id", "kind", "regions": [..], "run_id"|null, "version"|null,
//                   "state": "idle"|"waiting"|"active"|"done", "waiting_for"|null, "why"|null}],
//       "versions": [{"run_id", "version", "previous"|null, "status", "digest", "stage"|null,
//                     "step"|null, "submitted_at", "started_at"|null, "finished_at"|null,
//                     "submitted_by", "reason"|null, "waiting_for"|null, "why"|null, "message"|null,
//                     "bakes": [{"step", "required_s", "elapsed_s", "left_s"}]}],
//       "hosts": [{"fleet", "region", "zone", "host", "version"|null, "pending_version"|null}],
//       "alarms": [{"run_id", "scope", "condition", "value"|null, "breach", "t", "error"|null}],
//       "windows": {"timezone", "open", "next_open"|null}|null,
//       "blockers": [{"name", "firing": true|false|null}],
//       "analysis": {"time_to_global_s"|null, "final_exposure"}|null,
//       "recent_runs": [{"run_id", "version", "status", "finished_at"|null}]}
//     each version also has "progress": {"elapsed_s", "time_to_global_s"|null, "exposure"|null,
//       "steps_done", "steps"}: exposure so far is the plan's exposure figure of the furthest step done or baking.
//   timeline(request): {"pipeline", "run_id", "version", "previous"|null, "status",
//       "timezone", "precision": "minutes"|"seconds", "omitted", "lines": [string]}
//     lines: the run's timeline as `piperun run` prints it (timelineLine, runtime/engine/TimeText.h),
//     at most the newest 5000; `omitted` says how many earlier lines were left out.
//   log(name, after, limit, notificationsAfter): {"events": [Event], "notifications": [Attempt]}
//     Attempt: {"id", "run_id", "version", "t", "target", "channel": "webhook"|"run", "event", "attempt", "result"}
//     (docs/service.md "Notifications"; id: run id * 1,000,000 + place among the run's attempts)
//   events(after, pipeline): {"events": [Event]}
//     Event: {"id", "pipeline", "run_id", "version", "t", "type", "stage"|null, "step"|null, "message"}
//   submit: 202 {"run_id", "version", "status", "superseded": [run_id...]}
//   approve / override / rollback: 202 {"request_id", "run_id", "version"}
// Errors: {"error": "one kind sentence"} with status 400 (bad input), 404
// (unknown pipeline or version), 409 (refused by a rule: a failed version
// without retry_failed, nothing to approve, a duplicate version in flight).
#pragma once

#include <llvm/Support/JSON.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace pipelang::runtime::service {

// Who made a request: the name the token file gives the token (never free text).
struct Caller {
  std::string name;
};

// An answer: the HTTP status it maps to and its JSON body.
struct ApiOutcome {
  int status = 200;
  llvm::json::Value body = llvm::json::Object{};
};

struct SubmitRequest {
  std::string pipeline, version;
  bool firstDeploy = false;  // no version ever deployed: a rollback undeploys (runtime.md "Lineage")
  bool retryFailed = false;  // deploy a version marked failed again; needs `reason`
  std::string reason;
};

// One run's timeline: by run id, else the newest run of `version`.
struct TimelineRequest {
  std::string pipeline;
  std::int64_t runId = 0;  // 0: by version
  std::string version;
};

struct ApproveRequest {
  std::string pipeline;
  std::string version;  // empty: the version waiting for an approval
  std::string stage;    // empty: the stage it waits at
};

struct OverrideRequest {
  std::string pipeline;
  std::string target;          // "window" or a blocker's name
  std::string reason;          // required
  std::string version, stage;  // empty: the version waiting at a gate, its stage
};

struct RollbackRequest {
  std::string pipeline;
  std::string reason;   // required
  std::string version;  // empty: the newest version in flight
  bool all = false;     // also hosts of earlier, completed stages
};

class ServiceApi {
 public:
  virtual ~ServiceApi() = default;

  virtual ApiOutcome pipelines() = 0;
  virtual ApiOutcome pipeline(const std::string& name) = 0;
  // One pipeline's audit trail: events with id > afterId, oldest first, at most `limit`; and the
  // notification delivery attempts with id > notificationsAfter, oldest first, at most `limit`.
  virtual ApiOutcome log(const std::string& name, std::int64_t afterId, int limit, std::int64_t notificationsAfter) = 0;
  // One run's timeline (docs/service.md "Timelines"): 404 for an unknown pipeline, run or version.
  virtual ApiOutcome timeline(const TimelineRequest& request) = 0;
  // Every pipeline's events (or one's, when `pipeline` is not empty) with id > afterId.
  virtual ApiOutcome events(std::int64_t afterId, const std::string& pipeline, int limit) = 0;
  // Blocks until an event with id > afterId exists or `wait` has passed; true when one does.
  // The event stream (GET /api/v1/events, text/event-stream) is this plus events().
  virtual bool waitForEvent(std::int64_t afterId, std::chrono::milliseconds wait) = 0;

  virtual ApiOutcome submit(const SubmitRequest& request, const Caller& caller) = 0;
  virtual ApiOutcome approve(const ApproveRequest& request, const Caller& caller) = 0;
  virtual ApiOutcome override(const OverrideRequest& request, const Caller& caller) = 0;
  virtual ApiOutcome rollback(const RollbackRequest& request, const Caller& caller) = 0;
};

}  // namespace pipelang::runtime::service
