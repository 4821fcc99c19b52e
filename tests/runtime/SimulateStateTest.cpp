// `piperun simulate` keeps its journal only when asked (docs/runtime.md,
// "Try it without touching anything"): in memory by default, in the state DB
// that --state names otherwise, readable afterwards by `piperun status`.
#include "ProcessHarness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace pipelang::runtime::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string kBadVersion = PIPE_RUNTIME_FIXTURES "/scenarios/bad-version.json";

std::set<std::string> entries(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.path().filename().string().rfind("out-", 0) != 0)  // the harness's capture of stdout and stderr
      names.insert(entry.path().string());
  return names;
}

TEST(SimulateState, WithoutStateNothingIsWritten) {
  Sandbox box;
  std::set<std::string> before = entries(box.dir());
  ProcessResult sim = box.piperun({"simulate", box.plan("global"), "--scenario", kBadVersion});
  EXPECT_EQ(sim.exitCode, 3) << sim.out << sim.err;
  EXPECT_EQ(entries(box.dir()), before) << "a simulation wrote files without --state";
}

// A large plan's digest is checked on a second thread while the simulation
// is set up (docs/performance.md, issue 18): an edited plan is still refused
// with the digest's error, before a broken scenario's, and keeps no state.
TEST(SimulateState, AnEditedLargePlanIsRefusedByItsDigestBeforeAnythingElse) {
  Sandbox box;
  std::string text = box.read(box.plan("region30"));
  size_t at = text.find("\"pipeline\":");
  ASSERT_NE(at, std::string::npos);
  text.insert(text.find('"', at + 11) + 1, "Edited");
  box.write("edited.plan.json", text);
  box.write("broken.json", "{\"version\": ");
  std::string plan = (box.dir() / "edited.plan.json").string();
  for (const std::string& scenario :
       {std::string(PIPE_RUNTIME_FIXTURES "/scenarios/region30-good.json"), (box.dir() / "broken.json").string()})
    for (bool keep : {false, true}) {
      std::vector<std::string> args = {"simulate", plan, "--scenario", scenario, "--format", "json"};
      if (keep) args.insert(args.end(), {"--state", box.db()});
      ProcessResult sim = box.piperun(args);
      EXPECT_EQ(sim.exitCode, 1) << sim.out << sim.err;
      EXPECT_EQ(sim.out, "");
      EXPECT_TRUE(has(sim.err, "piperun: " + plan + ": digest: digest mismatch: the plan says sha256:")) << sim.err;
      EXPECT_EQ(std::count(sim.err.begin(), sim.err.end(), '\n'), 1) << sim.err;
      EXPECT_FALSE(std::filesystem::exists(box.db())) << "a refused plan left a state DB";
    }
}

TEST(SimulateState, StateKeepsTheJournalForStatus) {
  Sandbox box;
  ProcessResult sim = box.piperun({"simulate", box.plan("global"), "--scenario", kBadVersion, "--state", box.db()});
  EXPECT_EQ(sim.exitCode, 3) << sim.out << sim.err;
  ProcessResult status = box.piperun({"status", "--state", box.db()});
  EXPECT_EQ(status.exitCode, 0) << status.err;
  EXPECT_TRUE(has(status.out, "run #1: v2 (previous v1) rolled_back — high_faults at gamma/us-west-2/onebox"))
      << status.out;

  // A DB kept for one plan is refused for another, as `run` refuses it.
  ProcessResult other = box.piperun({"simulate", box.plan("region30"), "--scenario",
                                     PIPE_RUNTIME_FIXTURES "/scenarios/region30-good.json", "--state", box.db()});
  EXPECT_EQ(other.exitCode, 1) << other.out;
  EXPECT_TRUE(has(other.err, "piperun: state DB was written for plan sha256:")) << other.err;
}

}  // namespace
