// `pipec lsp`: JSON-RPC transcripts replayed against the real binary, with
// the exact responses expected (llvm::json prints object keys sorted).
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

// Runs `pipec lsp` with pipes on stdin and stdout.
class LspClient {
 public:
  LspClient() {
    int toServer[2], fromServer[2];
    EXPECT_EQ(pipe(toServer), 0);
    EXPECT_EQ(pipe(fromServer), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(toServer[0], 0);
      dup2(fromServer[1], 1);
      close(toServer[1]);
      close(fromServer[0]);
      execl(PIPEC_PATH, PIPEC_PATH, "lsp", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(toServer[0]);
    close(fromServer[1]);
    in_ = toServer[1];
    out_ = fromServer[0];
  }
  ~LspClient() {
    close(in_);
    close(out_);
    int status;
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  void sendRaw(const std::string& body) {
    std::string framed = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    ASSERT_EQ(write(in_, framed.data(), framed.size()), static_cast<ssize_t>(framed.size()));
  }
  // The body of the next message, or "" after a 10 s timeout.
  std::string receive() {
    while (true) {
      size_t headerEnd = buffer_.find("\r\n\r\n");
      if (headerEnd != std::string::npos) {
        size_t length = std::stoul(buffer_.substr(buffer_.find(':') + 1));
        if (buffer_.size() >= headerEnd + 4 + length) {
          std::string body = buffer_.substr(headerEnd + 4, length);
          buffer_.erase(0, headerEnd + 4 + length);
          return body;
        }
      }
      pollfd fd{out_, POLLIN, 0};
      if (poll(&fd, 1, 10000) <= 0) return "";
      char chunk[4096];
      ssize_t n = read(out_, chunk, sizeof chunk);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  int waitForExit() {
    close(in_);
    int status = 0;
    waitpid(pid_, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_;
  int in_, out_;
  std::string buffer_;
};

std::string quoted(const std::string& text) {
  std::string result = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') result += '\\';
    if (c == '\n') {
      result += "\\n";
      continue;
    }
    result += c;
  }
  return result + "\"";
}

class LspTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::weakly_canonical(fs::temp_directory_path()) /
                 ("pipe-lsp-test-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    client_.sendRaw(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"rootUri":")" + uri("") + R"("}})");
    ASSERT_NE(client_.receive().find(R"("id":1,"jsonrpc":"2.0","result":{"capabilities")"), std::string::npos);
    client_.sendRaw(R"({"jsonrpc":"2.0","method":"initialized","params":{}})");
  }
  void TearDown() override { fs::remove_all(directory_); }
  std::string uri(const std::string& name) { return "file://" + (directory_ / name).string(); }
  std::string open(const std::string& name, const std::string& text) {
    client_.sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":")" + uri(name) +
                    R"(","languageId":"pipe","version":1,"text":)" + quoted(text) + "}}}");
    return client_.receive();
  }
  std::string request(int id, const std::string& method, const std::string& params) {
    client_.sendRaw(R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method + R"(","params":)" +
                    params + "}");
    return client_.receive();
  }
  std::string at(const std::string& name, int line, int character) {
    return R"({"textDocument":{"uri":")" + uri(name) + R"("},"position":{"line":)" + std::to_string(line) +
           R"(,"character":)" + std::to_string(character) + "}}";
  }
  fs::path directory_;
  LspClient client_;
};

const std::string kBroken = "template T {\n  deploy { run = \"x\" }\n  alarms { high = requests > 1 }\n}\n"
                            "pipeline P extends Tx {\n  artifact=\"a\"\n}\n";

TEST_F(LspTest, DiagnosticsOnOpenAndClearedOnChange) {
  EXPECT_EQ(open("a.pipe", kBroken),
            R"({"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"diagnostics":[{"code":"R101","message":"unknown template `Tx`\nhelp: did you mean `T`?","range":{"end":{"character":21,"line":4},"start":{"character":19,"line":4}},"severity":1,"source":"pipec"}],"uri":")" +
                uri("a.pipe") + R"("}})");
  client_.sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":")" +
                  uri("a.pipe") + R"(","version":2},"contentChanges":[{"text":"template T {\n}\n"}]}})");
  EXPECT_EQ(client_.receive(),
            R"({"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"diagnostics":[],"uri":")" +
                uri("a.pipe") + R"("}})");
}

TEST_F(LspTest, Formatting) {
  open("a.pipe", kBroken);
  EXPECT_EQ(request(2, "textDocument/formatting",
                    R"({"textDocument":{"uri":")" + uri("a.pipe") + R"("},"options":{"tabSize":2,"insertSpaces":true}})"),
            R"({"id":2,"jsonrpc":"2.0","result":[{"newText":"template T {\n  deploy { run = \"x\" }\n  alarms { high = requests > 1 }\n}\n\npipeline P extends Tx {\n  artifact = \"a\"\n}\n","range":{"end":{"character":0,"line":8},"start":{"character":0,"line":0}}}]})");
}

TEST_F(LspTest, DocumentSymbols) {
  open("a.pipe", kBroken);
  EXPECT_EQ(request(3, "textDocument/documentSymbol", R"({"textDocument":{"uri":")" + uri("a.pipe") + R"("}})"),
            R"({"id":3,"jsonrpc":"2.0","result":[{"children":[{"children":[{"children":[],"kind":24,"name":"high","range":{"end":{"character":30,"line":2},"start":{"character":11,"line":2}},"selectionRange":{"end":{"character":15,"line":2},"start":{"character":11,"line":2}}}],"kind":3,"name":"alarms","range":{"end":{"character":32,"line":2},"start":{"character":2,"line":2}},"selectionRange":{"end":{"character":8,"line":2},"start":{"character":2,"line":2}}}],"detail":"template","kind":11,"name":"T","range":{"end":{"character":1,"line":3},"start":{"character":0,"line":0}},"selectionRange":{"end":{"character":10,"line":0},"start":{"character":9,"line":0}}},{"children":[],"detail":"pipeline","kind":5,"name":"P","range":{"end":{"character":1,"line":6},"start":{"character":0,"line":4}},"selectionRange":{"end":{"character":10,"line":4},"start":{"character":9,"line":4}}}]})");
}

TEST_F(LspTest, HoverOnABlockName) {
  open("a.pipe", kBroken);
  EXPECT_EQ(request(4, "textDocument/hover", at("a.pipe", 1, 3)),
            R"J({"id":4,"jsonrpc":"2.0","result":{"contents":{"kind":"markdown","value":"**deploy** (block of `pipeline`): required: the command the runtime calls per batch (`run`, `rollback`, `timeout`)"},"range":{"end":{"character":8,"line":1},"start":{"character":2,"line":1}}}})J");
}

TEST_F(LspTest, CompletionInsideDeploy) {
  open("a.pipe", kBroken);
  EXPECT_EQ(request(5, "textDocument/completion", at("a.pipe", 1, 11)),
            R"J({"id":5,"jsonrpc":"2.0","result":{"isIncomplete":false,"items":[{"detail":"string: the command run for each batch","kind":10,"label":"run"},{"detail":"string: the rollback command (default: `run` with the last good version)","kind":10,"label":"rollback"},{"detail":"duration: a batch that takes longer fails","kind":10,"label":"timeout"},{"detail":"duration, default 5m: what a batch usually takes (plan analysis)","kind":10,"label":"expected"},{"detail":"duration, default 2m: what a rollback usually takes (plan analysis)","kind":10,"label":"rollback_time"},{"detail":"alarm or metric","kind":6,"label":"high"}]}})J");
}

TEST_F(LspTest, CodeActionFromAFixIt) {
  open("a.pipe", kBroken);
  EXPECT_EQ(request(6, "textDocument/codeAction",
                    R"({"textDocument":{"uri":")" + uri("a.pipe") +
                        R"("},"range":{"start":{"line":4,"character":19},"end":{"line":4,"character":21}},"context":{"diagnostics":[]}})"),
            R"({"id":6,"jsonrpc":"2.0","result":[{"diagnostics":[{"code":"R101","message":"unknown template `Tx`","range":{"end":{"character":21,"line":4},"start":{"character":19,"line":4}}}],"edit":{"changes":{")" +
                uri("a.pipe") +
                R"(":[{"newText":"T","range":{"end":{"character":21,"line":4},"start":{"character":19,"line":4}}}]}},"isPreferred":true,"kind":"quickfix","title":"replace with `T`"}]})");
}

TEST_F(LspTest, DefinitionAcrossFiles) {
  std::ofstream(directory_ / "base.pipe") << "template Base {\n  artifact = \"a\"\n}\n";
  open("a.pipe", "import \"base.pipe\"\npipeline P extends Base {\n}\n");
  EXPECT_EQ(request(7, "textDocument/definition", at("a.pipe", 1, 20)),
            R"({"id":7,"jsonrpc":"2.0","result":{"range":{"end":{"character":13,"line":0},"start":{"character":9,"line":0}},"uri":")" +
                uri("base.pipe") + R"("}})");
  EXPECT_EQ(request(8, "textDocument/definition", at("a.pipe", 0, 10)),
            R"({"id":8,"jsonrpc":"2.0","result":{"range":{"end":{"character":0,"line":0},"start":{"character":0,"line":0}},"uri":")" +
                uri("base.pipe") + R"("}})");
}

TEST_F(LspTest, MalformedRequestsGetErrorsAndTheServerStaysAlive) {
  client_.sendRaw("{not json");
  EXPECT_EQ(client_.receive(),
            R"({"error":{"code":-32700,"message":"invalid JSON: [1:2, byte=2]: Expected object key"},"id":null,"jsonrpc":"2.0"})");
  client_.sendRaw(R"({"jsonrpc":"2.0","id":9})");
  EXPECT_EQ(client_.receive(),
            R"({"error":{"code":-32600,"message":"not a JSON-RPC 2.0 request or notification"},"id":9,"jsonrpc":"2.0"})");
  EXPECT_EQ(request(10, "nope", "{}"),
            R"({"error":{"code":-32601,"message":"unknown method `nope`"},"id":10,"jsonrpc":"2.0"})");
  EXPECT_EQ(request(11, "shutdown", "null"), R"({"id":11,"jsonrpc":"2.0","result":null})");
  client_.sendRaw(R"({"jsonrpc":"2.0","method":"exit"})");
  EXPECT_EQ(client_.waitForExit(), 0);
}

}  // namespace
