// Which runtime events a plan's `notify` targets asked for
// (docs/runtime.md "Notifications"). The engine's events map onto the
// language's names: run_started, stage_started, stage_done, rollback_started,
// rolled_back, deployed and failed are the engine's own; approval_needed is
// an approval step waiting or a stage gate waiting for an approval;
// failed_readings is the first failed reading of a streak (reading_failed);
// blocked is a stage that has waited `blocked_after` on the same blocker,
// window or missing data (not an approval, not an older version ahead of it),
// sent once per target and wait.
#pragma once

#include "runtime/engine/Engine.h"
#include "runtime/notify/Notification.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pipelang::runtime::notify {

// A notification for one target of the plan (an index into Plan::notify).
struct Delivery {
  size_t target = 0;
  Notification notification;
};

class NotifyMatcher {
 public:
  NotifyMatcher(const Plan& plan, RunRecord run);

  // The deliveries an engine event of this run asks for (none for most).
  std::vector<Delivery> onEvent(const EngineEvent& event);
  // The `blocked` deliveries due at `now` (each fires once per wait).
  std::vector<Delivery> due(Instant now);
  // The next instant a `blocked` delivery may become due.
  std::optional<Instant> nextDue() const;

 private:
  struct Wait {
    std::string trigger, why;
    Instant since = 0;
    std::set<size_t> sent;  // targets told already
  };
  std::vector<Delivery> forTargets(const Notification& notification);
  Notification make(const std::string& event, const EngineEvent& source, const std::string& trigger) const;

  const Plan& plan_;
  RunRecord run_;
  std::map<std::string, Wait> waits_;  // by stage
};

}  // namespace pipelang::runtime::notify
