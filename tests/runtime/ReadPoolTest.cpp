// The metric read pool of `piperun serve` (runtime/metrics/ReadPool.h): a
// burst of reads queued at once runs on as many readers as it has, though the
// loop that queues them wakes only one (each reader wakes the next).
#include "runtime/metrics/ReadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace pipelang::runtime {
namespace {

// Reads that each wait (at most 10 s) until all of them are running at once:
// with fewer readers running than reads, none of them sees the others.
struct Rendezvous {
  explicit Rendezvous(int expected) : expected(expected) {}
  bool arriveAndWait() {
    std::unique_lock<std::mutex> lock(mutex);
    ++arrived;
    all.notify_all();
    return all.wait_for(lock, std::chrono::seconds(10), [this] { return arrived >= expected; });
  }
  const int expected;
  std::mutex mutex;
  std::condition_variable all;
  int arrived = 0;
};

TEST(ReadPool, ABurstOfReadsRunsOnEveryReaderAtOnce) {
  constexpr int kReaders = 6;
  Rendezvous meeting(kReaders);
  std::atomic<int> done{0};
  ReadPool pool(kReaders, [&](std::int64_t) { ++done; });
  // Every reader asleep first, as between a service's bursts: a reader still
  // starting would find the queue full on its own.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<std::shared_ptr<PendingRead>> reads;
  for (int i = 0; i < kReaders; ++i)
    reads.push_back(pool.launch(
        100,
        [&] {
          return MetricReading{meeting.arriveAndWait() ? 1.0 : 0.0, "", ""};
        },
        i));
  for (auto& read : reads) {
    while (!read->done.load(std::memory_order_acquire)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(read->reading.value, 1.0) << "a read ran while fewer than " << kReaders << " readers were running";
    EXPECT_EQ(read->at, 100);
  }
  EXPECT_EQ(done.load(), kReaders);
}

TEST(ReadPool, ReadsQueuedOneByOneWhileReadersWorkAreAllAnswered) {
  ReadPool pool(3, {});
  std::vector<std::shared_ptr<PendingRead>> reads;
  for (int i = 0; i < 200; ++i) {
    reads.push_back(pool.launch(i, [i] { return MetricReading{double(i), "", ""}; }));
    if (i % 7 == 0) std::this_thread::yield();
  }
  for (int i = 0; i < 200; ++i) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!reads[i]->done.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(reads[i]->done.load()) << "read " << i << " was queued but never ran";
    EXPECT_EQ(reads[i]->reading.value, double(i));
  }
}

}  // namespace
}  // namespace pipelang::runtime
