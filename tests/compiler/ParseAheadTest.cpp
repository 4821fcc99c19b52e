// Parsing on several threads (issue 18, docs/performance.md "Parsing on
// several threads"): ANTLR's prediction caches are shared by every parser of
// the process, so files parsed at once on four threads, again and again,
// must give the trees and diagnostics that parsing them one by one gives.
#include "compiler/driver/ParseAhead.h"
#include "compiler/syntax/AstDump.h"
#include "compiler/syntax/Parse.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace pipelang;
namespace fs = std::filesystem;

namespace {

// Every .pipe of the golden tests and examples (valid and broken ones: the
// error recovery's paths through the shared caches too), plus broken
// variants that reach the lexer's and parser's error paths.
std::vector<std::string> corpus() {
  std::vector<std::string> texts;
  for (const char* folder : {"tests/golden", "examples"})
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(PIPE_SOURCE_DIR) / folder))
      if (entry.path().extension() == ".pipe") {
        std::ifstream in(entry.path(), std::ios::binary);
        texts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
  std::sort(texts.begin(), texts.end());
  size_t whole = texts.size();
  for (size_t i = 0; i < whole; i += 3) {
    std::string broken = texts[i];
    broken.insert(broken.size() / 2, i % 2 ? " $ = {" : "\"unterminated");
    texts.push_back(broken);
  }
  return texts;
}

// What a user sees of a parse: the tree with its ranges and each diagnostic.
std::string outcome(const ast::File& tree, const std::vector<Diagnostic>& diagnostics) {
  std::string out = dumpAst(tree);
  out += tree.hasSyntaxErrors ? "syntax errors\n" : "clean\n";
  for (const Diagnostic& d : diagnostics) {
    out += diagKind(d.code).name;
    out += " " + std::to_string(d.range.file) + ":" + std::to_string(d.range.begin.line) + ":" +
           std::to_string(d.range.begin.column) + "-" + std::to_string(d.range.end.column) + " " + d.message + "\n";
    for (const DiagNote& note : d.notes)
      out += "  note " + std::to_string(note.range.file) + ":" + std::to_string(note.range.begin.line) + " " +
             note.message + "\n";
    for (const FixIt& fix : d.fixes) out += "  fix " + std::to_string(fix.range.file) + " " + fix.replacement + "\n";
  }
  return out;
}

constexpr FileId kSomeFile = 7;

std::string parsedAlone(const std::string& text) {
  DiagnosticSink sink;
  std::unique_ptr<ast::File> tree = parseText(text, kSomeFile, sink);
  return outcome(*tree, sink.diagnostics());
}

class ParseAheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pipe-parse-ahead-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

}  // namespace

TEST_F(ParseAheadTest, FourThreadsGiveWhatOneGives) {
  std::vector<std::string> texts = corpus();
  ASSERT_GT(texts.size(), 80u);
  std::vector<std::string> expected;
  std::vector<fs::path> paths;
  for (size_t i = 0; i < texts.size(); ++i) {
    expected.push_back(parsedAlone(texts[i]));
    paths.push_back(dir_ / ("f" + std::to_string(i) + ".pipe"));
    std::ofstream(paths.back(), std::ios::binary) << texts[i];
  }
  // Each round takes the files in another order, so the threads run into the
  // same parts of the caches at different times.
  for (int round = 0; round < 12; ++round) {
    std::vector<size_t> order(paths.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(static_cast<unsigned>(round)));
    std::vector<fs::path> ordered;
    for (size_t i : order) ordered.push_back(paths[i]);
    ParseAhead ahead(ordered, {}, 4);
    for (size_t i : order) {
      std::unique_ptr<ParsedAhead> parsed = ahead.take(paths[i].string());
      ASSERT_TRUE(parsed && parsed->text && parsed->ast) << paths[i];
      EXPECT_EQ(*parsed->text, texts[i]);
      retargetFile(*parsed->ast, kSomeFile);
      for (Diagnostic& d : parsed->diagnostics) retargetDiagnostic(d, kSomeFile);
      EXPECT_EQ(parsed->ast->file, kSomeFile);
      EXPECT_EQ(outcome(*parsed->ast, parsed->diagnostics), expected[i]) << "round " << round << ", " << paths[i];
    }
  }
}

TEST_F(ParseAheadTest, UnknownAndUnreadableFilesAreLeftToTheLoader) {
  std::ofstream(dir_ / "a.pipe") << "template A {\n  artifact = \"a\"\n}\n";
  std::ofstream(dir_ / "bad.pipe", std::ios::binary) << "template B {\n  artifact = \"\xff\"\n}\n";
  ParseAhead ahead({dir_ / "a.pipe", dir_ / "missing.pipe", dir_ / "bad.pipe"}, {}, 2);
  EXPECT_EQ(ahead.take((dir_ / "elsewhere.pipe").string()), nullptr);
  std::unique_ptr<ParsedAhead> missing = ahead.take((dir_ / "missing.pipe").string());
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->text);  // the loader reports `cannot read`
  std::unique_ptr<ParsedAhead> bad = ahead.take((dir_ / "bad.pipe").string());
  ASSERT_TRUE(bad && bad->text);
  EXPECT_EQ(bad->badBytes, std::vector<size_t>{27});  // the loader reports P001 there
  EXPECT_NE(ahead.take((dir_ / "a.pipe").string()), nullptr);
  EXPECT_EQ(ahead.take((dir_ / "a.pipe").string()), nullptr);  // once only
}

TEST(ParseJobs, DefaultIsTheCoresAtMostFour) {
  EXPECT_EQ(effectiveJobs(3), 3u);
  EXPECT_EQ(effectiveJobs(1), 1u);
  EXPECT_GE(effectiveJobs(0), 1u);
  EXPECT_LE(effectiveJobs(0), kMaxDefaultJobs);
}
