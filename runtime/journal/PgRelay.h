// RequestRelay over the PostgreSQL store (table `forwarded`, schema 2) and
// LISTEN/NOTIFY: `ask` notifies channel pipe_requests with the pipeline's
// name in the same transaction; PgListener, on a connection of its own,
// wakes the owner's loop when a notification arrives.
#pragma once

#include "runtime/journal/PgStore.h"
#include "runtime/journal/Relay.h"

#include <atomic>
#include <functional>
#include <thread>

namespace pipelang::runtime {

class PgRelay final : public RequestRelay {
 public:
  explicit PgRelay(PgStore& store) : store_(store) {}
  std::int64_t ask(const std::string& pipeline, const std::string& kind, const std::string& body,
                   const std::string& who) override;
  std::optional<std::pair<int, std::string>> answerOf(std::int64_t id) override;
  bool withdraw(std::int64_t id) override;
  std::vector<RelayedRequest> take(const std::vector<std::string>& pipelines) override;
  void answer(std::int64_t id, int status, const std::string& body) override;

 private:
  PgStore& store_;
};

// LISTEN pipe_requests on its own connection and thread; `heard(pipeline)`
// is called on that thread for each notification. Reconnects once a second
// while the server is unreachable (the owner's loop also looks at the table
// once a second, so nothing is lost meanwhile).
class PgListener {
 public:
  PgListener(std::string conninfo, std::function<void(const std::string&)> heard);
  ~PgListener();  // stops the thread within 250 ms
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  void run();
  std::string conninfo_;
  std::function<void(const std::string&)> heard_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace pipelang::runtime
