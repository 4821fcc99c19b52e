#include "runtime/journal/PgLeases.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

namespace pipelang::runtime {
namespace {}  // namespace

std::string newInstanceId() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  unsigned random = 0;
  std::ifstream in("/dev/urandom", std::ios::binary);
  in.read(reinterpret_cast<char*>(&random), sizeof random);
  return fmt::format("{}-{}-{:08x}", host, getpid(), random);
}

PgLeases::PgLeases(PgStore& store, std::string instance, int leaseSeconds)
    : store_(store), instance_(std::move(instance)), leaseSeconds_(std::max(1, leaseSeconds)) {
  store_.requireFences();
  store_.setApplicationName("piperun " + instance_);
}

std::map<std::string, std::int64_t> PgLeases::renew() {
  std::map<std::string, std::int64_t> renewed;
  store_.transaction([&] {
    store_.exec(
        "INSERT INTO instances(id, machine, seen_until) VALUES($1, $2, now() + make_interval(secs => $3)) "
        "ON CONFLICT(id) DO UPDATE SET seen_until = excluded.seen_until",
        {instance_, PgStore::machine(), std::to_string(leaseSeconds_)});
    auto r = store_.exec(
        "UPDATE leases SET expires_at = now() + make_interval(secs => $2) WHERE owner = $1 AND expires_at > now() "
        "RETURNING pipeline, epoch",
        {instance_, std::to_string(leaseSeconds_)});
    for (int i = 0; i < r.rows(); ++i) {
      auto it = held_.find(r.text(i, 0));
      if (it != held_.end() && it->second == r.integer(i, 1)) renewed.insert(*it);
    }
  });
  for (const auto& [pipeline, epoch] : held_)
    if (!renewed.count(pipeline)) store_.unfence(pipeline);
  held_ = renewed;
  return renewed;
}

std::map<std::string, std::int64_t> PgLeases::claim(const std::vector<std::string>& wanted, int limit) {
  std::map<std::string, std::int64_t> taken;
  if (wanted.empty() || limit <= 0) return taken;
  store_.transaction([&] {
    std::string names = pgTextArray(wanted);
    store_.exec("INSERT INTO leases(pipeline) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", {names});
    // Each instance walks the free leases in its own order, and skips rows
    // another claimer has locked, so claimers do not queue behind one another.
    auto r = store_.exec(
        "UPDATE leases SET owner = $2, epoch = epoch + 1, expires_at = now() + make_interval(secs => $4) "
        "WHERE pipeline IN (SELECT pipeline FROM leases WHERE pipeline = ANY($1::text[]) AND (expires_at <= now() "
        "OR owner = $2) ORDER BY md5(pipeline || $2) LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING pipeline, epoch",
        {names, instance_, std::to_string(limit), std::to_string(leaseSeconds_)});
    for (int i = 0; i < r.rows(); ++i) taken[r.text(i, 0)] = r.integer(i, 1);
  });
  for (const auto& [pipeline, epoch] : taken) {
    held_[pipeline] = epoch;
    store_.fence(pipeline, instance_, epoch);
  }
  return taken;
}

void PgLeases::release(const std::vector<std::string>& pipelines) {
  if (pipelines.empty()) return;
  for (const auto& pipeline : pipelines) {
    held_.erase(pipeline);
    store_.unfence(pipeline);
  }
  store_.exec("UPDATE leases SET owner = '', expires_at = 'epoch' WHERE owner = $1 AND pipeline = ANY($2::text[])",
              {instance_, pgTextArray(pipelines)});
}

int PgLeases::liveInstances() {
  return static_cast<int>(store_.exec("SELECT count(*) FROM instances WHERE seen_until > now()").integer(0, 0));
}

bool PgLeases::reconnect() {
  held_.clear();
  return store_.reconnect();
}

}  // namespace pipelang::runtime
