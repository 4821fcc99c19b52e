// The engine's event sink for a run whose plan has `notify` targets
// (docs/runtime.md "Notifications"): passes every event on to the sink it
// wraps (the console, the service), then queues the deliveries the targets
// asked for on the Notifier and writes the attempts that came back to the
// journal, all on the engine's thread and without ever waiting.
#pragma once

#include "runtime/notify/Notifier.h"
#include "runtime/notify/NotifyMatcher.h"

#include <memory>

namespace pipelang::runtime::notify {

class NotifyingSink final : public EventSink {
 public:
  NotifyingSink(const Plan& plan, const RunRecord& run, EventSink& inner, Notifier& notifier,
                std::shared_ptr<Outbox> outbox, Journal& journal);
  void onEvent(const EngineEvent& event) override;
  void onProgress(const std::string& text) override { inner_.onProgress(text); }
  bool wantsProgress() const override { return inner_.wantsProgress(); }
  // Sends the `blocked` deliveries due at the pass's `now`, whether or not the
  // sink it wraps shows progress (the service's does not).
  void onPass(Instant now) override { tick(now); }
  // `blocked` deliveries due at `now`, and the attempts that came back into the journal.
  void tick(Instant now);
  std::optional<Instant> nextWake() const override { return matcher_.nextDue(); }

 private:
  void send(const std::vector<Delivery>& deliveries);
  const Plan& plan_;
  EventSink& inner_;
  Notifier& notifier_;
  std::shared_ptr<Outbox> outbox_;
  Journal& journal_;
  NotifyMatcher matcher_;
};

}  // namespace pipelang::runtime::notify
