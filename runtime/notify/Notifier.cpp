#include "runtime/notify/Notifier.h"

#include "runtime/notify/Channels.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <set>

namespace pipelang::runtime::notify {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void fromVariable(const char* name, int& value) {
  const char* text = std::getenv(name);
  if (!text || !*text) return;
  char* end = nullptr;
  long parsed = std::strtol(text, &end, 10);
  if (*end == '\0' && parsed >= 0 && parsed <= 24L * 3600 * 1000) value = static_cast<int>(parsed);
}

Instant wallNow() {
  return static_cast<Instant>(std::time(nullptr));
}

std::string seconds(long ms) {
  return fmt::format("{:g}s", ms / 1000.0);
}

}  // namespace

NotifyPolicy NotifyPolicy::fromEnvironment() {
  NotifyPolicy policy;
  fromVariable("PIPERUN_NOTIFY_TIMEOUT_MS", policy.attemptTimeoutMs);
  fromVariable("PIPERUN_NOTIFY_BACKOFF_MS", policy.firstBackoffMs);
  fromVariable("PIPERUN_NOTIFY_RETRY_FOR_MS", policy.retryForMs);
  fromVariable("PIPERUN_NOTIFY_EXIT_WAIT_MS", policy.exitWaitMs);
  policy.attemptTimeoutMs = std::max(policy.attemptTimeoutMs, 1);
  return policy;
}

void Outbox::record(std::int64_t runId, NotificationRecord record) {
  std::lock_guard<std::mutex> lock(mutex_);
  records_.emplace_back(runId, std::move(record));
}

std::vector<std::pair<std::int64_t, NotificationRecord>> Outbox::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(records_, {});
}

void Outbox::writeTo(Journal& journal) {
  auto records = take();
  if (records.empty()) return;
  journal.transaction([&] {
    for (const auto& [runId, record] : records) journal.notification(runId, record);
  });
}

int Outbox::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_;
}

bool Outbox::empty() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_.empty();
}

Notifier::Notifier(NotifyPolicy policy, int threads) : policy_(policy) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

Notifier::~Notifier() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (auto& job : jobs_)
      if (!job->abandoned) {
        job->abandoned = true;
        job->outbox->record(job->notification.runId,
                            {wallNow(), job->target, job->channel, job->notification.event,
                             job->running ? fmt::format("abandoned: piperun stopped during attempt {}", job->attempt)
                                          : fmt::format("abandoned: piperun stopped before attempt {}", job->attempt),
                             job->attempt});
        end(*job);
      }
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void Notifier::send(const NotifyTarget& target, const Notification& notification, std::shared_ptr<Outbox> outbox) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = Clock::now();
  for (const auto& [channel, address] : {std::pair{"webhook", &target.webhook}, std::pair{"run", &target.run}}) {
    if (address->empty()) continue;
    auto job = std::make_shared<Job>();
    job->target = target.name;
    job->channel = channel;
    job->address = *address;
    job->notification = notification;
    job->outbox = outbox;
    job->first = job->due = now;
    {
      std::lock_guard<std::mutex> count(outbox->mutex_);
      ++outbox->pending_;
    }
    jobs_.push_back(std::move(job));
  }
  wake_.notify_all();
}

void Notifier::end(Job& job) {
  std::lock_guard<std::mutex> count(job.outbox->mutex_);
  --job.outbox->pending_;
}

void Notifier::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    std::shared_ptr<Job> next;
    auto now = Clock::now();
    std::optional<Clock::time_point> soonest;
    // One receiver gets first attempts in the order of the events (jobs_ is in
    // send order): a job waits while an earlier one to the same address has
    // not ended its first attempt; retries may interleave.
    std::set<std::string> firstAttemptAhead;
    for (auto& job : jobs_) {
      std::string receiver = job->channel + '\n' + job->address;
      bool behind = job->attempt == 1 && firstAttemptAhead.count(receiver);
      if (job->attempt == 1) firstAttemptAhead.insert(receiver);
      if (job->running || behind) continue;
      if (job->due <= now && (!next || job->due < next->due)) next = job;
      if (!soonest || job->due < *soonest) soonest = job->due;
    }
    if (!next) {
      if (soonest)
        wake_.wait_until(lock, *soonest);
      else
        wake_.wait(lock);
      continue;
    }
    next->running = true;
    lock.unlock();
    attempt(*next);
    lock.lock();
    next->running = false;
    if (next->abandoned || next->due == Clock::time_point::max()) {
      jobs_.erase(std::remove(jobs_.begin(), jobs_.end(), next), jobs_.end());
      ended_.notify_all();
    }
    wake_.notify_all();  // the others' soonest may have changed
  }
}

// One attempt, then either the end (delivered, or no time left) or the next attempt's time.
void Notifier::attempt(Job& job) {
  AttemptResult result = job.channel == "webhook" ? postWebhook(job.address, job.notification, policy_.attemptTimeoutMs)
                                                  : runCommand(job.address, job.notification, policy_.attemptTimeoutMs);
  auto now = Clock::now();
  long backoff =
      std::min<long>(static_cast<long>(policy_.firstBackoffMs) << std::min(job.attempt - 1, 20), policy_.maxBackoffMs);
  long used = std::chrono::duration_cast<milliseconds>(now + milliseconds(backoff) - job.first).count();
  std::string text;
  bool over = true;
  if (result.delivered) {
    text = "delivered (" + result.detail + ")";
  } else if (used <= policy_.retryForMs) {
    text = "failed (" + result.detail + "), next attempt in " + seconds(backoff);
    over = false;
  } else {
    text = "failed (" + result.detail + "), gave up after " + std::to_string(job.attempt) + " attempt" +
           (job.attempt == 1 ? "" : "s");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (job.abandoned) return;  // the destructor recorded it
  job.outbox->record(job.notification.runId,
                     {wallNow(), job.target, job.channel, job.notification.event, text, job.attempt});
  if (over) {
    job.due = Clock::time_point::max();
    end(job);
  } else {
    ++job.attempt;
    job.due = now + milliseconds(backoff);
  }
}

bool Notifier::finish(Outbox& outbox) {
  auto deadline = Clock::now() + milliseconds(policy_.exitWaitMs);
  std::unique_lock<std::mutex> lock(mutex_);
  while (outbox.pending() > 0 && Clock::now() < deadline) ended_.wait_until(lock, deadline);
  if (outbox.pending() == 0) return true;
  for (auto& job : jobs_)
    if (job->outbox.get() == &outbox && !job->abandoned) {
      job->abandoned = true;
      outbox.record(job->notification.runId,
                    {wallNow(), job->target, job->channel, job->notification.event,
                     job->running ? fmt::format("abandoned: piperun exited during attempt {}", job->attempt)
                                  : fmt::format("abandoned: piperun exited before attempt {}", job->attempt),
                     job->attempt});
      end(*job);
    }
  jobs_.erase(std::remove_if(jobs_.begin(), jobs_.end(), [&](const auto& job) { return job->outbox.get() == &outbox; }),
              jobs_.end());
  return false;
}

}  // namespace pipelang::runtime::notify
