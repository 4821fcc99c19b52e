// Leases, epochs and fencing of the PostgreSQL store (docs/service.md
// "Several instances on PostgreSQL"): two connections play two piperun
// instances. Runs under ctest's pg_leases_postgresql (with_postgres.sh, a
// throw-away PostgreSQL 15 cluster on 127.0.0.1); skipped without it.
#include "runtime/journal/PgLeases.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace pipelang::runtime {
namespace {

class PgLeaseFencing : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("PIPE_TEST_POSTGRES")) GTEST_SKIP() << "PostgreSQL runs under ctest's pg_leases_postgresql";
    auto admin = PgStore::open("");
    ASSERT_TRUE(bool(admin)) << llvm::toString(admin.takeError());
    (*admin)->exec("DROP SCHEMA public CASCADE");
    (*admin)->exec("CREATE SCHEMA public");
    admin->reset();
    a = open();
    b = open();
  }
  static std::unique_ptr<PgServiceStore> open() {
    auto store = PgServiceStore::open("");
    if (!store) {
      ADD_FAILURE() << llvm::toString(store.takeError());
      return nullptr;
    }
    return std::move(*store);
  }
  static RunRecord queued(const std::string& version) {
    RunRecord run;
    run.version = version;
    run.status = "queued";
    run.planDigest = "sha256:aa";
    return run;
  }
  static void sleepPast(int seconds) { std::this_thread::sleep_for(std::chrono::milliseconds(seconds * 1000 + 300)); }
  std::unique_ptr<PgServiceStore> a, b;
};

TEST_F(PgLeaseFencing, ATakeoverIncrementsTheEpochAndTheOldOwnersLateWritesAreRefused) {
  PgLeases leasesA(a->store(), "A", 1), leasesB(b->store(), "B", 1);
  EXPECT_EQ(leasesA.claim({"Checkout"}, 1), (std::map<std::string, std::int64_t>{{"Checkout", 1}}));
  EXPECT_TRUE(leasesB.claim({"Checkout"}, 1).empty()) << "held and unexpired: not B's to take";
  std::int64_t first = a->journal("Checkout").createRun(queued("v1"));
  sleepPast(1);  // A paused: no renewal
  EXPECT_EQ(leasesB.claim({"Checkout"}, 1), (std::map<std::string, std::int64_t>{{"Checkout", 2}}));
  RunRecord late = *a->journal("Checkout").run(first);
  late.status = "failed";
  EXPECT_THROW(a->journal("Checkout").updateRun(late), LeaseLost);
  EXPECT_THROW(a->journal("Checkout").createRun(queued("v9")), LeaseLost);
  EXPECT_THROW(a->journal("Checkout").event(first, {0, first, 5, "failed", "", "", "late", ""}), LeaseLost);
  // Nothing of A's late writes landed; B, the new owner, writes.
  EXPECT_EQ(b->journal("Checkout").runs().size(), 1u);
  EXPECT_EQ(b->journal("Checkout").run(first)->status, "queued");
  EXPECT_TRUE(b->journal("Checkout").events().empty());
  RunRecord going = *b->journal("Checkout").run(first);
  going.status = "running";
  b->journal("Checkout").updateRun(going);
  EXPECT_EQ(a->journal("Checkout").run(first)->status, "running");
  // A's renewal says it holds nothing any more.
  EXPECT_TRUE(leasesA.renew().empty());
}

TEST_F(PgLeaseFencing, AnExpiredLeaseRefusesWritesEvenBeforeAnyoneTakesOver) {
  PgLeases leasesA(a->store(), "A", 1);
  leasesA.claim({"Checkout"}, 1);
  a->journal("Checkout").setMeta("known_good", "v1");
  sleepPast(1);
  EXPECT_THROW(a->journal("Checkout").setMeta("known_good", "v2"), LeaseLost);
  EXPECT_EQ(b->journal("Checkout").meta("known_good").value_or(""), "v1");
}

TEST_F(PgLeaseFencing, AWholeTransactionIsRefusedWhenItsFenceFails) {
  PgLeases leasesA(a->store(), "A", 1), leasesB(b->store(), "B", 1);
  leasesA.claim({"Checkout"}, 1);
  std::int64_t run = a->journal("Checkout").createRun(queued("v1"));
  sleepPast(1);
  leasesB.claim({"Checkout"}, 1);
  Journal& journal = a->journal("Checkout");
  EXPECT_THROW(journal.transaction([&] {
    journal.setStage(run, "beta", "active", 7);
    journal.setStep(run, "beta/deploy", "started", 7);
  }),
               LeaseLost);
  EXPECT_TRUE(b->journal("Checkout").stageStates(run).empty());
  EXPECT_TRUE(b->journal("Checkout").steps(run).empty());
}

TEST_F(PgLeaseFencing, RenewalKeepsLeasesAndAPipelineNeverClaimedCannotBeWritten) {
  PgLeases leasesA(a->store(), "A", 2), leasesB(b->store(), "B", 2);
  leasesA.claim({"Checkout", "Search"}, 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(leasesA.renew().size(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // past the first expiry, not the renewed one
  EXPECT_TRUE(leasesB.claim({"Checkout", "Search"}, 5).empty());
  a->journal("Search").setMeta("known_good", "v3");
  EXPECT_THROW(a->journal("Billing").setMeta("known_good", "v1"), LeaseLost);
  EXPECT_THROW(b->journal("Search").setMeta("known_good", "v4"), LeaseLost);
  EXPECT_EQ(leasesA.liveInstances(), 1) << "B has claimed nothing, but never said it was alive";
  leasesB.renew();
  EXPECT_EQ(leasesA.liveInstances(), 2);
}

TEST_F(PgLeaseFencing, ClaimsTakeAtMostTheLimitAndAReleasedLeaseIsFreeAtOnce) {
  PgLeases leasesA(a->store(), "A", 30), leasesB(b->store(), "B", 30);
  EXPECT_EQ(leasesA.claim({"P1", "P2", "P3", "P4"}, 3).size(), 3u);
  auto rest = leasesB.claim({"P1", "P2", "P3", "P4"}, 3);
  ASSERT_EQ(rest.size(), 1u);
  std::string mine = leasesA.renew().begin()->first;
  leasesA.release({mine});
  EXPECT_EQ(leasesB.claim({mine}, 1), (std::map<std::string, std::int64_t>{{mine, 2}}));
  EXPECT_THROW(a->journal(mine).setMeta("known_good", "v1"), LeaseLost);
}

TEST_F(PgLeaseFencing, ASchemaVersionOneDatabaseIsMigratedToTheLatest) {
  a->store().exec(
      "DROP TABLE leases; DROP TABLE instances; DROP TABLE forwarded; ALTER TABLE calls DROP COLUMN machine; "
      "DROP TABLE notifications; DROP INDEX calls_open; DROP INDEX calls_by_run; DROP INDEX requests_by_pipeline");
  a->store().exec("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  a->journal("Checkout").createRun(queued("v1"));
  auto again = open();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->store().exec("SELECT value FROM meta WHERE key = 'schema_version'").text(0, 0), "4");
  EXPECT_EQ(again->store().exec("SELECT count(*) FROM pg_indexes WHERE indexname IN ('calls_open', 'calls_by_run', "
                                "'requests_by_pipeline')")
                .text(0, 0),
            "3");
  EXPECT_EQ(again->store().exec("SELECT to_regclass('notifications') IS NOT NULL").text(0, 0), "t");
  EXPECT_EQ(again->journal("Checkout").runs().size(), 1u);
  PgLeases leases(again->store(), "C", 5);
  EXPECT_EQ(leases.claim({"Checkout"}, 1).size(), 1u);
  CallRecord call{0, 1, "beta/deploy", "deploy", "h1", 4242, 1, 10, 60};
  again->journal("Checkout").callStarted(call);
  ASSERT_EQ(again->journal("Checkout").openCalls().size(), 1u);
  EXPECT_FALSE(again->journal("Checkout").openCalls()[0].elsewhere);
}

TEST_F(PgLeaseFencing, ACallRecordedOnAnotherMachineIsNeverTakenForALocalProcess) {
  PgLeases leases(a->store(), "A", 5);
  leases.claim({"Checkout"}, 1);
  std::int64_t run = a->journal("Checkout").createRun(queued("v1"));
  a->journal("Checkout").callStarted({0, run, "beta/deploy", "deploy", "h1", 4242, 1, 10, 60});
  a->store().exec("UPDATE calls SET machine = 'elsewhere/other-boot'");
  auto calls = a->journal("Checkout").openCalls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].elsewhere);
}

}  // namespace
}  // namespace pipelang::runtime
