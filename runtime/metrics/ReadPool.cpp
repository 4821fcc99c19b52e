#include "runtime/metrics/ReadPool.h"

#include <pthread.h>

namespace pipelang::runtime {

ReadPool::ReadPool(int threads, std::function<void(std::int64_t)> onDone) : onDone_(std::move(onDone)) {
  for (int i = 0; i < std::max(1, threads); ++i)
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "metric-reads");  // for `top -H`
      work();
    });
}

ReadPool::~ReadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

std::shared_ptr<PendingRead> ReadPool::launch(Instant at, std::function<MetricReading()> read, std::int64_t tag) {
  return launchBatch(
             at, 1, [read = std::move(read)] { return std::vector<MetricReading>{read()}; }, tag)
      .front();
}

std::vector<std::shared_ptr<PendingRead>> ReadPool::launchBatch(Instant at, size_t count,
                                                                std::function<std::vector<MetricReading>()> read,
                                                                std::int64_t tag) {
  std::vector<std::shared_ptr<PendingRead>> pending;
  for (size_t i = 0; i < count; ++i) {
    pending.push_back(std::make_shared<PendingRead>());
    pending.back()->at = at;
  }
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back({pending, std::move(read), tag});
    wake = wakeOneLocked();
  }
  if (wake) ready_.notify_one();
  return pending;
}

bool ReadPool::wakeOneLocked() {
  if (queue_.empty() || idle_ == 0 || waking_ > 0) return false;
  ++waking_;
  return true;
}

void ReadPool::work() {
  while (true) {
    Job job;
    bool wake = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++idle_;
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (waking_ > 0) --waking_;  // this reader answered the wake-up (or needed none)
      if (stopping_) return;       // queued reads are dropped: their engines stop too
      job = std::move(queue_.front());
      queue_.pop_front();
      // Reads left for idle readers: this reader wakes the next one, so that
      // a burst costs the loop that queued it one wake-up, not one per read.
      wake = wakeOneLocked();
    }
    if (wake) ready_.notify_one();
    std::vector<MetricReading> readings = job.read();
    for (size_t i = 0; i < job.pending.size(); ++i) {
      // A source that answered fewer readings than asked failed the rest.
      job.pending[i]->reading =
          i < readings.size() ? std::move(readings[i]) : MetricReading{std::nullopt, "no reading for this scope", ""};
      job.pending[i]->done.store(true, std::memory_order_release);
    }
    if (onDone_) onDone_(job.tag);
  }
}

}  // namespace pipelang::runtime
