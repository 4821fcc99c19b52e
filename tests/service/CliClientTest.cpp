// piperun status|log|submit|approve|override|rollback --server and piperun
// token (docs/service.md, "CLI against a server", "Identity and tokens"): the
// real piperun binary against the real ApiServer over FakeServiceApi on 127.0.0.1.
#include "runtime/api/ApiServer.h"
#include "runtime/api/Tokens.h"
#include "tests/runtime/ProcessHarness.h"
#include "tests/service/FakeServiceApi.h"

#include <gtest/gtest.h>
#include <llvm/Support/JSON.h>

#include <csignal>
#include <thread>

using namespace pipelang::runtime;
using pipelang::runtime::testing::ProcessResult;
using pipelang::runtime::testing::Sandbox;
using pipelang::tests::FakeServiceApi;

namespace {

const char* kToken = "cli-test-token-all-roles";
const char* kViewer = "cli-test-token-viewer";

class CliClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox.write("tokens", "ci deployer,operator,approver sha256:" + api::sha256Hex(kToken) +
                                "\ndashboard viewer sha256:" + api::sha256Hex(kViewer) + "\n");
    auto started = api::ApiServer::start(fake, {"127.0.0.1:0", (sandbox.dir() / "tokens").string()});
    ASSERT_TRUE(bool(started)) << llvm::toString(started.takeError());
    server = std::move(*started);
    url = "http://127.0.0.1:" + std::to_string(server->port());
  }
  void TearDown() override { server->stop(); }
  ProcessResult piperun(const std::vector<std::string>& args, const std::string& token = kToken) {
    return sandbox.piperun(args, {{"PIPERUN_TOKEN", token}, {"PIPERUN_SERVER", url}}, 30);
  }

  Sandbox sandbox;
  FakeServiceApi fake;
  std::unique_ptr<api::ApiServer> server;
  std::string url;
};

TEST_F(CliClientTest, StatusPrintsTheTablesOfAllPipelinesAndOfOne) {
  ProcessResult all = piperun({"status"});
  EXPECT_EQ(all.exitCode, 0) << all.err;
  EXPECT_EQ(all.out,
            "PIPELINE      VERSION  STAGE  STATUS   WAITING FOR                                  LAST OUTCOME\n"
            "checkout-api  v42      gamma  waiting  window (window opens at 09:00 Europe/Paris)  v41 deployed "
            "2026-11-28T17:00:00Z\n");
  ProcessResult one = piperun({"status", "checkout-api", "--server", url});
  EXPECT_EQ(one.exitCode, 0) << one.err;
  EXPECT_EQ(one.out,
            "checkout-api  mode superseded  plan sha256:ab12\n\n"
            "STAGE  KIND     VERSION  STATE    WAITING FOR\n"
            "gamma  preprod  v42      waiting  window (window opens at 09:00 Europe/Paris)\n"
            "wave1  wave     -        idle     -\n\n"
            "VERSION  RUN  STATUS   STAGE  STEP  BAKE LEFT        SUBMITTED BY  WAITING FOR\n"
            "v42      7    waiting  gamma  bake  50m00s of 1h00m  ci            window (window opens at 09:00 "
            "Europe/Paris)\n\n"
            "window (Europe/Paris): closed, opens 2026-11-30T08:00:00Z\n"
            "blockers: sev2 ok\n");
  ProcessResult json = piperun({"status", "checkout-api", "--format=json"});
  EXPECT_EQ(json.exitCode, 0);
  auto parsed = llvm::json::parse(json.out);
  ASSERT_TRUE(bool(parsed)) << json.out;
  EXPECT_EQ(parsed->getAsObject()->getString("name"), llvm::StringRef("checkout-api"));
  EXPECT_NE(json.out.find(R"("value":0.05})"), std::string::npos) << json.out;  // a datapoint read as 0.05
}

TEST_F(CliClientTest, SubmitAndRequestsCarryTheirFieldsAndTheTokensIdentity) {
  ProcessResult submitted = piperun({"submit", "checkout-api", "v43", "--first-deploy"});
  EXPECT_EQ(submitted.exitCode, 0) << submitted.err;
  EXPECT_EQ(submitted.out, "submitted v43 to checkout-api: run 8, queued\n");
  ProcessResult approved = piperun({"approve", "checkout-api", "--stage", "gamma"});
  EXPECT_EQ(approved.out, "approve requested for checkout-api v42 (run 7, request 3)\n");
  ProcessResult overridden = piperun({"override", "checkout-api", "--blocker", "sev2", "--reason", "known issue"});
  EXPECT_EQ(overridden.exitCode, 0) << overridden.err;
  ProcessResult rolledBack =
      piperun({"rollback", "checkout-api", "--reason", "errors up", "--all", "--version", "v42", "--format=json"});
  EXPECT_EQ(rolledBack.exitCode, 0) << rolledBack.err;
  EXPECT_EQ(rolledBack.out, "{\"request_id\":3,\"run_id\":7,\"version\":\"v42\"}\n");
  auto calls = fake.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].kind + " " + calls[0].version + " " + calls[0].caller, "submit v43 ci");
  EXPECT_TRUE(calls[0].flag);
  EXPECT_EQ(calls[1].kind + " " + calls[1].stage, "approve gamma");
  EXPECT_EQ(calls[2].kind + " " + calls[2].target + " " + calls[2].reason, "override sev2 known issue");
  EXPECT_EQ(calls[3].kind + " " + calls[3].version + " " + calls[3].reason, "rollback v42 errors up");
  EXPECT_TRUE(calls[3].flag);
  for (const auto& call : calls) EXPECT_EQ(call.caller, "ci");
}

TEST_F(CliClientTest, RefusalsExitWithTheServersWords) {
  ProcessResult noToken = piperun({"status"}, "");
  EXPECT_EQ(noToken.exitCode, 1);
  EXPECT_EQ(noToken.err,
            "piperun: this call needs a token: Authorization: Bearer TOKEN (HTTP 401)\n"
            "piperun: the token comes from the environment variable PIPERUN_TOKEN\n");
  ProcessResult viewer = piperun({"submit", "checkout-api", "v43"}, kViewer);
  EXPECT_EQ(viewer.exitCode, 1);
  EXPECT_EQ(viewer.err, "piperun: dashboard may not do this: it needs the role deployer (HTTP 403)\n");
  ProcessResult unknown = piperun({"log", "nope"});
  EXPECT_EQ(unknown.exitCode, 1);
  EXPECT_EQ(unknown.err, "piperun: no pipeline named \"nope\" (HTTP 404)\n");
  ProcessResult failed = piperun({"submit", "checkout-api", "v13"});
  EXPECT_EQ(failed.exitCode, 1);
  EXPECT_EQ(failed.err, "piperun: v13 failed before; submit it again with retry_failed and a reason (HTTP 409)\n");
  ProcessResult unreachable = piperun({"status", "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(unreachable.exitCode, 1);
  EXPECT_EQ(unreachable.err.rfind("piperun: cannot reach the server at http://127.0.0.1:1: ", 0), 0u)
      << unreachable.err;
  // The viewer's submit never reached the service; v13's did and was refused there.
  ASSERT_EQ(fake.calls().size(), 1u);
  EXPECT_EQ(fake.calls()[0].version, "v13");
}

TEST_F(CliClientTest, UsageErrorsExit2BeforeAnyCall) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  for (const Case& c : std::vector<Case>{
           {{"approve", "checkout-api", "--by", "mallory"},
            "piperun: --by is not used with a server: the server records the name its tokens file gives your "
            "PIPERUN_TOKEN\n"},
           {{"submit", "checkout-api"}, "piperun: submit needs PIPELINE VERSION\n"},
           {{"submit", "checkout-api", "v43", "--retry-failed"}, "piperun: --retry-failed needs --reason TEXT\n"},
           {{"rollback", "checkout-api"}, "piperun: rollback needs --reason TEXT\n"},
           {{"override", "checkout-api", "--reason", "x"},
            "piperun: override needs --blocker NAME|window --reason TEXT\n"},
           {{"status", "--server", "ftp://x"},
            "piperun: --server must be an http:// or https:// URL, not \"ftp://x\"\n"},
           {{"log", "--state", "x.db", "checkout-api"},
            "piperun: --state is for the local DB; with a server, leave it out\n"},
           {{"token", "ci", "--roles", "admin"},
            "piperun: unknown role \"admin\" (roles: viewer, deployer, operator, approver)\n"},
           {{"serve"}, "piperun: serve needs --plans DIR (the output of `pipec plan -o`)\n"},
       }) {
    ProcessResult result = piperun(c.args);
    EXPECT_EQ(result.exitCode, 2) << c.args[0];
    EXPECT_EQ(result.err, c.err) << c.args[0];
  }
  EXPECT_TRUE(fake.calls().empty());
}

TEST_F(CliClientTest, WithoutAServerLocalCommandsAreUnchangedAndServerFlagsRefused) {
  std::map<std::string, std::string> local{{"PIPERUN_SERVER", ""}};
  ProcessResult positional = sandbox.piperun({"status", "checkout-api"}, local);
  EXPECT_EQ(positional.exitCode, 2);
  EXPECT_EQ(positional.err,
            "piperun: PIPELINE is for a server: give --server URL or set PIPERUN_SERVER (the local DB is --state "
            "DB)\n");
  ProcessResult watch = sandbox.piperun({"status", "--watch"}, local);
  EXPECT_EQ(watch.err, "piperun: --watch needs --server URL (or PIPERUN_SERVER)\n");
  // The local status still reads the state DB, as before.
  ProcessResult status = sandbox.piperun({"status", "--state", sandbox.db()}, local);
  EXPECT_EQ(status.exitCode, 1);
  EXPECT_EQ(status.err, "piperun: state DB " + sandbox.db() + " does not exist\n");
  ProcessResult approve = sandbox.piperun({"approve"}, local);
  EXPECT_EQ(approve.err, "piperun: approve needs --by WHO\n");
}

TEST_F(CliClientTest, WatchPrintsAFrameEvery2sSeparatedByABlankLineOnAPipe) {
  int pid = sandbox.start({"status", "--watch"}, {{"PIPERUN_TOKEN", kToken}, {"PIPERUN_SERVER", url}});
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  kill(pid, SIGINT);
  ProcessResult result = Sandbox::wait(pid, 10);
  EXPECT_EQ(result.signal, SIGINT);
  std::string frame = piperun({"status"}).out;
  EXPECT_EQ(result.out, frame + "\n" + frame);  // two frames in 3 s, no terminal escapes
}

TEST_F(CliClientTest, LogPrintsNotificationAttemptsAmongTheEventsInTimeOrder) {
  fake.addEvent(FakeServiceApi::kPipeline, "bake_passed", "bake passed after 1h", "gamma/bake");
  fake.addEvent(FakeServiceApi::kPipeline, "rolled_back", "v42 rolled back");  // 2026-11-29T10:00:00Z, before both
  ProcessResult result = piperun({"log", "checkout-api"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  // A step's event names the step once (its id holds its stage), a stage's event the stage.
  EXPECT_EQ(result.out,
            "2026-11-29T10:00:00Z  1    submitted        v42        gamma            v41 submitted by ci\n"
            "2026-11-29T10:00:00Z  2    deployed         v42        gamma            v41 deployed\n"
            "2026-11-29T10:00:00Z  3    bake_passed      v42        gamma/bake       bake passed after 1h\n"
            "2026-11-29T10:00:00Z  4    rolled_back      v42        gamma            v42 rolled back\n"
            "2026-11-30T04:20:00Z  -    notify           v42        oncall/webhook   rolled_back, attempt 1: failed "
            "(HTTP 500), next attempt in 1s\n"
            "2026-11-30T04:20:01Z  -    notify           v42        oncall/webhook   rolled_back, attempt 2: delivered "
            "(HTTP 200)\n");
  // JSON: one object per line, the attempts as the server gave them.
  ProcessResult json = piperun({"log", "checkout-api", "--format=json"});
  EXPECT_EQ(json.exitCode, 0) << json.err;
  EXPECT_NE(json.out.find("{\"attempt\":2,\"channel\":\"webhook\",\"event\":\"rolled_back\",\"id\":2,"
                          "\"result\":\"delivered (HTTP 200)\",\"run_id\":7,\"t\":\"2026-11-30T04:20:01Z\","
                          "\"target\":\"oncall\",\"version\":\"v42\"}\n"),
            std::string::npos)
      << json.out;
}

TEST_F(CliClientTest, LogFollowPrintsTheTrailThenNewEvents) {
  // Each step waits for the client to be following (its stream open), however
  // slow the machine (a sanitizer build under load), for at most 10 s.
  auto waitForStreams = [&](int count) {
    for (int i = 0; i < 1000 && server->streamsOpened() < count; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(server->streamsOpened(), count);
  };
  int pid = sandbox.start({"log", "checkout-api", "--follow"}, {{"PIPERUN_TOKEN", kToken}, {"PIPERUN_SERVER", url}});
  waitForStreams(1);
  fake.addEvent("other", "submitted", "not this pipeline");
  fake.addEvent(FakeServiceApi::kPipeline, "bake_started", "bake of 1h");
  EXPECT_TRUE(Sandbox::waitForOutput(pid, "bake of 1h\n", 10));
  kill(pid, SIGINT);
  ProcessResult result = Sandbox::wait(pid, 10);
  EXPECT_EQ(result.out,
            "2026-11-29T10:00:00Z  1    submitted        v42        gamma            v41 submitted by ci\n"
            "2026-11-29T10:00:00Z  2    deployed         v42        gamma            v41 deployed\n"
            "2026-11-30T04:20:00Z  -    notify           v42        oncall/webhook   rolled_back, attempt 1: failed "
            "(HTTP 500), next attempt in 1s\n"
            "2026-11-30T04:20:01Z  -    notify           v42        oncall/webhook   rolled_back, attempt 2: delivered "
            "(HTTP 200)\n"
            "2026-11-29T10:00:00Z  4    bake_started     v42        gamma            bake of 1h\n");
  // The service stopping ends the stream: piperun says so and exits 1.
  int again = sandbox.start({"log", "checkout-api", "--follow"}, {{"PIPERUN_TOKEN", kToken}, {"PIPERUN_SERVER", url}});
  waitForStreams(2);
  server->stop();
  ProcessResult ended = Sandbox::wait(again, 10);
  EXPECT_EQ(ended.exitCode, 1);
  EXPECT_EQ(ended.err, "piperun: the server at " + url + " ended the event stream\n");
}

TEST_F(CliClientTest, LogOfOneVersionPrintsItsTimelineUnderTheRunsHeader) {
  ProcessResult result = piperun({"log", "checkout-api", "--version", "v41"}, kViewer);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out,
            "== run #6: v41 (previous v40) deployed\n"
            "Sat 2026-11-28 16:00  run                             v41 submitted by ci\n"
            "Sat 2026-11-28 16:01  gamma/bake                      bake 1h started\n");
  ASSERT_EQ(fake.calls().size(), 1u);
  EXPECT_EQ(fake.calls()[0].version, "v41");
  ProcessResult json = piperun({"log", "checkout-api", "--version", "v42", "--format=json"}, kViewer);
  EXPECT_EQ(json.exitCode, 0) << json.err;
  auto value = llvm::json::parse(json.out);
  ASSERT_TRUE(bool(value)) << json.out;
  EXPECT_EQ(value->getAsObject()->getString("status").getValueOr(""), "running");
  ProcessResult missing = piperun({"log", "checkout-api", "--version", "v9"}, kViewer);
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(missing.err, "piperun: no such run of checkout-api (HTTP 404)\n");
  for (const auto& [args, err] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"log", "checkout-api", "--version", "v41", "--follow"},
            "piperun: log --version V prints one run's timeline; leave out --follow\n"},
           {{"log", "checkout-api", "--version", ""}, "piperun: \"\" is not a version name\n"},
           {{"log", "checkout-api", "--version", "v\x1b[2J"}, "piperun: \"v\\x1b[2J\" is not a version name\n"},
       }) {
    ProcessResult refused = piperun(args, kViewer);
    EXPECT_EQ(refused.exitCode, 2) << args.back();
    EXPECT_EQ(refused.err, err) << args.back();
  }
  EXPECT_EQ(fake.calls().size(), 3u);  // the usage errors asked nothing
}

TEST(TokenCommand, PrintsATokenAndTheLineThatAdmitsIt) {
  Sandbox sandbox;
  ProcessResult made = sandbox.piperun({"token", "release-bot", "--roles", "deployer,viewer"});
  ASSERT_EQ(made.exitCode, 0) << made.err;
  ASSERT_EQ(made.out.size(), 65u);
  std::string token = made.out.substr(0, 64);
  EXPECT_EQ(made.err, "release-bot deployer,viewer sha256:" + api::sha256Hex(token) + "\n");
  sandbox.write("tokens", made.err);
  auto table = api::TokenTable::load((sandbox.dir() / "tokens").string());
  ASSERT_TRUE(bool(table)) << llvm::toString(table.takeError());
  auto identity = table->find(token);
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(identity->name, "release-bot");
  EXPECT_EQ(identity->roles, (std::set<std::string>{"deployer", "viewer"}));
  EXPECT_NE(sandbox.piperun({"token", "release-bot", "--roles", "deployer"}).out, made.out);
}

}  // namespace
