// The compiler never crashes or hangs on garbage (checks.md §4): each of
// these inputs gets diagnostics and exit status 1 from the real binary.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace fs = std::filesystem;

namespace {

struct RunResult {
  int status = -1;
  std::string stderrText;
};

RunResult runPipecCheck(const std::string& content) {
  fs::path dir = fs::temp_directory_path() / ("pipe-robust-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path input = dir / "input.pipe";
  std::ofstream(input, std::ios::binary) << content;
  fs::path errors = dir / "stderr.txt";
  std::string command = "cd '" + dir.string() + "' && timeout 20 '" + std::string(PIPEC_PATH) +
                        "' check input.pipe --format=human 2>stderr.txt >/dev/null";
  int raw = std::system(command.c_str());
  RunResult result;
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  std::ifstream in(errors);
  result.stderrText.assign(std::istreambuf_iterator<char>(in), {});
  fs::remove_all(dir);
  return result;
}

void expectRejectedWithDiagnostics(const std::string& content) {
  RunResult result = runPipecCheck(content);
  EXPECT_EQ(result.status, 1) << result.stderrText.substr(0, 2000);
  EXPECT_NE(result.stderrText.find("input.pipe:"), std::string::npos) << result.stderrText.substr(0, 2000);
  EXPECT_NE(result.stderrText.find("error[P"), std::string::npos) << result.stderrText.substr(0, 2000);
}

}  // namespace

TEST(Robustness, RandomBytes) {
  std::mt19937 random(42);
  for (int round = 0; round < 5; ++round) {
    std::string bytes(4096, '\0');
    for (char& c : bytes) c = static_cast<char>(random() & 0xFF);
    expectRejectedWithDiagnostics(bytes);
  }
}

TEST(Robustness, OneMegabyteOfOpenBraces) { expectRejectedWithDiagnostics(std::string(1 << 20, '{')); }

TEST(Robustness, DeeplyNestedExpressions) {
  expectRejectedWithDiagnostics("template T { a = " + std::string(100000, '(') + "1 }");
  std::string nots;
  for (int i = 0; i < 50000; ++i) nots += "not ";
  expectRejectedWithDiagnostics("template T { a = " + nots + "x }");
  expectRejectedWithDiagnostics("template T { a = " + std::string(100000, '[') + " }");
}

TEST(Robustness, HundredThousandCharacterLine) {
  expectRejectedWithDiagnostics("template T { artifact = \"" + std::string(100000, 'x') + " }");
  expectRejectedWithDiagnostics("template T { a = " + std::string(100000, '9') + " }");
}

TEST(Robustness, NulBytesAndInvalidUtf8) {
  expectRejectedWithDiagnostics(std::string("template T {\0\0\0 }", 17));
  expectRejectedWithDiagnostics("template T { artifact = \"\xff\xfe\xc3\" }");
  RunResult result = runPipecCheck("template T { artifact = \"ok\" }\n\xc0\xaf");
  EXPECT_NE(result.stderrText.find("input.pipe:2:1: error[P001]: invalid UTF-8"), std::string::npos)
      << result.stderrText;
}

TEST(Robustness, TruncatedFiles) {
  std::string source = std::string(PIPE_SOURCE_DIR) + "/stdlib/templates.pipe";
  std::ifstream in(source);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(text.size(), 500u);
  // Cut inside the template body, so each prefix is an unterminated declaration.
  size_t bodyStart = text.find("\ntemplate ");
  ASSERT_NE(bodyStart, std::string::npos);
  for (size_t cut = bodyStart + 30; cut < text.size() - 2; cut += text.size() / 7) {
    std::string prefix = text.substr(0, cut);
    auto opened = std::count(prefix.begin() + bodyStart, prefix.end(), '{');
    auto closed = std::count(prefix.begin() + bodyStart, prefix.end(), '}');
    if (opened <= closed) continue;  // not cut inside the declaration
    expectRejectedWithDiagnostics(prefix);
  }
}
