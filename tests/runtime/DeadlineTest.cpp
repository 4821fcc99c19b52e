// A call's timeout counts from its own start (docs/runtime.md): never from a
// `now` read before slow work such as metric queries.
#include "runtime/deploy/ExecDeployer.h"
#include "runtime/engine/Engine.h"
#include "runtime/plan/PlanReader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <thread>

using namespace pipelang::runtime;

namespace {

DeployCall sleepCall(const std::string& seconds, int timeoutS) {
  DeployCall call;
  call.action = "deploy";
  call.command = "sleep " + seconds;
  call.timeoutS = timeoutS;
  return call;
}

DeployResult waitFor(ExecDeployer& deployer, int handle, Instant now) {
  for (int i = 0; i < 2000; ++i) {
    if (auto result = deployer.poll(handle, now)) return *result;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {};
}

TEST(Deadline, ExecCallTimeoutCountsFromItsSpawnNotFromAStaleNow) {
  ExecDeployer deployer;
  Instant now = static_cast<Instant>(std::time(nullptr));
  // The engine read `now` 10 s ago (slow metric queries since): the call still gets its 3 s.
  int handle = deployer.start(sleepCall("0.3", 3), now - 10);
  DeployResult result = waitFor(deployer, handle, now);
  EXPECT_TRUE(result.ok) << result.summary;
  EXPECT_EQ(result.summary, "exit 0");
}

TEST(Deadline, ExecCallStillTimesOutAfterItsOwnTimeout) {
  ExecDeployer deployer;
  auto begin = std::chrono::steady_clock::now();
  int handle = deployer.start(sleepCall("30", 1), static_cast<Instant>(std::time(nullptr)));
  DeployResult result = waitFor(deployer, handle, static_cast<Instant>(std::time(nullptr)));
  auto tookMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_TRUE(result.timedOut);
  EXPECT_EQ(result.summary, "timed out after 1s (process group killed)");
  EXPECT_GE(tookMs, 950);
  EXPECT_LT(tookMs, 5000);
}

// Every metric read takes 2 s of (virtual) time; every deploy call must be
// started with the time at which it really starts.
TEST(Deadline, EngineStartsEachCallWithAFreshClockReading) {
  auto plan = readPlanFile(PIPE_RUNTIME_FIXTURES "/plans/crash.plan.json");
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  auto journal = Journal::open(":memory:", false);
  ASSERT_TRUE(bool(journal));
  ASSERT_FALSE(bool((*journal)->bindPlan(*plan, false)));
  VirtualClock clock(1'800'000'000);
  struct SlowMetrics final : MetricSource, ExternalAlarmSource {
    explicit SlowMetrics(Clock& c) : clock(c) {}
    MetricReading read(const MetricRequest& request) override {
      clock.waitUntil(clock.now() + 2, false);
      return {0.001, "", request.metric.query};
    }
    std::optional<bool> firing(const std::string&, Instant) override { return false; }
    Clock& clock;
  } metrics(clock);
  struct Recording final : Deployer {
    explicit Recording(Clock& c) : clock(c) {}
    int start(const DeployCall& call, Instant now) override {
      starts.push_back({call.step, now, clock.now()});
      return static_cast<int>(starts.size());
    }
    std::optional<DeployResult> poll(int, Instant) override { return DeployResult{true, 0, false, "", "", "exit 0"}; }
    void cancel(int) override {}
    struct Start {
      std::string step;
      Instant given, actual;
    };
    std::vector<Start> starts;
    Clock& clock;
  } deployer(clock);
  struct Sink final : EventSink {
    void onEvent(const EngineEvent&) override {}
  } sink;
  RunRecord run;
  run.version = "v2";
  run.previous = "v1";
  run.status = "queued";
  Engine engine(*plan, **journal, clock, deployer, metrics, metrics, sink);
  EngineResult result = engine.execute((*journal)->createRun(run));
  EXPECT_EQ(result.outcome, Outcome::Deployed) << result.message;
  ASSERT_GE(deployer.starts.size(), 9u);
  for (const auto& start : deployer.starts) EXPECT_EQ(start.given, start.actual) << start.step;
}

}  // namespace
