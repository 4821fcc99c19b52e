// Which pipelines an instance acts on (runtime/service/Ownership.h,
// docs/service.md "Several instances on PostgreSQL"), against a store double:
// the fair share, giving back only idle pipelines, losing what a renewal no
// longer returns, and stopping on its own clock when renewals fail.
#include "runtime/service/Ownership.h"

#include <gtest/gtest.h>

#include <thread>

namespace pipelang::runtime::service {
namespace {

class FakeLeases final : public LeaseStore {
 public:
  const std::string& instance() const override { return id; }
  std::map<std::string, std::int64_t> renew() override {
    if (failing) throw JournalError("state DB postgresql: no connection");
    std::map<std::string, std::int64_t> out;
    for (const auto& [name, epoch] : held)
      if (!takenAway.count(name)) out[name] = epoch;
    held = out;
    return out;
  }
  std::map<std::string, std::int64_t> claim(const std::vector<std::string>& wanted, int limit) override {
    std::map<std::string, std::int64_t> out;
    for (const auto& name : wanted)
      if (static_cast<int>(out.size()) < limit && free.count(name)) out[name] = held[name] = 1;
    for (const auto& [name, epoch] : out) free.erase(name);
    return out;
  }
  void release(const std::vector<std::string>& pipelines) override {
    for (const auto& name : pipelines) {
      released.push_back(name);
      held.erase(name);
      free.insert(name);
    }
  }
  int liveInstances() override { return live; }
  bool reconnect() override { return !failing; }

  std::string id = "A";
  int live = 1;
  bool failing = false;
  std::set<std::string> free, takenAway;
  std::map<std::string, std::int64_t> held;
  std::vector<std::string> released;
};

const std::vector<std::string> kTen = {"P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"};
auto always = [](const std::string&) { return true; };

TEST(Ownership, ClaimsItsFairShareOfTheFreePipelines) {
  FakeLeases leases;
  leases.free = {kTen.begin(), kTen.end()};
  leases.live = 3;
  Ownership ownership(leases, 3);
  auto changes = ownership.tick(kTen, always);
  EXPECT_EQ(changes.gained.size(), 4u);  // ceil(10 / 3)
  EXPECT_EQ(ownership.held().size(), 4u);
  EXPECT_TRUE(ownership.holds(changes.gained[0]));
}

TEST(Ownership, GivesBackOnlyIdlePipelinesAboveItsShare) {
  FakeLeases leases;
  leases.free = {kTen.begin(), kTen.end()};
  Ownership ownership(leases, 3);
  ownership.tick(kTen, always);
  ASSERT_EQ(ownership.held().size(), 10u);
  leases.live = 2;  // another instance started
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto busy = [](const std::string& name) { return name != "P0" && name != "P1"; };  // P0, P1 in flight
  auto changes = ownership.tick(kTen, [&](const std::string& name) { return busy(name); });
  EXPECT_EQ(changes.lost.size(), 5u);
  EXPECT_TRUE(ownership.holds("P0"));
  EXPECT_TRUE(ownership.holds("P1"));
  EXPECT_EQ(leases.released.size(), 5u);
}

TEST(Ownership, APipelineTheRenewalNoLongerReturnsIsLost) {
  FakeLeases leases;
  leases.free = {"P0", "P1"};
  Ownership ownership(leases, 3);
  ownership.tick({"P0", "P1"}, always);
  leases.takenAway = {"P1"};
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the next heartbeat: lease / 3
  auto changes = ownership.tick({"P0", "P1"}, always);
  EXPECT_EQ(changes.lost, std::vector<std::string>{"P1"});
  EXPECT_FALSE(ownership.holds("P1"));
  EXPECT_TRUE(ownership.holds("P0"));
}

TEST(Ownership, AnInstanceThatCannotRenewIsOverdueAfterTheLeaseTimeOnItsOwnClock) {
  FakeLeases leases;
  leases.free = {"P0"};
  Ownership ownership(leases, 2);
  ownership.tick({"P0"}, always);
  leases.failing = true;
  EXPECT_FALSE(ownership.overdue());
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_TRUE(ownership.overdue());
  EXPECT_THROW(ownership.tick({"P0"}, always), JournalError);
  EXPECT_FALSE(ownership.holds("P0")) << "stopped acting before trying the store again";
}

}  // namespace
}  // namespace pipelang::runtime::service
