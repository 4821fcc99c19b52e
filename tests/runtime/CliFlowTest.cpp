// People's commands against a real runner: override, approve, rollback, status.
#include "ProcessHarness.h"

#include <gtest/gtest.h>

#include <thread>

using namespace pipelang::runtime::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(CliFlow, OverrideLetsAStageStartAndBlockersStillHold) {
  Sandbox box;
  std::filesystem::create_directory(box.dir() / "alarms");
  box.write("alarms/org-event", "ALARM\n");
  std::vector<std::string> common = {"--state", box.db(), "--alarms-dir", "alarms"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    return args;
  };
  ProcessResult blocked =
      box.piperun(with({"run", box.plan("gated"), "--version", "v2", "--previous", "v1", "--until-blocked"}));
  EXPECT_EQ(blocked.exitCode, 4) << blocked.out << blocked.err;
  EXPECT_TRUE(has(blocked.out, "window closed (outside every allow), never opens within 400 days")) << blocked.out;

  ProcessResult status = box.piperun({"status", "--state", box.db()});
  EXPECT_TRUE(has(status.out, "wave1        waiting      window closed")) << status.out;

  ProcessResult override = box.piperun(
      {"override", "--blocker", "window", "--reason", "freeze exception #42", "--by", "alice", "--state", box.db()});
  EXPECT_EQ(override.exitCode, 0) << override.err;
  ProcessResult stillBlocked = box.piperun(with({"resume", "--until-blocked"}));
  EXPECT_EQ(stillBlocked.exitCode, 4);
  EXPECT_TRUE(has(stillBlocked.out, "override of the window for stage wave1 by alice: freeze exception #42"));
  EXPECT_TRUE(has(stillBlocked.out, "blocker org-event firing: external alarm org-event is ALARM")) << stillBlocked.out;

  box.write("alarms/org-event", "OK\n");
  ProcessResult deployed = box.piperun(with({"resume"}));
  EXPECT_EQ(deployed.exitCode, 0) << deployed.out << deployed.err;
  EXPECT_TRUE(has(deployed.out, "started: window overridden, no blocker firing")) << deployed.out;

  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_TRUE(has(log.out, "override window by alice: freeze exception #42")) << log.out;
}

TEST(CliFlow, EmergencyRunWaitsForAnApproverAndIgnoresWindows) {
  Sandbox box;
  std::filesystem::create_directory(box.dir() / "alarms");
  box.write("alarms/org-event", "OK\n");
  ProcessResult waiting =
      box.piperun({"run", box.plan("gated"), "--version", "v9", "--previous", "v1", "--emergency", "--reason",
                   "CVE-2026-0001", "--until-blocked", "--state", box.db(), "--alarms-dir", "alarms"});
  EXPECT_EQ(waiting.exitCode, 4);
  EXPECT_TRUE(has(waiting.out, "waiting for approval of the emergency run by one of: principal-engineers"));

  // Not an approver: refused at once (OperatorCommandTest has the exact words), nothing recorded.
  EXPECT_EQ(box.piperun({"approve", "--by", "bob", "--state", box.db()}).exitCode, 2);
  ProcessResult refused = box.piperun({"resume", "--until-blocked", "--state", box.db(), "--alarms-dir", "alarms"});
  EXPECT_EQ(refused.exitCode, 4);
  EXPECT_TRUE(has(refused.out, "waiting for approval of the emergency run by one of: principal-engineers"))
      << refused.out;

  EXPECT_EQ(box.piperun({"approve", "--by", "principal-engineers", "--state", box.db()}).exitCode, 0);
  ProcessResult deployed = box.piperun({"resume", "--state", box.db(), "--alarms-dir", "alarms"});
  EXPECT_EQ(deployed.exitCode, 0) << deployed.out << deployed.err;
  EXPECT_TRUE(has(deployed.out, "emergency run approved by principal-engineers"));
  EXPECT_TRUE(has(deployed.out, "started: emergency: windows do not apply")) << deployed.out;
  EXPECT_TRUE(has(deployed.out, "baking 1s")) << deployed.out;  // never zero
  EXPECT_EQ(box.read("hosts/le-a-h3"), "v9\n");
}

TEST(CliFlow, ManualRollbackReturnsTheHostsOfTheStage) {
  Sandbox box;
  int runner = box.start({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()},
                         {{"DEPLOY_SLEEP", "0.3"}});
  for (int i = 0; i < 400 && box.deployLog().size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ProcessResult request = box.piperun({"rollback", "--reason", "bad canary", "--by", "carol", "--state", box.db()});
  EXPECT_EQ(request.exitCode, 0);
  EXPECT_TRUE(has(request.out, "the runner applies it within a second")) << request.out;
  ProcessResult run = Sandbox::wait(runner, 60);
  EXPECT_EQ(run.exitCode, 3) << run.out << run.err;
  EXPECT_TRUE(has(run.out, "manual rollback by carol: bad canary")) << run.out;
  for (const auto& host : {"le-a-h1", "le-a-h2", "le-a-h3", "le-b-h1"}) {
    std::string version = box.read(std::string("hosts/") + host);
    EXPECT_TRUE(version.empty() || version == "v1\n") << host << " runs " << version;
  }
  auto status = box.status();
  EXPECT_EQ(status.getAsObject()->getObject("run")->getString("status").getValueOr(""), "rolled_back");
  EXPECT_EQ(status.getAsObject()->getObject("run")->getString("trigger").getValueOr(""), "manual");
}

}  // namespace
