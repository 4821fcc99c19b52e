#include "runtime/notify/NotifyMatcher.h"

#include "runtime/engine/TimeText.h"

namespace pipelang::runtime::notify {
namespace {

std::string detailString(const EngineEvent& event, const char* key) {
  if (auto value = event.detail.getString(key)) return value->str();
  return "";
}

// Waits that count as `blocked`: a blocker, a window, missing data. An
// approval has its own event; an older version ahead is the pipeline's order.
bool isBlocker(const std::string& trigger) {
  return !trigger.empty() && trigger != "approval" && trigger != "previous_version";
}

}  // namespace

NotifyMatcher::NotifyMatcher(const Plan& plan, RunRecord run) : plan_(plan), run_(std::move(run)) {}

Notification NotifyMatcher::make(const std::string& event, const EngineEvent& source,
                                 const std::string& trigger) const {
  Notification n;
  n.event = event;
  n.pipeline = plan_.pipeline;
  n.version = run_.version;
  n.stage = source.stage;
  n.step = source.step;
  n.trigger = trigger;
  n.message = source.message;
  n.runId = run_.id;
  n.t = source.t;
  return n;
}

std::vector<Delivery> NotifyMatcher::forTargets(const Notification& notification) {
  std::vector<Delivery> out;
  for (size_t i = 0; i < plan_.notify.size(); ++i)
    if (plan_.notify[i].wants(notification.event)) out.push_back({i, notification});
  return out;
}

std::vector<Delivery> NotifyMatcher::onEvent(const EngineEvent& event) {
  const std::string& type = event.type;
  if (type == "stage_waiting") {
    std::string trigger = detailString(event, "waiting_for");
    if (trigger == "approval") return forTargets(make("approval_needed", event, trigger));
    auto found = waits_.find(event.stage);
    if (!isBlocker(trigger)) {
      if (found != waits_.end()) waits_.erase(found);
    } else if (found == waits_.end() || found->second.trigger != trigger) {
      waits_[event.stage] = Wait{trigger, event.message, event.t, {}};
    } else {
      found->second.why = event.message;  // the same wait, said again: keep its start
    }
    return {};
  }
  if (type == "stage_started" || type == "stage_done") waits_.erase(event.stage);
  if (type == "deployed" || type == "rolled_back" || type == "failed" || type == "rollback_started") waits_.clear();
  if (type == "run_started" || type == "stage_started" || type == "stage_done" || type == "deployed")
    return forTargets(make(type, event, ""));
  if (type == "rollback_started" || type == "rolled_back" || type == "failed") {
    std::string trigger = detailString(event, "trigger");
    return forTargets(make(type, event, trigger.empty() ? run_.trigger : trigger));
  }
  if (type == "waiting" && !event.step.empty()) return forTargets(make("approval_needed", event, "approval"));
  if (type == "reading_failed") return forTargets(make("failed_readings", event, detailString(event, "metric")));
  return {};
}

std::vector<Delivery> NotifyMatcher::due(Instant now) {
  std::vector<Delivery> out;
  for (auto& [stage, wait] : waits_)
    for (size_t i = 0; i < plan_.notify.size(); ++i) {
      const NotifyTarget& target = plan_.notify[i];
      if (!target.wants("blocked") || wait.sent.count(i) || now - wait.since < target.blockedAfterS) continue;
      wait.sent.insert(i);
      EngineEvent source{now, "blocked", stage, "", "", {}};
      source.message = "blocked for " + formatDuration(now - wait.since) + ": " + wait.why;
      out.push_back({i, make("blocked", source, wait.trigger)});
    }
  return out;
}

std::optional<Instant> NotifyMatcher::nextDue() const {
  std::optional<Instant> next;
  for (const auto& [stage, wait] : waits_)
    for (size_t i = 0; i < plan_.notify.size(); ++i) {
      const NotifyTarget& target = plan_.notify[i];
      if (!target.wants("blocked") || wait.sent.count(i)) continue;
      Instant at = wait.since + target.blockedAfterS;
      if (!next || at < *next) next = at;
    }
  return next;
}

}  // namespace pipelang::runtime::notify
