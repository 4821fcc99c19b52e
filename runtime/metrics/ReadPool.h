// Metric reads off the service's loop (`piperun serve`): a fixed set of
// threads runs reads and marks each done, so a slow or hanging Prometheus
// costs its own period, never another pipeline's next step. The engine
// collects a finished read on its next pass; `onDone` wakes that pass.
#pragma once

#include "runtime/metrics/MetricSource.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace pipelang::runtime {

// One read in flight; `reading` may be used once `done` is true.
struct PendingRead {
  std::atomic<bool> done{false};
  MetricReading reading;
  Instant at = 0;  // the instant the datapoint is for (when it was asked)
};

class ReadPool {
 public:
  // `threads` readers (at least 1); `onDone(tag)` is called on a reader thread
  // after each read, with the tag it was launched with (the service's run id).
  ReadPool(int threads, std::function<void(std::int64_t tag)> onDone);
  ~ReadPool();  // drops queued reads, waits for those in flight (each bounded by its timeout)
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Queues `read`; the returned handle turns done when it has run.
  std::shared_ptr<PendingRead> launch(Instant at, std::function<MetricReading()> read, std::int64_t tag = 0);
  // Queues one read that answers COUNT readings at once (a batched query, one
  // reading per scope); each returned handle turns done with its own reading.
  std::vector<std::shared_ptr<PendingRead>> launchBatch(Instant at, size_t count,
                                                        std::function<std::vector<MetricReading>()> read,
                                                        std::int64_t tag = 0);

 private:
  void work();
  // Under mutex_: whether to wake one idle reader for the queued reads; at
  // most one is on its way at a time, and each reader that takes a read wakes
  // the next while reads and idle readers are left (a chain off the loop).
  bool wakeOneLocked();

  struct Job {
    std::vector<std::shared_ptr<PendingRead>> pending;
    std::function<std::vector<MetricReading>()> read;  // one reading per pending
    std::int64_t tag = 0;
  };
  std::function<void(std::int64_t)> onDone_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  int idle_ = 0;    // readers waiting for a read
  int waking_ = 0;  // readers woken and not yet back under the lock
  std::vector<std::thread> threads_;
};

}  // namespace pipelang::runtime
