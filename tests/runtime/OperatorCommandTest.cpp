// Operator commands check what they are told, at once (runtime.md, "Operator
// commands"): blocker names, approvers and separation of duties, escaped text
// from people, options kept for resume, and plans no provider can read.
#include "ProcessHarness.h"

#include <gtest/gtest.h>

#include <thread>

using namespace pipelang::runtime::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(OperatorCommand, OverrideTakesTheNamesStatusShowsAndRefusesOthers) {
  Sandbox box;
  std::filesystem::create_directory(box.dir() / "alarms");
  box.write("alarms/org-event", "ALARM\n");
  ProcessResult blocked = box.piperun({"run", box.plan("gated"), "--version", "v2", "--previous", "v1",
                                       "--until-blocked", "--state", box.db(), "--alarms-dir", "alarms"});
  ASSERT_EQ(blocked.exitCode, 4) << blocked.out << blocked.err;
  ProcessResult status = box.piperun({"status", "--state", box.db()});
  EXPECT_TRUE(has(status.out,
                  "to start it anyway: piperun override --blocker window --reason TEXT --by WHO --state " + box.db()))
      << status.out;

  ProcessResult wrong =
      box.piperun({"override", "--blocker", "org_evnt", "--reason", "r", "--by", "alice", "--state", box.db()});
  EXPECT_EQ(wrong.exitCode, 2);
  EXPECT_EQ(wrong.err,
            "piperun: override: org_evnt is not a blocker of GatedLab; it can override: org_event (external alarm "
            "org-event), window\n");
  EXPECT_EQ(box.piperun({"override", "--blocker", "window", "--reason", "freeze exception", "--by", "alice", "--state",
                         box.db()})
                .exitCode,
            0);
  // resume keeps --alarms-dir from the run's start: the blocker is seen firing, not unknown.
  ProcessResult stillBlocked = box.piperun({"resume", "--until-blocked", "--state", box.db()});
  EXPECT_EQ(stillBlocked.exitCode, 4);
  EXPECT_TRUE(has(stillBlocked.out, "blocker org-event firing: external alarm org-event is ALARM")) << stillBlocked.out;
  status = box.piperun({"status", "--state", box.db()});
  EXPECT_TRUE(has(status.out, "to start it anyway: piperun override --blocker org_event --reason TEXT --by WHO"))
      << status.out;

  ProcessResult byExternal = box.piperun(
      {"override", "--blocker", "org-event", "--reason", "known event", "--by", "alice", "--state", box.db()});
  EXPECT_EQ(byExternal.exitCode, 0) << byExternal.err;
  EXPECT_TRUE(has(byExternal.out, "recorded override of blocker org_event (shown as org-event) for v2"))
      << byExternal.out;
  ProcessResult deployed = box.piperun({"resume", "--until-blocked", "--state", box.db()});
  EXPECT_EQ(deployed.exitCode, 0) << deployed.out << deployed.err;
}

TEST(OperatorCommand, ResumeKeepsTheAlarmsDirTheRunStartedWith) {
  Sandbox box;
  std::filesystem::create_directory(box.dir() / "alarms");
  box.write("alarms/org-event", "OK\n");
  ProcessResult blocked = box.piperun({"run", box.plan("gated"), "--version", "v2", "--previous", "v1",
                                       "--until-blocked", "--state", box.db(), "--alarms-dir", "alarms"});
  ASSERT_EQ(blocked.exitCode, 4);
  ASSERT_EQ(
      box.piperun({"override", "--blocker", "window", "--reason", "r", "--by", "alice", "--state", box.db()}).exitCode,
      0);
  ProcessResult deployed = box.piperun({"resume", "--until-blocked", "--state", box.db()});
  EXPECT_EQ(deployed.exitCode, 0) << deployed.out << deployed.err;
  EXPECT_TRUE(has(deployed.out, "started: window overridden, no blocker firing")) << deployed.out;
}

TEST(OperatorCommand, ApproveRefusesNonApproversAndTheRunsStarterAtOnce) {
  Sandbox box;
  std::filesystem::create_directory(box.dir() / "alarms");
  box.write("alarms/org-event", "OK\n");
  ProcessResult waiting = box.piperun({"run", box.plan("gated"), "--version", "v9", "--previous", "v1", "--emergency",
                                       "--reason", "CVE-2026-0001", "--by", "principal-engineers", "--until-blocked",
                                       "--state", box.db(), "--alarms-dir", "alarms"});
  ASSERT_EQ(waiting.exitCode, 4) << waiting.err;
  ProcessResult self = box.piperun({"approve", "--by", "principal-engineers", "--state", box.db()});
  EXPECT_EQ(self.exitCode, 2);
  EXPECT_EQ(self.err,
            "piperun: approve: principal-engineers started run #1 (v9); separation of duties: someone else must "
            "approve it\n");
  ProcessResult stranger = box.piperun({"approve", "--by", "bob", "--state", box.db()});
  EXPECT_EQ(stranger.exitCode, 2);
  EXPECT_EQ(stranger.err,
            "piperun: approve: bob is not one of the emergency approvers of GatedLab (principal-engineers)\n");
  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_FALSE(has(log.out, "approve")) << "refused approvals are not recorded: " << log.out;
}

TEST(OperatorCommand, EmergencyRunRecordsWhoStartedIt) {
  Sandbox box;
  std::filesystem::create_directory(box.dir() / "alarms");
  box.write("alarms/org-event", "OK\n");
  ProcessResult waiting =
      box.piperun({"run", box.plan("gated"), "--version", "v9", "--previous", "v1", "--emergency", "--reason", "CVE",
                   "--until-blocked", "--state", box.db(), "--alarms-dir", "alarms"},
                  {{"USER", "dana"}});
  ASSERT_EQ(waiting.exitCode, 4);
  ProcessResult self = box.piperun({"approve", "--by", "dana", "--state", box.db()});
  EXPECT_EQ(self.exitCode, 2);
  EXPECT_TRUE(has(self.err, "dana started run #1 (v9); separation of duties")) << self.err;
  ProcessResult log = box.piperun({"log", "--state", box.db()});
  EXPECT_TRUE(has(log.out, "v9 submitted by dana as an EMERGENCY: CVE")) << log.out;
  EXPECT_TRUE(has(box.piperun({"status", "--state", box.db()}).out, "\nstarted by: dana\n"));
  EXPECT_EQ(box.status().getAsObject()->getObject("run")->getString("started_by").getValueOr(""), "dana");
}

TEST(OperatorCommand, ControlCharactersArePrintedEscapedEverywhere) {
  Sandbox box;
  ProcessResult forged =
      box.piperun({"run", box.plan("crash"), "--version", "v2\nSun 2026-11-29 23:00  run  v2 deployed everywhere",
                   "--previous", "v1", "--state", box.db()});
  EXPECT_EQ(forged.exitCode, 2);
  EXPECT_EQ(forged.err,
            "piperun: --version must be a version identifier without control characters, not "
            "\"v2\\nSun 2026-11-29 23:00  run  v2 deployed everywhere\"\n");

  int runner = box.start({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()},
                         {{"DEPLOY_SLEEP", "0.3"}});
  for (int i = 0; i < 400 && box.deployLog().size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const std::string who = "mallory\x1b[2K\x1b[1Galice";
  const std::string why = "canary bad\nSun 2026-11-29 22:59  approval  approved by principal-engineers";
  ProcessResult request = box.piperun({"rollback", "--by", who, "--reason", why, "--state", box.db()});
  EXPECT_EQ(request.exitCode, 0) << request.err;
  ProcessResult run = Sandbox::wait(runner, 60);
  EXPECT_EQ(run.exitCode, 3) << run.out << run.err;
  ProcessResult log = box.piperun({"log", "--state", box.db()});
  ProcessResult status = box.piperun({"status", "--state", box.db()});
  const std::string shown =
      "manual rollback by mallory\\x1b[2K\\x1b[1Galice: canary bad\\nSun 2026-11-29 22:59  approval  approved by "
      "principal-engineers";
  for (const auto* text : {&run.out, &log.out, &status.out}) {
    EXPECT_TRUE(has(*text, shown)) << *text;
    EXPECT_FALSE(has(*text, "\x1b")) << *text;
    EXPECT_FALSE(has(*text, "\nSun 2026-11-29 22:59")) << *text;
  }
  auto json = box.status();
  EXPECT_EQ(json.getAsObject()->getObject("run")->getString("message").getValueOr("").str(),
            "manual rollback by " + who + ": " + why);
}

TEST(OperatorCommand, RunRefusesAPlanWhoseMetricsHaveNoProvider) {
  Sandbox box;
  ProcessResult run =
      box.piperun({"run", box.plan("global"), "--version", "v2", "--previous", "v1", "--state", box.db()}, {}, 20);
  EXPECT_EQ(run.exitCode, 2) << run.out << run.err;
  EXPECT_TRUE(has(run.err,
                  "piperun: no provider for metrics fault_rate (prometheus: no --prometheus URL and no "
                  "prometheus_url in the plan)"))
      << run.err;
  EXPECT_FALSE(std::filesystem::exists(box.db()));
}

}  // namespace
