// The same store tests against both implementations of the store interfaces
// (docs/service.md "The store"): the embedded SQLite store always, and the
// PostgreSQL store when PIPE_TEST_POSTGRES is set (ctest runs this binary
// under pg_virtualenv, a throw-away PostgreSQL 15 cluster on localhost, and
// libpq takes the connection from PGHOST/PGPORT/PGUSER/PGPASSWORD).
#include "runtime/journal/PgStore.h"
#include "runtime/journal/SqliteServiceStore.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>

namespace pipelang::runtime {
namespace {

std::unique_ptr<ServiceStore> openStore(const std::string& kind) {
  if (kind == "sqlite") {
    std::string path = ::testing::TempDir() + "conformance-" + std::to_string(::getpid()) + ".db";
    std::remove(path.c_str());
    auto store = SqliteServiceStore::open(path);
    if (!store) ADD_FAILURE() << llvm::toString(store.takeError());
    return store ? std::move(*store) : nullptr;
  }
  // A fresh schema for each test: the cluster lives for the whole binary.
  auto admin = PgStore::open("");
  if (!admin) {
    ADD_FAILURE() << llvm::toString(admin.takeError());
    return nullptr;
  }
  (*admin)->exec("DROP SCHEMA public CASCADE");
  (*admin)->exec("CREATE SCHEMA public");
  admin->reset();
  auto store = PgServiceStore::open("");
  if (!store) ADD_FAILURE() << llvm::toString(store.takeError());
  return store ? std::move(*store) : nullptr;
}

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql" && !std::getenv("PIPE_TEST_POSTGRES"))
      GTEST_SKIP() << "PostgreSQL runs under ctest's store_conformance_postgresql (pg_virtualenv)";
    store = openStore(GetParam());
    ASSERT_TRUE(store);
  }
  std::unique_ptr<ServiceStore> store;
};

TEST_P(StoreConformance, RunsAreThePipelinesOwnInSubmissionOrder) {
  Journal& a = store->journal("Checkout");
  Journal& b = store->journal("Search");
  RunRecord run;
  run.version = "v2";
  run.previous = "v1";
  run.status = "running";
  run.planDigest = "sha256:aa";
  run.submittedBy = "ci";
  std::int64_t first = a.createRun(run);
  run.version = "v3";
  std::int64_t second = a.createRun(run);
  run.version = "x1";
  b.createRun(run);
  ASSERT_EQ(a.activeRuns().size(), 2u);
  EXPECT_EQ(a.activeRuns()[0].id, first);
  EXPECT_EQ(a.activeRuns()[1].version, "v3");
  EXPECT_EQ(a.run(first)->submittedBy, "ci");
  EXPECT_EQ(a.run(first)->planDigest, "sha256:aa");
  EXPECT_FALSE(b.run(first).has_value());
  RunRecord done = *a.run(second);
  done.status = "rolled_back";
  done.trigger = "high_faults";
  done.finishedAt = 99;
  a.updateRun(done);
  EXPECT_EQ(a.latestRun()->status, "rolled_back");
  EXPECT_EQ(a.activeRuns().size(), 1u);
  EXPECT_EQ(store->pipelinesWithRuns(), (std::vector<std::string>{"Checkout", "Search"}));
}

TEST_P(StoreConformance, HostsRememberWhatTheyRanBeforeEachRun) {
  Journal& a = store->journal("Checkout");
  a.knowHost("prod", "us-east-1", "use1-az1", "h1", "v1", 10);
  a.hostsMoving("prod", "us-east-1", "use1-az1", {"h1"}, "v2", 11, 7);
  EXPECT_EQ(a.hosts().at(0).pendingVersion, "v2");
  a.hostsSettled("prod", {"h1"}, "v2", 12);
  a.hostsMoving("prod", "us-east-1", "use1-az1", {"h1"}, "v3", 13, 8);
  a.hostsMoving("prod", "us-east-1", "use1-az1", {"h1"}, "v2", 14, 8);  // a second move of run 8 keeps the first
  EXPECT_EQ(a.hostsBefore(7).at("prod/h1"), "v1");
  EXPECT_EQ(a.hostsBefore(8).at("prod/h1"), "v2");
  EXPECT_EQ(a.hosts().at(0).version, "v2");
  EXPECT_TRUE(store->journal("Search").hosts().empty());
}

TEST_P(StoreConformance, StepsBakesStagesAndTransactions) {
  Journal& a = store->journal("Checkout");
  RunRecord run;
  run.version = "v2";
  run.status = "running";
  std::int64_t id = a.createRun(run);
  a.transaction([&] {
    a.setStage(id, "wave1", "active", 5);
    a.setStep(id, "wave1/bake", "started", 6);
    a.setBake(id, "wave1/bake", {3600, 120, 0.5});
  });
  a.setStep(id, "wave1/bake", "done", 7, "bake passed");
  EXPECT_EQ(a.stageStates(id).at("wave1"), "active");
  EXPECT_EQ(a.steps(id).at("wave1/bake").state, "done");
  EXPECT_EQ(a.steps(id).at("wave1/bake").startedAt, 6);
  EXPECT_EQ(a.bakes(id).at("wave1/bake").elapsedS, 120);
  EXPECT_DOUBLE_EQ(a.bakes(id).at("wave1/bake").trafficSum, 0.5);
  // A failed transaction leaves nothing behind.
  EXPECT_THROW(a.transaction([&] {
    a.setStage(id, "wave2", "active", 8);
    throw JournalError("stop");
  }),
               JournalError);
  EXPECT_EQ(a.stageStates(id).count("wave2"), 0u);
}

TEST_P(StoreConformance, EventsFeedRequestsCallsAndEvaluations) {
  Journal& a = store->journal("Checkout");
  Journal& b = store->journal("Search");
  RunRecord run;
  run.version = "v2";
  run.status = "running";
  std::int64_t ra = a.createRun(run);
  run.version = "s9";
  std::int64_t rb = b.createRun(run);
  a.event(ra, {0, ra, 1, "stage_started", "wave1", "", "started", ""});
  b.event(rb, {0, rb, 2, "deployed", "", "", "done", ""});
  auto feed = store->eventsAfter(0, "", 10);
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].pipeline, "Checkout");
  EXPECT_EQ(feed[1].version, "s9");
  EXPECT_EQ(store->eventsAfter(feed[0].event.id, "", 10).size(), 1u);
  EXPECT_EQ(store->eventsAfter(0, "Search", 10).size(), 1u);
  EXPECT_EQ(store->latestEventId(), feed[1].event.id);
  std::int64_t request = a.addRequest({0, ra, "approve", "", "", "lead", "wave1", 3});
  EXPECT_EQ(a.requestsAfter(0).size(), 1u);
  EXPECT_TRUE(a.requestsAfter(request).empty());
  EXPECT_TRUE(b.requestsAfter(0).empty());
  a.callStarted({0, ra, "wave1/b1", "deploy", "h1 h2", 4242, 777, 5, 600});
  ASSERT_EQ(a.openCalls().size(), 1u);
  EXPECT_EQ(a.openCalls()[0].startTicks, 777u);
  EXPECT_TRUE(b.openCalls().empty());
  a.callEnded(4242, 9);
  EXPECT_TRUE(a.openCalls().empty());
  a.evaluation(ra, {5, "zone z1", "fault_rate > 0.01", "fault_rate", "q", "", 0.02, true});
  a.evaluation(ra, {6, "zone z1", "fault_rate > 0.01", "fault_rate", "q", "timeout", std::nullopt, false});
  auto evaluations = a.evaluations(ra, 10);
  ASSERT_EQ(evaluations.size(), 2u);
  EXPECT_FALSE(evaluations[0].value.has_value());
  EXPECT_EQ(evaluations[1].value.value_or(0), 0.02);
  EXPECT_TRUE(evaluations[1].breach);
}

TEST_P(StoreConformance, MetaAndPlansByDigest) {
  store->journal("Checkout").setMeta("known_good", "v7");
  EXPECT_EQ(store->journal("Checkout").meta("known_good").value_or(""), "v7");
  EXPECT_FALSE(store->journal("Search").meta("known_good").has_value());
  store->savePlan("sha256:01", "{\"plan\": 1}");
  store->savePlan("sha256:01", "ignored: a digest names one text");
  EXPECT_EQ(store->planText("sha256:01").value_or(""), "{\"plan\": 1}");
  EXPECT_FALSE(store->planText("sha256:02").has_value());
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformance, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace pipelang::runtime
