// `piperun simulate` keeps its journal only when asked (docs/runtime.md,
// "Try it without touching anything"): in memory by default, in the state DB
// that --state names otherwise, readable afterwards by `piperun status`.
#include "ProcessHarness.h"

#include <gtest/gtest.h>

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
