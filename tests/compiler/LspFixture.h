// The client side of `pipec lsp` tests: the real binary on pipes, started in
// a fresh directory per test, and the JSON-RPC messages the tests send.
#pragma once

#include <gtest/gtest.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace lsptest {

namespace fs = std::filesystem;

// Runs `pipec lsp ARGS...` in `directory` (so that files are displayed
// relative to it, as for `pipec check`), with pipes on stdin and stdout.
class LspClient {
 public:
  LspClient(const fs::path& directory, const std::vector<std::string>& args) {
    int toServer[2], fromServer[2];
    EXPECT_EQ(pipe(toServer), 0);
    EXPECT_EQ(pipe(fromServer), 0);
    std::vector<std::string> argv = {PIPEC_PATH, "lsp"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      dup2(toServer[0], 0);
      dup2(fromServer[1], 1);
      close(toServer[1]);
      close(fromServer[0]);
      if (chdir(directory.c_str()) != 0) _exit(126);
      unsetenv("PIPE_STDLIB");  // the bundled standard library unless --stdlib says otherwise
      std::vector<char*> pointers;
      for (std::string& arg : argv) pointers.push_back(arg.data());
      pointers.push_back(nullptr);
      execv(PIPEC_PATH, pointers.data());
      _exit(127);
    }
    close(toServer[0]);
    close(fromServer[1]);
    in_ = toServer[1];
    out_ = fromServer[0];
  }
  ~LspClient() {
    if (in_ >= 0) close(in_);
    close(out_);
    int status;
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  void sendBytes(const std::string& bytes) {
    ASSERT_EQ(write(in_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  void sendRaw(const std::string& body) {
    sendBytes("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
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
    in_ = -1;
    int status = 0;
    waitpid(pid_, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_;
  int in_, out_;
  std::string buffer_;
};

// A JSON string literal, as llvm::json (and so the server) writes it.
inline std::string jsonString(const std::string& text) {
  std::string result;
  llvm::raw_string_ostream stream(result);
  stream << llvm::json::Value(text);
  return stream.str();
}

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The 0-based line of the first line of `text` that contains `needle`.
inline int lineOf(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

class LspTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::weakly_canonical(fs::temp_directory_path()) /
                 ("pipe-lsp-test-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    start({});
  }
  void TearDown() override {
    client_.reset();
    fs::remove_all(directory_);
  }
  // (Re)starts the server with these arguments and initializes it.
  void start(const std::vector<std::string>& args) {
    client_.reset();
    client_ = std::make_unique<LspClient>(directory_, args);
    client_->sendRaw(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"rootUri":")" + uri("") + R"("}})");
    ASSERT_NE(client_->receive().find(R"("id":1,"jsonrpc":"2.0","result":{"capabilities")"), std::string::npos);
    client_->sendRaw(R"({"jsonrpc":"2.0","method":"initialized","params":{}})");
  }
  std::string uri(const std::string& name) { return "file://" + (directory_ / name).string(); }
  void write(const std::string& name, const std::string& text) { std::ofstream(directory_ / name) << text; }
  // Opens a buffer (not saved to disk) and returns the diagnostics published for it.
  std::string open(const std::string& name, const std::string& text) {
    client_->sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":")" +
                     uri(name) + R"(","languageId":"pipe","version":1,"text":)" + jsonString(text) + "}}}");
    return client_->receive();
  }
  std::string change(const std::string& name, int version, const std::string& text) {
    client_->sendRaw(R"({"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":")" +
                     uri(name) + R"(","version":)" + std::to_string(version) + R"(},"contentChanges":[{"text":)" +
                     jsonString(text) + "}]}}");
    return client_->receive();
  }
  // The next message, which must be the answer: diagnostics published in between fail the caller's check.
  std::string request(int id, const std::string& method, const std::string& params) {
    client_->sendRaw(R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method + R"(","params":)" +
                     params + "}");
    return client_->receive();
  }
  // The answer to the request, past any diagnostics the server publishes meanwhile
  // (for files the request does not concern, e.g. an imported template's checks).
  std::string answer(int id, const std::string& method, const std::string& params) {
    std::string message = request(id, method, params);
    const std::string answerStart = R"({"id":)" + std::to_string(id) + ",";
    for (int skipped = 0; message.rfind(answerStart, 0) != 0 &&
                          message.find("textDocument/publishDiagnostics") != std::string::npos && skipped < 20;
         ++skipped)
      message = client_->receive();
    return message;
  }
  std::string at(const std::string& name, int line, int character) {
    return R"({"textDocument":{"uri":")" + uri(name) + R"("},"position":{"line":)" + std::to_string(line) +
           R"(,"character":)" + std::to_string(character) + "}}";
  }
  std::string noDiagnostics(const std::string& name) {
    return R"({"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"diagnostics":[],"uri":")" +
           uri(name) + R"("}})";
  }
  fs::path directory_;
  std::unique_ptr<LspClient> client_;
};

}  // namespace lsptest
