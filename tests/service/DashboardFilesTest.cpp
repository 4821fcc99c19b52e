// The dashboard's files (docs/dashboard.md, "How it is built", "Security") as
// the real ApiServer serves them on 127.0.0.1: every file of web/ byte for
// byte with its type, the strict Content-Security-Policy on every answer,
// revalidation by ETag, no token needed for the files but still for the API.
#include "runtime/api/ApiServer.h"
#include "runtime/api/Tokens.h"
#include "tests/service/FakeServiceApi.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>

#include <fstream>

using namespace pipelang::runtime;
using pipelang::tests::FakeServiceApi;

namespace {

const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string webFile(const std::string& name) {
  auto buffer = llvm::MemoryBuffer::getFile(std::string(PIPE_RUNTIME_FIXTURES) + "/../../web/" + name);
  EXPECT_TRUE(bool(buffer)) << name;
  return buffer ? (*buffer)->getBuffer().str() : "";
}

class DashboardFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    llvm::SmallString<128> path;
    llvm::sys::fs::createTemporaryFile("tokens", "txt", path);
    tokensFile = path.str().str();
    std::ofstream(tokensFile) << "viewer viewer sha256:" << api::sha256Hex("viewer-token-0123456789") << "\n";
    api::ApiServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tokensFile = tokensFile;
    auto started = api::ApiServer::start(fake, options);
    ASSERT_TRUE(bool(started)) << llvm::toString(started.takeError());
    server = std::move(*started);
    client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    client->set_read_timeout(5, 0);
  }
  void TearDown() override {
    if (server) server->stop();
    llvm::sys::fs::remove(tokensFile);
  }
  void expectPageHeaders(const httplib::Result& answer, const std::string& what) {
    EXPECT_EQ(answer->get_header_value("Content-Security-Policy"), kCsp) << what;
    EXPECT_EQ(answer->get_header_value("X-Content-Type-Options"), "nosniff") << what;
    EXPECT_EQ(answer->get_header_value("Referrer-Policy"), "no-referrer") << what;
    EXPECT_EQ(answer->get_header_value_count("Cache-Control"), 1u) << what;
  }

  FakeServiceApi fake;
  std::unique_ptr<api::ApiServer> server;
  std::unique_ptr<httplib::Client> client;
  std::string tokensFile;
};

TEST_F(DashboardFilesTest, EveryFileIsServedWithoutATokenWithItsTypeAndTheStrictPolicy) {
  struct Expected {
    std::string path, file, type;
  };
  for (const Expected& e : {Expected{"/", "index.html", "text/html; charset=utf-8"},
                            Expected{"/static/index.html", "index.html", "text/html; charset=utf-8"},
                            Expected{"/static/app.js", "app.js", "text/javascript; charset=utf-8"},
                            Expected{"/static/style.css", "style.css", "text/css; charset=utf-8"}}) {
    auto answer = client->Get(e.path.c_str());
    ASSERT_TRUE(answer) << e.path;
    EXPECT_EQ(answer->status, 200) << e.path;
    EXPECT_EQ(answer->get_header_value("Content-Type"), e.type) << e.path;
    EXPECT_EQ(answer->body, webFile(e.file)) << e.path;
    EXPECT_EQ(answer->get_header_value("Cache-Control"), "no-cache") << e.path;
    expectPageHeaders(answer, e.path);
  }
  // The files hold no data; the API behind them still wants the token.
  auto pipelines = client->Get("/api/v1/pipelines");
  ASSERT_TRUE(pipelines);
  EXPECT_EQ(pipelines->status, 401);
}

TEST_F(DashboardFilesTest, ABrowsersCurrentCopyGets304AndANewOneTheFile) {
  auto first = client->Get("/static/app.js");
  ASSERT_TRUE(first);
  std::string etag = first->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = client->Get("/static/app.js", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_EQ(again->body, "");
  auto stale = client->Get("/static/app.js", {{"If-None-Match", "\"0000000000000000\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body, webFile("app.js"));
  EXPECT_NE(client->Get("/static/style.css")->get_header_value("ETag"), etag);
}

TEST_F(DashboardFilesTest, UnknownFilesPathsAndMethodsAreRefusedWithThePolicyToo) {
  for (const char* path : {"/static/nope.js", "/static/", "/static/%2e%2e/index.html", "/static/sub/app.js",
                           "/static/app.js/", "/index.html"}) {
    auto answer = client->Get(path);
    ASSERT_TRUE(answer) << path;
    EXPECT_EQ(answer->status, 404) << path;
    EXPECT_EQ(answer->get_header_value("Content-Type"), "application/json") << path;
  }
  auto missing = client->Get("/static/nope.js");
  EXPECT_NE(missing->body.find("no such file: /static/nope.js"), std::string::npos) << missing->body;
  expectPageHeaders(missing, "404");
  auto posted = client->Post("/", "{}", "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 405);
  EXPECT_EQ(posted->get_header_value("Allow"), "GET, HEAD");
  expectPageHeaders(posted, "405");
  auto head = client->Head("/static/style.css");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Type"), "text/css; charset=utf-8");
}

}  // namespace
