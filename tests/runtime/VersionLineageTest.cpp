// The version lineage (runtime.md, "Version lineage"): a run's previous
// version is the last known-good when it starts; a first deployment is asked
// for and rolls back to nothing; a failed version is refused unless retried
// on the record; a rollback names what earlier stages still run, and
// `rollback --all` returns them after the run has ended too.
#include "ProcessHarness.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <thread>

using namespace pipelang::runtime::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::vector<std::string> kHosts = {"le-a-h1", "le-a-h2", "le-a-h3", "le-b-h1", "le-b-h2",
                                         "le-b-h3", "lw-a-h1", "lw-a-h2", "lw-a-h3"};

// A metric script whose fault rate is 5% for one version or one region.
void badFor(const Sandbox& box, const std::string& test) {
  box.write("metric.sh", "#!/bin/sh\nif [ " + test + " ]; then echo 0.05; else echo 0.001; fi\n");
  chmod((box.dir() / "metric.sh").c_str(), 0755);
}

TEST(VersionLineage, QueuedVersionRollsBackToTheKnownGoodOfItsStart) {
  Sandbox box;
  badFor(box, "\"$PIPE_VERSION\" = v3");
  int runner = box.start({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()},
                         {{"DEPLOY_SLEEP", "0.3"}});
  for (int i = 0; i < 400 && box.deployLog().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ProcessResult queued = box.piperun({"run", box.plan("crash"), "--version", "v3", "--state", box.db()});
  EXPECT_EQ(queued.exitCode, 1);
  EXPECT_TRUE(has(queued.err, "v3 is queued and will start after v2 ends")) << queued.err;
  ProcessResult run = Sandbox::wait(runner, 90);
  EXPECT_EQ(run.exitCode, 0) << run.out << run.err;
  EXPECT_TRUE(has(run.out, "deploying crashlab v3 (previous v2)")) << run.out;
  EXPECT_TRUE(has(run.out, "outcome: rolled_back v3")) << run.out;
  for (const auto& line : box.deployLog())
    if (line.rfind("rollback ", 0) == 0) {
      EXPECT_EQ(line.substr(0, 15), "rollback v2 v3 ") << line;
    }
  for (const auto& host : kHosts) EXPECT_EQ(box.read("hosts/" + host), "v2\n") << host;
  auto status = box.status();
  EXPECT_EQ(status.getAsObject()->getString("known_good").getValueOr(""), "v2");
}

TEST(VersionLineage, FirstDeploymentIsAskedForAndRollsBackToNothing) {
  Sandbox box;
  badFor(box, "\"$PIPE_REGION\" = lab-east");
  ProcessResult refused = box.piperun({"run", box.plan("crash"), "--version", "v1", "--state", box.db()});
  EXPECT_EQ(refused.exitCode, 2);
  EXPECT_TRUE(has(refused.err, "no known-good version of CrashLab is recorded")) << refused.err;
  EXPECT_TRUE(has(refused.err, "--first-deploy (a rollback then undeploys: PIPE_VERSION empty)")) << refused.err;
  EXPECT_TRUE(box.deployLog().empty());

  ProcessResult first =
      box.piperun({"run", box.plan("crash"), "--version", "v1", "--first-deploy", "--state", box.db()});
  EXPECT_EQ(first.exitCode, 3) << first.out << first.err;
  EXPECT_TRUE(has(first.out, "deploying crashlab v1 (first deployment: a rollback undeploys)")) << first.out;
  EXPECT_TRUE(has(first.out, "1 host back on nothing (undeployed) (le-a-h1)")) << first.out;
  bool rolledBack = false;
  for (const auto& line : box.deployLog()) {
    EXPECT_FALSE(has(line, "none")) << line;
    if (line.rfind("rollback ", 0) == 0) {
      EXPECT_EQ(line.substr(0, 13), "rollback  v1 ") << line;  // PIPE_VERSION empty, previous v1
      rolledBack = true;
    }
  }
  EXPECT_TRUE(rolledBack);
  EXPECT_EQ(box.read("hosts/le-a-h1"), "\n");
}

TEST(VersionLineage, FailedVersionIsRefusedUnlessRetriedOnTheRecord) {
  Sandbox box;
  box.write("fault_rate", "0.05\n");
  ProcessResult bad =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--quiet"});
  ASSERT_EQ(bad.exitCode, 3) << bad.err;
  std::filesystem::remove(box.dir() / "fault_rate");
  size_t calls = box.deployLog().size();

  ProcessResult refused = box.piperun({"run", box.plan("crash"), "--version", "v2", "--state", box.db()});
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_TRUE(has(refused.err, "v2 is marked failed: run #1 was rolled back at wave1/lab-east/onebox (high_faults: "))
      << refused.err;
  EXPECT_TRUE(has(refused.err, "--retry-failed --reason TEXT --by WHO")) << refused.err;
  EXPECT_EQ(box.deployLog().size(), calls);
  EXPECT_EQ(box.piperun({"run", box.plan("crash"), "--version", "v2", "--retry-failed", "--state", box.db()}).exitCode,
            2);

  ProcessResult retried = box.piperun({"run", box.plan("crash"), "--version", "v2", "--retry-failed", "--reason",
                                       "fault was the config, fixed", "--by", "alice", "--state", box.db(), "--quiet"});
  EXPECT_EQ(retried.exitCode, 0) << retried.err;
  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_TRUE(has(log.out, "v2 was marked failed; deployed again by alice: fault was the config, fixed")) << log.out;

  ProcessResult again = box.piperun({"run", box.plan("crash"), "--version", "v2", "--state", box.db(), "--quiet"});
  EXPECT_EQ(again.exitCode, 0);
  EXPECT_TRUE(has(again.err, "v2 is already the last known-good version (deployed everywhere): deploying it again\n"))
      << again.err;
}

// Messages end in a real newline: printable() escapes only the values they quote.
TEST(VersionLineage, RollbackNamesEarlierStagesAndRollbackAllWorksAfterTheEnd) {
  Sandbox box;
  badFor(box, "\"$PIPE_REGION\" = lab-west");
  ProcessResult run =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()});
  EXPECT_EQ(run.exitCode, 3) << run.out << run.err;
  EXPECT_TRUE(has(run.out,
                  "6 hosts of earlier, completed stages still run v2: le-a-h1 le-a-h2 le-a-h3 le-b-h1 le-b-h2 le-b-h3; "
                  "`piperun rollback --all --reason TEXT --by WHO` returns them"))
      << run.out;
  EXPECT_EQ(box.read("hosts/le-a-h1"), "v2\n");

  ProcessResult all =
      box.piperun({"rollback", "--all", "--reason", "v2 is bad everywhere", "--by", "carol", "--state", box.db()});
  EXPECT_EQ(all.exitCode, 0) << all.out << all.err;
  EXPECT_TRUE(has(all.out, "rolling back the 6 hosts still on v2 (run #1), as asked by carol\n")) << all.out;
  for (const auto& host : kHosts)  // wave2's batches never ran: no file
    if (std::filesystem::exists(box.dir() / "hosts" / host)) {
      EXPECT_EQ(box.read("hosts/" + host), "v1\n") << host;
    }
  ProcessResult again = box.piperun({"rollback", "--all", "--reason", "twice", "--by", "carol", "--state", box.db()});
  EXPECT_EQ(again.exitCode, 0);
  EXPECT_TRUE(has(again.out, "no host runs v2 any more: nothing to roll back\n")) << again.out;
}

}  // namespace
