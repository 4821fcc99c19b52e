#include "runtime/metrics/ReadPool.h"

namespace pipelang::runtime {

ReadPool::ReadPool(int threads, std::function<void()> onDone) : onDone_(std::move(onDone)) {
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

std::shared_ptr<PendingRead> ReadPool::launch(Instant at, std::function<MetricReading()> read) {
  auto pending = std::make_shared<PendingRead>();
  pending->at = at;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back(pending, std::move(read));
  }
  ready_.notify_one();
  return pending;
}

void ReadPool::work() {
  while (true) {
    std::shared_ptr<PendingRead> pending;
    std::function<MetricReading()> read;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // queued reads are dropped: their engines stop too
      pending = std::move(queue_.front().first);
      read = std::move(queue_.front().second);
      queue_.pop_front();
    }
    pending->reading = read();
    pending->done.store(true, std::memory_order_release);
    if (onDone_) onDone_();
  }
}

}  // namespace pipelang::runtime
