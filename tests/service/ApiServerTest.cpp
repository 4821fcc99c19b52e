// The HTTP API of `piperun serve` (docs/service.md, "API", "Identity and
// tokens") on 127.0.0.1 over FakeServiceApi: what a client sees, status by
// status, and what reaches the service (the caller's name for the audit log).
#include "runtime/api/ApiServer.h"
#include "runtime/api/Tokens.h"
#include "tests/service/FakeServiceApi.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/JSON.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <future>

using namespace pipelang::runtime;
using pipelang::tests::FakeServiceApi;

namespace {

const char* kDeployerToken = "deployer-token-0123456789";
const char* kViewerToken = "viewer-token-0123456789";
const char* kOperatorToken = "operator-token-0123456789";
const char* kApproverToken = "approver-token-0123456789";

std::string tempFile(const std::string& text) {
  llvm::SmallString<128> path;
  llvm::sys::fs::createTemporaryFile("tokens", "txt", path);
  std::ofstream(path.str().str()) << text;
  return path.str().str();
}

std::string tokensText() {
  return "# who may do what\n"
         "ci deployer sha256:" +
         api::sha256Hex(kDeployerToken) +
         "\n"
         "dashboard viewer sha256:" +
         api::sha256Hex(kViewerToken) +
         "\n\n"
         "alice operator,viewer sha256:" +
         api::sha256Hex(kOperatorToken) +
         "\n"
         "bob approver sha256:" +
         api::sha256Hex(kApproverToken) + "\n";
}

std::string errorOf(const httplib::Result& result) {
  auto body = llvm::json::parse(result->body);
  if (!body) return "not JSON: " + result->body;
  return body->getAsObject()->getString("error").getValueOr("").str();
}

class ApiServerTest : public ::testing::Test {
 protected:
  void start(bool withTokens, std::chrono::milliseconds heartbeat = std::chrono::milliseconds(15000)) {
    api::ApiServerOptions options;
    options.listen = "127.0.0.1:0";
    if (withTokens) options.tokensFile = tokensFile = tempFile(tokensText());
    options.heartbeat = heartbeat;
    auto started = api::ApiServer::start(fake, options);
    ASSERT_TRUE(bool(started)) << llvm::toString(started.takeError());
    server = std::move(*started);
    client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    client->set_read_timeout(5, 0);
  }
  void TearDown() override {
    if (server) server->stop();
    if (!tokensFile.empty()) llvm::sys::fs::remove(tokensFile);
  }
  httplib::Headers bearer(const char* token) { return {{"Authorization", std::string("Bearer ") + token}}; }
  httplib::Result post(const std::string& path, const std::string& body, const char* token) {
    return client->Post(path.c_str(), token ? bearer(token) : httplib::Headers{}, body, "application/json");
  }

  FakeServiceApi fake;
  std::unique_ptr<api::ApiServer> server;
  std::unique_ptr<httplib::Client> client;
  std::string tokensFile;
};

TEST_F(ApiServerTest, WithTokensEveryCallNeedsAValidToken) {
  start(true);
  auto none = client->Get("/api/v1/pipelines");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer realm=\"piperun\"");
  EXPECT_EQ(errorOf(none), "this call needs a token: Authorization: Bearer TOKEN");
  auto bad = client->Get("/api/v1/pipelines", bearer("not-a-token"));
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(errorOf(bad), "the token is not valid");
  auto basic = client->Get("/api/v1/pipelines", {{"Authorization", "Basic YWxpY2U6eA=="}});
  EXPECT_EQ(basic->status, 401);
  EXPECT_EQ(errorOf(basic), "the Authorization header must be Bearer TOKEN");
  auto unauthorisedSubmit = post("/api/v1/pipelines/checkout-api/versions", R"({"version":"v43"})", nullptr);
  EXPECT_EQ(unauthorisedSubmit->status, 401);
  EXPECT_TRUE(fake.calls().empty());
  // Any role reads.
  auto read = client->Get("/api/v1/pipelines/checkout-api", bearer(kDeployerToken));
  EXPECT_EQ(read->status, 200);
  // Health is for probes: no token.
  EXPECT_EQ(client->Get("/healthz")->status, 200);
}

TEST_F(ApiServerTest, ADatapointReadAs005IsAnswered005) {
  // docs/runtime.md "Numbers in JSON output": the shortest text that reads back
  // as the same double, not llvm's 17 digits (0.050000000000000003).
  start(false);
  auto read = client->Get("/api/v1/pipelines/checkout-api");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  EXPECT_NE(read->body.find(R"("alarms":[{"breach":false,"condition":"errors > 1%","error":null,"run_id":7,)"
                            R"("scope":"gamma","t":"2026-11-29T09:10:00Z","value":0.05}])"),
            std::string::npos)
      << read->body;
  EXPECT_EQ(read->body.find("0.0500000"), std::string::npos) << read->body;
  EXPECT_NE(read->body.find(R"("final_exposure":1,)"), std::string::npos) << read->body;
}

TEST_F(ApiServerTest, EachMutatingCallNeedsItsRoleAndTheAuditGetsTheTokensName) {
  start(true);
  auto viewer = post("/api/v1/pipelines/checkout-api/versions", R"({"version":"v43"})", kViewerToken);
  EXPECT_EQ(viewer->status, 403);
  EXPECT_EQ(errorOf(viewer), "dashboard may not do this: it needs the role deployer");
  auto operatorApproves = post("/api/v1/pipelines/checkout-api/approve", "{}", kOperatorToken);
  EXPECT_EQ(operatorApproves->status, 403);
  EXPECT_EQ(errorOf(operatorApproves), "alice may not do this: it needs the role approver");
  auto deployerRollsBack = post("/api/v1/pipelines/checkout-api/rollback", R"({"reason":"x"})", kDeployerToken);
  EXPECT_EQ(deployerRollsBack->status, 403);
  EXPECT_EQ(errorOf(deployerRollsBack), "ci may not do this: it needs the role operator");
  EXPECT_TRUE(fake.calls().empty());

  auto submitted =
      post("/api/v1/pipelines/checkout-api/versions", R"({"version":"v43","first_deploy":true})", kDeployerToken);
  EXPECT_EQ(submitted->status, 202);
  EXPECT_EQ(submitted->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(post("/api/v1/pipelines/checkout-api/approve", R"({"stage":"gamma"})", kApproverToken)->status, 202);
  EXPECT_EQ(post("/api/v1/pipelines/checkout-api/override", R"({"target":"window","reason":"hotfix"})", kOperatorToken)
                ->status,
            202);
  EXPECT_EQ(
      post("/api/v1/pipelines/checkout-api/rollback", R"({"reason":"errors up","all":true})", kOperatorToken)->status,
      202);
  auto calls = fake.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].kind, "submit");
  EXPECT_EQ(calls[0].caller, "ci");
  EXPECT_EQ(calls[0].version, "v43");
  EXPECT_TRUE(calls[0].flag);
  EXPECT_EQ(calls[1].caller, "bob");
  EXPECT_EQ(calls[1].stage, "gamma");
  EXPECT_EQ(calls[2].caller, "alice");
  EXPECT_EQ(calls[2].target, "window");
  EXPECT_EQ(calls[2].reason, "hotfix");
  EXPECT_EQ(calls[3].caller, "alice");
  EXPECT_TRUE(calls[3].flag);

  auto who = client->Get("/api/v1/whoami", bearer(kOperatorToken));
  EXPECT_EQ(who->status, 200);
  EXPECT_EQ(who->body, R"({"name":"alice","roles":["operator","viewer"]})");
}

TEST_F(ApiServerTest, WithoutTokensReadsAreOpenAndMutatingCallsRefused) {
  start(false);
  EXPECT_EQ(client->Get("/api/v1/pipelines")->status, 200);
  auto who = client->Get("/api/v1/whoami");
  EXPECT_EQ(who->body, R"({"name":"anonymous","roles":["viewer"]})");
  for (const char* path : {"/api/v1/pipelines/checkout-api/versions", "/api/v1/pipelines/checkout-api/approve",
                           "/api/v1/pipelines/checkout-api/override", "/api/v1/pipelines/checkout-api/rollback"}) {
    auto refused = post(path, R"({"version":"v43"})", kDeployerToken);
    EXPECT_EQ(refused->status, 401) << path;
    EXPECT_EQ(errorOf(refused), "this service has no --tokens file; mutating calls are refused") << path;
  }
  EXPECT_TRUE(fake.calls().empty());
}

TEST_F(ApiServerTest, BadBodiesAre400NamingTheField) {
  start(true);
  auto submit = [&](const std::string& body) {
    return post("/api/v1/pipelines/checkout-api/versions", body, kDeployerToken);
  };
  struct Case {
    std::string body, error;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"version":)", "the body is not JSON: [1:11, byte=11]: Unexpected EOF"},
           {R"(["v43"])", "the body must be a JSON object"},
           {R"({"version":43})", "field \"version\" must be a string"},
           {R"({"version":"v43","first_deploy":"yes"})", "field \"first_deploy\" must be true or false"},
           {R"({"version":"v43","force":true})",
            "unknown field \"force\" (known: first_deploy, reason, retry_failed, version)"},
           {R"({})", "field \"version\" is required"},
           {"", "field \"version\" is required"},
           {R"({"version":"v4\u001b[2J"})",
            "field \"version\" must be a non-empty identifier without control characters, not \"v4\\x1b[2J\""},
           {R"({"version":"v43","retry_failed":true})", "field \"reason\" is required with retry_failed"},
           // Deep nesting is refused before it can recurse (it crashed the server).
           {std::string(60000, '['), "the body is not JSON: JSON nests deeper than 8 levels"},
           {R"({"version":{"a":[[[[[[[[1]]]]]]]]}})", "the body is not JSON: JSON nests deeper than 8 levels"},
       }) {
    auto answer = submit(c.body);
    EXPECT_EQ(answer->status, 400) << c.body;
    EXPECT_EQ(errorOf(answer), c.error) << c.body;
  }
  auto override = post("/api/v1/pipelines/checkout-api/override", R"({"target":"window"})", kOperatorToken);
  EXPECT_EQ(override->status, 400);
  EXPECT_EQ(errorOf(override), "field \"reason\" is required");
  auto rollback = post("/api/v1/pipelines/checkout-api/rollback", R"({"reason":"  "})", kOperatorToken);
  EXPECT_EQ(errorOf(rollback), "field \"reason\" must not be empty");
  auto log = client->Get("/api/v1/pipelines/checkout-api/log?limit=0", bearer(kViewerToken));
  EXPECT_EQ(log->status, 400);
  EXPECT_EQ(errorOf(log), "query parameter \"limit\" must be an integer from 1 to 1000, not \"0\"");
  EXPECT_TRUE(fake.calls().empty());
  // The service's own refusals pass through with their status.
  auto failed = submit(R"({"version":"v13"})");
  EXPECT_EQ(failed->status, 409);
  EXPECT_EQ(errorOf(failed), "v13 failed before; submit it again with retry_failed and a reason");
  auto unknown = client->Get("/api/v1/pipelines/nope", bearer(kViewerToken));
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(errorOf(unknown), "no pipeline named \"nope\"");
}

TEST_F(ApiServerTest, UnknownRoutesWrongMethodsAndLargeBodies) {
  start(true);
  auto unknown = client->Get("/api/v1/pipelinez", bearer(kViewerToken));
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(unknown->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(errorOf(unknown), "no such route: GET /api/v1/pipelinez");
  auto wrong = client->Delete("/api/v1/pipelines/checkout-api", bearer(kOperatorToken));
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(errorOf(wrong), "method DELETE is not allowed here; use GET");
  auto getSubmit = client->Get("/api/v1/pipelines/checkout-api/versions", bearer(kDeployerToken));
  EXPECT_EQ(getSubmit->status, 405);
  EXPECT_EQ(getSubmit->get_header_value("Allow"), "POST");
  auto large = post("/api/v1/pipelines/checkout-api/rollback", R"({"reason":")" + std::string(70000, 'x') + R"("})",
                    kOperatorToken);
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 413);
  EXPECT_EQ(errorOf(large), "the body is larger than 65536 bytes");
  EXPECT_TRUE(fake.calls().empty());
  auto ok = client->Get("/api/v1/pipelines", bearer(kViewerToken));
  EXPECT_EQ(ok->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(ok->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(ok->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(unknown->get_header_value("Cache-Control"), "no-store");
}

// A hand-written client (a script with a raw socket) that sends a POST with
// neither Content-Length nor chunked encoding: its body is empty by HTTP's
// rules, and the answer must come at once, not after the server's 5 s read.
TEST_F(ApiServerTest, APostWithoutALengthIsRefusedAtOnce) {
  start(true);
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  timeval wait{2, 0};  // well under the server's read timeout
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  std::string request = std::string("POST /api/v1/pipelines/checkout-api/rollback HTTP/1.1\r\nHost: 127.0.0.1\r\n") +
                        "Authorization: Bearer " + kOperatorToken + "\r\nContent-Type: application/json\r\n\r\n";
  ASSERT_EQ(send(sock, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  auto complete = [&] {  // the headers, then as many bytes as their Content-Length says
    auto end = answer.find("\r\n\r\n");
    auto length = answer.find("Content-Length: ");
    return end != std::string::npos && length != std::string::npos && length < end &&
           answer.size() >= end + 4 + std::stoul(answer.substr(length + 16));
  };
  for (ssize_t n; !complete() && (n = recv(sock, buffer, sizeof buffer, 0)) > 0;)
    answer.append(buffer, static_cast<size_t>(n));
  close(sock);
  EXPECT_EQ(answer.rfind("HTTP/1.1 411 Length Required\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"x({"error":"a POST needs a Content-Length header (use 0 for no body)"})x"), std::string::npos)
      << answer;
  EXPECT_TRUE(fake.calls().empty());
  // With a length, even 0, the request reaches the API (and its own checks).
  auto empty = post("/api/v1/pipelines/checkout-api/rollback", "", kOperatorToken);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
}

TEST_F(ApiServerTest, TimelineIsAskedByRunOrByAVersionInTheQuery) {
  start(true);
  const std::string path = "/api/v1/pipelines/checkout-api/timeline";
  auto byRun = client->Get((path + "?run_id=6").c_str(), bearer(kViewerToken));
  ASSERT_TRUE(byRun);
  ASSERT_EQ(byRun->status, 200);
  auto body = llvm::json::parse(byRun->body);
  ASSERT_TRUE(bool(body));
  EXPECT_EQ(body->getAsObject()->getString("version").getValueOr(""), "v41");
  EXPECT_EQ(body->getAsObject()->getArray("lines")->size(), 2u);
  // A version rides in the query: '/', '%' and markup reach the service as they are (a path could not carry '/').
  auto byVersion = client->Get((path + "?version=%3Cscript%3Ea%2Fb%25%3C%2Fscript%3E").c_str(), bearer(kViewerToken));
  EXPECT_EQ(byVersion->status, 404);
  EXPECT_EQ(errorOf(byVersion), "no such run of checkout-api");
  ASSERT_EQ(fake.calls().size(), 2u);
  EXPECT_EQ(fake.calls()[0].runId, 6);
  EXPECT_EQ(fake.calls()[1].version, "<script>a/b%</script>");
  EXPECT_EQ(fake.calls()[1].runId, 0);
  struct Case {
    std::string query;
    int status;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"", 400, "give exactly one of the query parameters \"run_id\" and \"version\""},
           {"?run_id=6&version=v41", 400, "give exactly one of the query parameters \"run_id\" and \"version\""},
           {"?run_id=0", 400, "query parameter \"run_id\" must be an integer from 1 to 9223372036854775807, not \"0\""},
           {"?run_id=x", 400, "query parameter \"run_id\" must be an integer from 1 to 9223372036854775807, not \"x\""},
           {"?version=", 400,
            "query parameter \"version\" must be a version name without control characters, not \"\""},
           {"?version=v%0A1", 400,
            "query parameter \"version\" must be a version name without control characters, not \"v\\n1\""},
       }) {
    auto answer = client->Get((path + c.query).c_str(), bearer(kViewerToken));
    ASSERT_TRUE(answer) << c.query;
    EXPECT_EQ(answer->status, c.status) << c.query;
    EXPECT_EQ(errorOf(answer), c.error) << c.query;
  }
  EXPECT_EQ(fake.calls().size(), 2u);  // none of those reached the service
  auto unknown = client->Get("/api/v1/pipelines/nope/timeline?run_id=6", bearer(kViewerToken));
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(errorOf(unknown), "no pipeline named \"nope\"");
  EXPECT_EQ(client->Get((path + "?run_id=6").c_str())->status, 401);
  auto posted = post(path + "?run_id=6", "{}", kOperatorToken);
  EXPECT_EQ(posted->status, 405);
  EXPECT_EQ(posted->get_header_value("Allow"), "GET, HEAD");
}

// Reads the event stream until `enough` says so or 5 s pass; returns the text.
std::string readStream(httplib::Client& client, const httplib::Headers& headers, const std::string& path,
                       const std::function<bool(const std::string&)>& enough) {
  std::string text;
  client.set_read_timeout(5, 0);
  client.Get(path.c_str(), headers, [&](const char* data, size_t length) {
    text.append(data, length);
    return !enough(text);
  });
  return text;
}

TEST_F(ApiServerTest, EventStreamDeliversEventsAndResumesFromLastEventId) {
  start(true);
  auto headers = bearer(kViewerToken);
  std::string first = readStream(*client, headers, "/api/v1/events", [](const std::string& text) {
    return text.find("id: 2\n") != std::string::npos && text.find("\n\n", text.find("id: 2\n")) != std::string::npos;
  });
  EXPECT_NE(first.find("id: 1\nevent: submitted\ndata: {\"id\":1,\"message\":\"v41 submitted by ci\""),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("id: 2\nevent: deployed\n"), std::string::npos) << first;

  // A client that saw event 2 reconnects with Last-Event-ID: only what came after.
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    fake.addEvent("other-pipeline", "submitted", "not for this stream");
    fake.addEvent(FakeServiceApi::kPipeline, "bake_started", "bake 1h");
  });
  headers.emplace("Last-Event-ID", "2");
  std::string resumed = readStream(*client, headers, "/api/v1/events?after=0&pipeline=checkout-api",
                                   [](const std::string& text) { return text.find("id: 4\n") != std::string::npos; });
  later.join();
  EXPECT_EQ(resumed.find("id: 1\n"), std::string::npos) << resumed;
  EXPECT_EQ(resumed.find("id: 2\n"), std::string::npos) << resumed;
  EXPECT_EQ(resumed.find("id: 3\n"), std::string::npos) << resumed;
  EXPECT_NE(resumed.find("id: 4\nevent: bake_started\n"), std::string::npos) << resumed;

  auto unknown = client->Get("/api/v1/events?pipeline=nope", bearer(kViewerToken));
  EXPECT_EQ(unknown->status, 404);
  auto badId =
      client->Get("/api/v1/events", {{"Authorization", std::string("Bearer ") + kViewerToken}, {"Last-Event-ID", "x"}});
  EXPECT_EQ(badId->status, 400);
  EXPECT_EQ(errorOf(badId), "header Last-Event-ID must be an event id, not \"x\"");
}

TEST_F(ApiServerTest, IdleStreamGetsHeartbeatsAndStopEndsIt) {
  start(false, std::chrono::milliseconds(200));
  auto stream = std::async(std::launch::async, [&] {
    httplib::Client own("127.0.0.1", server->port());
    std::string text;
    own.set_read_timeout(10, 0);
    own.Get("/api/v1/events?after=2", [&](const char* data, size_t length) {
      text.append(data, length);
      return true;
    });
    return text;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto before = std::chrono::steady_clock::now();
  server->stop();
  ASSERT_EQ(stream.wait_for(std::chrono::seconds(2)), std::future_status::ready) << "stop() left the stream open";
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
  std::string text = stream.get();
  EXPECT_NE(text.find(": heartbeat\n\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("id: "), std::string::npos) << text;
}

TEST(ApiServerStreams, OneStreamPastTheCapIs503AndAClosedStreamFreesItsPlace) {
  FakeServiceApi fake;
  api::ApiServerOptions options;
  options.listen = "127.0.0.1:0";
  options.heartbeat = std::chrono::milliseconds(100);
  options.maxStreams = 1;
  auto started = api::ApiServer::start(fake, options);
  ASSERT_TRUE(bool(started));
  auto& server = *started;
  std::atomic<bool> leave{false};
  auto first = std::async(std::launch::async, [&] {
    httplib::Client own("127.0.0.1", server->port());
    own.Get("/api/v1/events", [&](const char*, size_t) { return !leave; });
  });
  // On any failed assertion the first stream still ends, so the test cannot hang.
  struct Ender {
    std::atomic<bool>& leave;
    api::ApiServer& server;
    ~Ender() {
      leave = true;
      server.stop();
    }
  } ender{leave, *server};
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  httplib::Client client("127.0.0.1", server->port());
  std::string body;
  // A stream let past the cap makes this fail at its first bytes, not hang.
  auto refused = client.Get("/api/v1/events", [&](const char* data, size_t length) {
    body.append(data, length);
    return body.find("stream open") == std::string::npos;
  });
  ASSERT_EQ(body, R"({"error":"too many open event streams (1); try again later"})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "5");
  EXPECT_EQ(client.Get("/api/v1/pipelines")->status, 200);  // reads are not held up
  leave = true;
  first.wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the next heartbeat finds it gone
  std::string text;
  client.Get("/api/v1/events", [&](const char* data, size_t length) {
    text.append(data, length);
    return false;
  });
  EXPECT_EQ(text.rfind(": stream open", 0), 0u) << text;
  server->stop();
}

TEST(ApiServerStart, RefusesANonLoopbackAddressWithoutTokens) {
  FakeServiceApi fake;
  auto refused = api::ApiServer::start(fake, {"0.0.0.0:0", ""});
  ASSERT_FALSE(bool(refused));
  EXPECT_EQ(llvm::toString(refused.takeError()),
            "refusing to listen on 0.0.0.0:0 without --tokens FILE: anyone who can reach it could read every "
            "pipeline (listen on 127.0.0.1, or give a tokens file; see `piperun token`)");
  auto badListen = api::ApiServer::start(fake, {"127.0.0.1", ""});
  ASSERT_FALSE(bool(badListen));
  EXPECT_EQ(llvm::toString(badListen.takeError()),
            "--listen \"127.0.0.1\": expected HOST:PORT, such as 127.0.0.1:8470");
  auto badPort = api::ApiServer::start(fake, {"127.0.0.1:99999", ""});
  EXPECT_EQ(llvm::toString(badPort.takeError()), "--listen \"127.0.0.1:99999\": the port must be 0..65535");
  auto loopback = api::ApiServer::start(fake, {"[::1]:0", ""});
  if (loopback)
    (*loopback)->stop();
  else
    EXPECT_EQ(llvm::toString(loopback.takeError()).find("refusing"), std::string::npos);
}

// Two services on one address would share its connections (each with its
// own state): the second is refused, as docs/service.md promises.
TEST(ApiServerStart, AnAddressAnotherServiceListensOnIsRefused) {
  FakeServiceApi fake;
  auto first = api::ApiServer::start(fake, {"127.0.0.1:0", ""});
  ASSERT_TRUE(bool(first)) << llvm::toString(first.takeError());
  std::string address = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = api::ApiServer::start(fake, {address, ""});
  ASSERT_FALSE(bool(second));
  EXPECT_EQ(llvm::toString(second.takeError()),
            "cannot listen on " + address + ": the address is in use or not this machine's");
  (*first)->stop();
  auto again = api::ApiServer::start(fake, {address, ""});  // free once the first has stopped
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  (*again)->stop();
}

TEST(ApiServerStart, TokensFileErrorsNameTheFileAndLine) {
  FakeServiceApi fake;
  std::string hash = "sha256:" + api::sha256Hex("t");
  struct Case {
    std::string text, error;
  };
  for (const Case& c : std::vector<Case>{
           {"ci deployer\n", ":1: expected NAME ROLE[,ROLE] sha256:HEX, got \"ci deployer\""},
           {"# c\nci admin " + hash + "\n", ":2: unknown role \"admin\" (roles: viewer, deployer, operator, approver)"},
           {"c\"i deployer " + hash + "\n", ":1: the name \"c\"i\" may use only A-Z a-z 0-9 . _ @ -"},
           {"ci deployer sha256:abc\n",
            ":1: the hash must be sha256: and 64 hex digits (`piperun token` prints the line)"},
           {"ci deployer " + hash + "\nci2 viewer " + hash + "\n", ":2: the same token hash as ci's"},
           {"# nobody\n\n", ": has no token"},
       }) {
    std::string path = tempFile(c.text);
    auto started = api::ApiServer::start(fake, {"127.0.0.1:0", path});
    ASSERT_FALSE(bool(started)) << c.text;
    EXPECT_EQ(llvm::toString(started.takeError()), "tokens file " + path + c.error);
    llvm::sys::fs::remove(path);
  }
  auto missing = api::ApiServer::start(fake, {"127.0.0.1:0", "/nonexistent/tokens"});
  EXPECT_EQ(llvm::toString(missing.takeError()), "tokens file /nonexistent/tokens: cannot be read");
}

TEST(Tokens, NewTokensAreRandomAndFindableByHash) {
  auto one = api::newToken(), two = api::newToken();
  ASSERT_TRUE(bool(one) && bool(two));
  EXPECT_EQ(one->size(), 64u);
  EXPECT_NE(*one, *two);
  EXPECT_EQ(api::sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
