// Delivers notifications off the engine's thread (docs/runtime.md
// "Notifications"): a few worker threads, each attempt bounded by a timeout,
// failures retried with exponential backoff for a bounded time. Nothing a
// receiver does (refuse, fail, hang) can hold up or change a deployment:
// the engine only queues; attempts and their results come back through an
// Outbox that the engine's owner writes to the journal on its own thread.
#pragma once

#include "runtime/journal/Journal.h"
#include "runtime/notify/Notification.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace pipelang::runtime::notify {

// Defaults (docs/runtime.md "Notifications"): 5 s per attempt, first retry
// after 1 s then doubling up to 60 s, no new attempt later than 10 minutes
// after the first. `piperun run` waits at most 10 s at exit for deliveries
// still going on. The PIPERUN_NOTIFY_* variables override them (fromEnvironment).
struct NotifyPolicy {
  int attemptTimeoutMs = 5'000;
  int firstBackoffMs = 1'000;
  int maxBackoffMs = 60'000;
  int retryForMs = 600'000;
  int exitWaitMs = 10'000;
  // PIPERUN_NOTIFY_TIMEOUT_MS, _BACKOFF_MS, _RETRY_FOR_MS, _EXIT_WAIT_MS: whole
  // milliseconds; anything else keeps the default.
  static NotifyPolicy fromEnvironment();
};

// Attempts waiting to be journalled, and how many deliveries are not over.
// Filled by the workers, emptied by whoever owns the journal.
class Outbox {
 public:
  void record(std::int64_t runId, NotificationRecord record);
  std::vector<std::pair<std::int64_t, NotificationRecord>> take();
  void writeTo(Journal& journal);  // take() into the journal
  int pending() const;
  bool empty() const;

 private:
  friend class Notifier;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::int64_t, NotificationRecord>> records_;
  int pending_ = 0;
};

class Notifier {
 public:
  explicit Notifier(NotifyPolicy policy = NotifyPolicy::fromEnvironment(), int threads = 4);
  // Stops the workers; deliveries not over are recorded as abandoned.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues one delivery per channel of `target` (webhook, run); returns at once.
  void send(const NotifyTarget& target, const Notification& notification, std::shared_ptr<Outbox> outbox);
  // Waits until every delivery of `outbox` is over, at most policy().exitWaitMs;
  // then records those still going on as abandoned. True when all were over.
  bool finish(Outbox& outbox);
  const NotifyPolicy& policy() const { return policy_; }

 private:
  struct Job {
    std::string target, channel, address;  // address: the URL or the command
    Notification notification;
    std::shared_ptr<Outbox> outbox;
    int attempt = 1;
    std::chrono::steady_clock::time_point first, due;
    bool running = false, abandoned = false;
  };
  void work();
  void attempt(Job& job);
  void end(Job& job);  // under mutex_

  NotifyPolicy policy_;
  std::mutex mutex_;
  std::condition_variable wake_, ended_;
  std::vector<std::shared_ptr<Job>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace pipelang::runtime::notify
