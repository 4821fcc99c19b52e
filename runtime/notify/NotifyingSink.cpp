#include "runtime/notify/NotifyingSink.h"

namespace pipelang::runtime::notify {

NotifyingSink::NotifyingSink(const Plan& plan, const RunRecord& run, EventSink& inner, Notifier& notifier,
                             std::shared_ptr<Outbox> outbox, Journal& journal)
    : plan_(plan),
      inner_(inner),
      notifier_(notifier),
      outbox_(std::move(outbox)),
      journal_(journal),
      matcher_(plan, run) {}

void NotifyingSink::send(const std::vector<Delivery>& deliveries) {
  for (const Delivery& delivery : deliveries)
    notifier_.send(plan_.notify[delivery.target], delivery.notification, outbox_);
}

void NotifyingSink::onEvent(const EngineEvent& event) {
  inner_.onEvent(event);
  send(matcher_.onEvent(event));
  outbox_->writeTo(journal_);
}

void NotifyingSink::tick(Instant now) {
  send(matcher_.due(now));
  outbox_->writeTo(journal_);
}

}  // namespace pipelang::runtime::notify
