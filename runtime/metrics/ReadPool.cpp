#include "runtime/metrics/ReadPool.h"

namespace pipelang::runtime {

ReadPool::ReadPool(int threads, std::function<void(std::int64_t)> onDone) : onDone_(std::move(onDone)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { work(); });
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
  auto pending = std::make_shared<PendingRead>();
  pending->at = at;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back({pending, std::move(read), tag});
  }
  ready_.notify_one();
  return pending;
}

void ReadPool::work() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // queued reads are dropped: their engines stop too
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.pending->reading = job.read();
    job.pending->done.store(true, std::memory_order_release);
    if (onDone_) onDone_(job.tag);
  }
}

}  // namespace pipelang::runtime
