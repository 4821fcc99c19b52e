// One notification to deliver (docs/runtime.md "Notifications"): a runtime
// event of one run, in the words a `notify` target asked for, with the JSON
// a webhook receives and the variables a `run` command receives.
#pragma once

#include "runtime/plan/Plan.h"

#include <cstdint>
#include <map>
#include <string>

namespace pipelang::runtime::notify {

struct Notification {
  std::string event;  // a plan/NotifyRules.h name: "rolled_back", "blocked"...
  std::string pipeline, version, stage, step;
  std::string trigger;  // what caused it: an alarm, "window", "deploy_failed"... ("" when nothing)
  std::string message;  // the engine's sentence, as `piperun log` shows it
  std::int64_t runId = 0;
  Instant t = 0;  // seconds since the epoch

  // "CheckoutApi v2 rolled_back at wave1/wave1-onebox: v2 rolled back (...)":
  // the line chat tools show, through printable().
  std::string text() const;
  // The webhook body: {"event", "pipeline", "version", "stage", "step",
  // "trigger", "run_id", "time" (RFC 3339 UTC), "message", "text"}; empty
  // stage, step and trigger are null.
  std::string json() const;
  // PIPE_NOTIFY_EVENT, _PIPELINE, _VERSION, _STAGE, _STEP, _TRIGGER, _RUN_ID,
  // _TIME, _MESSAGE, _TEXT for a `run` command (empty when not applicable).
  std::map<std::string, std::string> environment() const;
};

}  // namespace pipelang::runtime::notify
