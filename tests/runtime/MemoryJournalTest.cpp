// The in-memory journal of `piperun simulate` (runtime/journal/MemoryJournal.h)
// answers every read as the SQLite journal does after the same writes, and a
// simulation decides the same whether its journal is kept (--state) or not.
#include "runtime/journal/MemoryJournal.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/sim/Simulation.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <filesystem>

using namespace pipelang::runtime;

namespace {

// Every read of the interface, as one text, so two journals compare at once.
std::string dump(Journal& j, const std::vector<std::int64_t>& runIds) {
  std::string out;
  auto run = [&](const RunRecord& r) {
    out += fmt::format("run {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}\n", r.id, r.version, r.previous, r.status,
                       r.planDigest, r.submittedBy, r.emergency, r.rollbackAll, r.reason, r.trigger, r.stage, r.step,
                       r.message, r.submittedAt, r.startedAt, r.finishedAt);
  };
  for (const auto& r : j.runs()) run(r);
  for (const auto& r : j.activeRuns()) run(r);
  if (auto r = j.activeRun()) run(*r);
  if (auto r = j.nextQueuedRun()) run(*r);
  if (auto r = j.latestRun()) run(*r);
  for (const auto& key : {"plan_digest", "pipeline", "known_good", "absent"})
    out += fmt::format("meta {}={}\n", key, j.meta(key).value_or("(none)"));
  for (const auto& h : j.hosts())
    out += fmt::format("host {} {} {} {} {} {} {}\n", h.fleet, h.host, h.region, h.zone, h.version, h.pendingVersion,
                       h.updatedAt);
  for (const auto& e : j.events())
    out += fmt::format("event {} {} {} {} {} {} {} {}\n", e.id, e.runId, e.t, e.type, e.stage, e.step, e.message,
                       e.detail);
  for (std::int64_t id : runIds) {
    if (auto r = j.run(id)) run(*r);
    for (const auto& [stage, state] : j.stageStates(id)) out += fmt::format("stage {} {}\n", stage, state);
    for (const auto& [step, s] : j.steps(id))
      out += fmt::format("step {} {} {} {} {}\n", step, s.state, s.startedAt, s.finishedAt, s.result);
    for (const auto& [step, b] : j.bakes(id))
      out += fmt::format("bake {} {} {} {}\n", step, b.requiredS, b.elapsedS, b.trafficSum);
    for (const auto& [host, before] : j.hostsBefore(id)) out += fmt::format("before {} {}\n", host, before);
    for (const auto& e : j.events(id)) out += fmt::format("event {} {}\n", e.id, e.type);
    for (const auto& c : j.commands(id))
      out += fmt::format("command {} {} {} {} {} {} {} {} {}\n", c.t, c.step, c.action, c.command, c.hosts, c.result,
                         c.output, c.errors, c.exitCode);
    for (int limit : {-1, 0, 2})
      for (const auto& e : j.evaluations(id, limit))
        out += fmt::format("evaluation {} {} {} {} {} {} {} {} {}\n", limit, e.t, e.scope, e.condition, e.metric,
                           e.query, e.error, e.value ? fmt::format("{}", *e.value) : "null", e.breach);
  }
  for (const auto& c : j.openCalls())
    out += fmt::format("open call {} {} {} {} {} {} {} {} {}\n", c.id, c.runId, c.step, c.action, c.hosts, c.pgid,
                       c.startTicks, c.startedAt, c.timeoutS);
  for (std::int64_t after : {0, 1, 2})
    for (const auto& r : j.requestsAfter(after))
      out += fmt::format("request {} {} {} {} {} {} {} {} {}\n", after, r.id, r.runId, r.kind, r.target, r.reason,
                         r.who, r.stage, r.t);
  return out;
}

// The writes a run, a rollback and a second run make, in the engine's order.
std::vector<std::int64_t> write(Journal& j) {
  Plan plan;
  plan.digest = "sha256:ab";
  plan.pipeline = "Checkout";
  plan.text = "{}";
  EXPECT_FALSE(bool(j.bindPlan(plan, false)));
  RunRecord first;
  first.version = "v2";
  first.previous = "v1";
  first.status = "queued";
  first.trigger = "ignored by createRun";
  first.finishedAt = 77;
  first.submittedAt = 5;
  first.submittedBy = "ci";
  std::int64_t a = j.createRun(first);
  j.transaction([&] {
    j.knowHost("prod", "r1", "z1", "h2", "v1", 10);
    j.knowHost("prod", "r1", "z1", "h1", "v1", 10);
    j.knowHost("gamma", "r1", "z1", "g1", "v1", 10);
    j.knowHost("prod", "r1", "z1", "h1", "v0", 11);  // known: ignored
  });
  RunRecord running = *j.run(a);
  running.status = "running";
  running.startedAt = 20;
  running.version = "not updated";
  j.updateRun(running);
  j.setStage(a, "wave1", "waiting", 20);
  j.setStage(a, "wave1", "active", 21);
  j.setStep(a, "wave1/h", "started", 22);
  j.hostsMoving("prod", "r1", "z1", {"h1", "h3"}, "v2", 22, a);
  j.hostsMoving("prod", "r1", "z1", {"h1"}, "v2", 23, a);  // the first move's "before" stays
  // New hosts out of (fleet, host) order, and two that both read "prod/a/x": hosts() and hostsBefore() sort as SQLite.
  j.hostsMoving("prod/a", "r2", "z9", {"x"}, "v2", 24, a);
  j.hostsMoving("prod", "r2", "z9", {"h9", "a/x", "h10"}, "v2", 24, a);
  j.hostsSettled("prod", {"h1", "h3", "unknown"}, "v2", 30);
  j.setStep(a, "wave1/h", "done", 30, "exit 0");
  j.setStep(a, "wave1/h", "started", 31);  // restarted: keeps its end and result
  j.setBake(a, "wave1/bake", {600, 60, 1.5});
  j.setBake(a, "wave1/bake", {600, 120, 2.5});
  j.event(a, {0, 99, 22, "step_started", "wave1", "wave1/h", "deploying", "{\"quiet\":false}"});
  j.event(a, {0, 0, 30, "step_done", "wave1", "wave1/h", "2 hosts on v2", ""});
  j.event(42, {0, 0, 30, "stray", "", "", "of no run", ""});
  j.command(a, {30, "wave1/h", "deploy", "deploy.sh", "h1 h3", "exit 0", "out", "err", 0});
  j.evaluation(a, {40, "zone z1", "fault_rate > 0.01", "fault_rate", "q", "", 0.5, true});
  j.evaluation(a, {41, "zone z1", "fault_rate > 0.01", "fault_rate", "q", "timeout", std::nullopt, false});
  j.evaluation(a, {42, "zone z1", "fault_rate > 0.01", "fault_rate", "q", "", 0.25, false});
  std::int64_t call = j.callStarted({0, a, "wave1/h", "deploy", "h1", 700, 12345, 22, 60});
  j.callStarted({0, a, "wave1/h", "deploy", "h3", 701, 12346, 22, 60});
  j.callStarted({0, 42, "x", "deploy", "h3", 702, 1, 22, 60});  // of no run: never open
  EXPECT_EQ(call, 1);
  j.callEnded(700, 31);
  j.addRequest({0, a, "override", "window", "hotfix", "alice", "wave1", 25});
  j.addRequest({0, a, "approve", "", "", "bob", "", 26});
  j.setMeta("known_good", "v1");
  j.setMeta("known_good", "v2");

  RunRecord rolled = *j.run(a);
  rolled.status = "rolled_back";
  rolled.trigger = "high_faults";
  rolled.stage = "wave1";
  rolled.finishedAt = 50;
  j.updateRun(rolled);
  j.hostsMoving("prod", "r1", "z1", {"h1"}, "v1", 45);  // a rollback's move records no "before"
  RunRecord second;
  second.version = "v3";
  second.previous = "v1";
  second.status = "running";
  std::int64_t b = j.createRun(second);
  j.hostsMoving("prod", "r1", "z1", {"h1", "h2"}, "v3", 60, b);
  j.setStage(b, "wave1", "active", 60);
  return {a, b, 42};
}

TEST(MemoryJournal, AnswersEveryReadAsTheSqliteJournalDoes) {
  auto sqlite = Journal::open(":memory:", false);
  ASSERT_TRUE(bool(sqlite)) << llvm::toString(sqlite.takeError());
  MemoryJournal memory;
  auto sqliteRuns = write(**sqlite);
  auto memoryRuns = write(memory);
  EXPECT_EQ(memoryRuns, sqliteRuns);
  std::string expected = dump(**sqlite, sqliteRuns);
  EXPECT_EQ(dump(memory, memoryRuns), expected);
  EXPECT_NE(expected.find("before prod/h1 v1"), std::string::npos) << expected;
  EXPECT_NE(expected.find("step wave1/h started 31 30 exit 0"), std::string::npos) << expected;
}

TEST(MemoryJournal, RefusesAPlanOfAnotherDigestOrPipelineAsSqliteDoes) {
  MemoryJournal memory;
  Plan plan;
  plan.digest = "sha256:ab";
  plan.pipeline = "Checkout";
  ASSERT_FALSE(bool(memory.bindPlan(plan, false)));
  Plan other = plan;
  other.digest = "sha256:cd";
  EXPECT_EQ(llvm::toString(memory.bindPlan(other, false)),
            "state DB was written for plan sha256:ab but this plan is sha256:cd; use the plan the DB was started "
            "with, or another --state");
  other.digest = plan.digest;
  other.pipeline = "Search";
  EXPECT_EQ(llvm::toString(memory.bindPlan(other, true)), "state DB belongs to pipeline Checkout, not Search");
}

// The global plan with every scenario, the other plan fixtures with a good and
// a bad version: the timeline and the JSON report are the same with the
// journal in memory and kept in a state DB.
TEST(MemoryJournal, SimulationsDecideTheSameWithTheJournalKeptOrNot) {
  namespace fs = std::filesystem;
  int compared = 0;
  for (const auto& planFile : fs::directory_iterator(PIPE_RUNTIME_FIXTURES "/plans")) {
    // region30 is the SimulationScale tests' (seconds with a kept journal).
    if (planFile.path().extension() != ".json" || planFile.path().filename() == "region30.plan.json") continue;
    auto plan = readPlanFile(planFile.path().string());
    ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
    for (const auto& scenarioFile : fs::directory_iterator(PIPE_RUNTIME_FIXTURES "/scenarios")) {
      std::string name = scenarioFile.path().stem().string();
      if (planFile.path().filename() != "global.plan.json" && name != "good" && name != "bad-version") continue;
      auto scenario = readScenarioFile(scenarioFile.path().string(), *plan);
      if (!scenario) {  // written for another plan's stages
        llvm::consumeError(scenario.takeError());
        continue;
      }
      std::string db = ::testing::TempDir() + "memory-journal-" + std::to_string(::getpid()) + ".db";
      std::remove(db.c_str());
      auto kept = simulate(*plan, *scenario, db);
      auto unkept = simulate(*plan, *scenario);
      std::remove(db.c_str());
      std::remove((db + ".lock").c_str());
      ASSERT_TRUE(kept && unkept);
      std::string what = planFile.path().filename().string() + " " + scenarioFile.path().filename().string();
      EXPECT_EQ(timelineText(*unkept), timelineText(*kept)) << what;
      std::string keptJson, unkeptJson;
      llvm::raw_string_ostream(keptJson) << reportJson(*kept);
      llvm::raw_string_ostream(unkeptJson) << reportJson(*unkept);
      EXPECT_EQ(unkeptJson, keptJson) << what;
      ++compared;
    }
  }
  EXPECT_GE(compared, 12);
}

}  // namespace
