// pipec fmt: the canonical layout (docs/formatting.md), idempotence over
// every parsable file of the repository, and the CLI's exit statuses.
#include "compiler/driver/SourceLoader.h"
#include "compiler/format/Formatter.h"
#include "compiler/format/UnifiedDiff.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pipelang {
namespace {

namespace fs = std::filesystem;

std::string format(std::string_view text) {
  FormatOutcome outcome = formatSource(text, "test.pipe");
  EXPECT_TRUE(outcome.ok) << text;
  return outcome.text;
}

constexpr std::string_view kMessy = R"(// header comment
import "std/aws"
pipeline   Foo extends Bar {   // about foo
artifact="x"   // the artifact
  hosts_per_zone    = 24
final kind = code
    deploy { run = "a"  timeout=20m }
  stage gamma {
  regions=[us-west-2,]
      onebox {traffic=10% bake=30m}
    bake = 1h30m
  }
  // the alarms
  alarms {
    high = (fault_rate > 1% or x) for 3 of 5 every 1m  /* block */
    not_it = not high and super.y
  }


  windows {
    allow core { days = mon..thu  hours = 09:00..16:00 }
    allow fri { days = [fri] }
  }
  prod {
  }
}
/* trailing
   block comment */
)";

constexpr std::string_view kCanonical = R"(// header comment
import "std/aws"

pipeline Foo extends Bar { // about foo
  artifact       = "x"  // the artifact
  hosts_per_zone = 24
  final kind     = code
  deploy         { run = "a"  timeout = 20m }

  stage gamma {
    regions = [us-west-2]
    onebox  { traffic = 10%  bake = 30m }
    bake    = 1h30m
  }

  // the alarms
  alarms {
    high   = (fault_rate > 1% or x) for 3 of 5 every 1m  /* block */
    not_it = not high and super.y
  }

  windows {
    allow core { days = mon..thu  hours = 09:00..16:00 }
    allow fri  { days = [fri] }
  }

  prod {}
}

/* trailing
   block comment */
)";

TEST(FormatTest, MessyInputBecomesCanonical) {
  EXPECT_EQ(format(kMessy), kCanonical);
}

TEST(FormatTest, CanonicalInputIsUnchanged) {
  EXPECT_EQ(format(kCanonical), kCanonical);
}

TEST(FormatTest, TrailingCommentsAlignWithinARun) {
  EXPECT_EQ(format("template T { alarms {\n a = x > 1 // one\n long_name = y > 2 // two\n} }\n"),
            "template T {\n  alarms {\n    a         = x > 1  // one\n    long_name = y > 2  // two\n  }\n}\n");
}

TEST(FormatTest, MultiLineBlockGetsBlankLinesAndKeepsItsDocComment) {
  EXPECT_EQ(format("template T {\n  a = 1\n  // doc\n  prod {\n    b = 2\n  }\n  c = 3\n}\n"),
            "template T {\n  a = 1\n\n  // doc\n  prod {\n    b = 2\n  }\n\n  c = 3\n}\n");
}

TEST(FormatTest, CommentInsideAValueIsKeptAboveIt) {
  EXPECT_EQ(format("template T {\n  regions = [a, // first\n    b]\n}\n"),
            "template T {\n  // first\n  regions = [a, b]\n}\n");
}

TEST(FormatTest, NotifyTargetsAreLaidOutLikeEveryNamedBlock) {
  // language.md "Notifications": a multi-line target gets blank lines around it and its `=` aligned; a
  // short one stays on one line; event names, durations and strings keep their spelling.
  EXPECT_EQ(format("pipeline P extends T {\n  artifact = \"p\"\nnotify   oncall {\n events=[rolled_back,blocked]\n"
                   "  blocked_after=45m   // default 30m\n webhook = \"https://chat.example/hooks/deploys\"\n  }\n"
                   "  notify pager { events = [rolled_back]  run=\"page.sh --team a\" }\n}\n"),
            "pipeline P extends T {\n"
            "  artifact = \"p\"\n"
            "\n"
            "  notify oncall {\n"
            "    events        = [rolled_back, blocked]\n"
            "    blocked_after = 45m  // default 30m\n"
            "    webhook       = \"https://chat.example/hooks/deploys\"\n"
            "  }\n"
            "\n"
            "  notify pager { events = [rolled_back]  run = \"page.sh --team a\" }\n"
            "}\n");
}

TEST(FormatTest, LiteralsKeepTheirSpelling) {
  EXPECT_EQ(format("template T { a = 90m  b = 1h30m  c = 0.50  d = 50.0%  e = \"\\t\\\"q\" }\n"),
            "template T {\n  a = 90m\n  b = 1h30m\n  c = 0.50\n  d = 50.0%\n  e = \"\\t\\\"q\"\n}\n");
}

TEST(FormatTest, FileThatDoesNotParseIsNotFormatted) {
  FormatOutcome outcome = formatSource("pipeline P { a = }\n", "bad.pipe");
  EXPECT_FALSE(outcome.ok);
  EXPECT_FALSE(outcome.diagnostics.empty());
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FormatTest, IdempotentOnEveryParsableFileOfTheRepository) {
  size_t checked = 0;
  for (const char* directory : {"examples", "stdlib", "tests/golden"}) {
    for (const fs::path& file : findPipeFiles(fs::path(PIPE_SOURCE_DIR) / directory, {fs::path(PIPE_SOURCE_DIR)})) {
      FormatOutcome first = formatSource(readFile(file), file.string());
      if (!first.ok) continue;
      FormatOutcome second = formatSource(first.text, file.string());
      ASSERT_TRUE(second.ok) << file << " no longer parses after formatting:\n" << first.text;
      EXPECT_EQ(second.text, first.text) << file << "\n" << unifiedDiff(first.text, second.text, "once", "twice");
      ++checked;
    }
  }
  EXPECT_GT(checked, 20u);
}

TEST(FormatTest, ExamplesAndStdlibAreCanonical) {
  for (const char* directory : {"examples", "stdlib"}) {
    for (const fs::path& file : findPipeFiles(fs::path(PIPE_SOURCE_DIR) / directory, {fs::path(PIPE_SOURCE_DIR)})) {
      std::string text = readFile(file);
      FormatOutcome outcome = formatSource(text, file.string());
      if (outcome.ok) {
        EXPECT_EQ(outcome.text, text) << unifiedDiff(text, outcome.text, "file", "formatted");
      }
    }
  }
}

TEST(FormatTest, UnifiedDiffShowsTheChangedLine) {
  EXPECT_EQ(unifiedDiff("a\nb\nc\n", "a\nB\nc\n", "x", "x"), "--- x\n+++ x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  EXPECT_EQ(unifiedDiff("same\n", "same\n", "x", "x"), "");
}

// The CLI, run as a user would.
class FmtCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("pipe-fmt-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }
  fs::path write(const std::string& name, std::string_view text) {
    fs::path path = directory_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  int run(const std::string& arguments) {
    std::string command = std::string(PIPEC_PATH) + " fmt " + arguments + " > " + (directory_ / "out.txt").string() +
                          " 2> " + (directory_ / "err.txt").string();
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string output() { return readFile(directory_ / "out.txt"); }
  fs::path directory_;
};

TEST_F(FmtCommandTest, CheckExitsZeroWhenCanonical) {
  fs::path file = write("good.pipe", kCanonical);
  EXPECT_EQ(run("--check " + file.string()), 0);
  EXPECT_EQ(output(), "");
}

TEST_F(FmtCommandTest, CheckExitsOneAndListsTheFileWhenNot) {
  fs::path file = write("messy.pipe", kMessy);
  EXPECT_EQ(run("--check " + directory_.string()), 1);
  EXPECT_EQ(output(), file.generic_string() + "\n");
  EXPECT_EQ(readFile(file), kMessy);  // --check writes nothing
}

TEST_F(FmtCommandTest, RewritesInPlace) {
  fs::path file = write("messy.pipe", kMessy);
  EXPECT_EQ(run(file.string()), 0);
  EXPECT_EQ(readFile(file), kCanonical);
}

TEST_F(FmtCommandTest, DiffPrintsAUnifiedDiff) {
  fs::path file = write("small.pipe", "policy p {\nmax_recovery=15m\n}\n");
  EXPECT_EQ(run("--diff " + file.string()), 0);
  std::string name = file.generic_string();
  EXPECT_EQ(output(), "--- " + name + "\n+++ " + name +
                          "\n@@ -1,3 +1,3 @@\n policy p {\n-max_recovery=15m\n+  max_recovery = 15m\n }\n");
}

TEST_F(FmtCommandTest, StdinToStdout) {
  fs::path file = write("messy.pipe", kMessy);
  EXPECT_EQ(run("- < " + file.string()), 0);
  EXPECT_EQ(output(), kCanonical);
}

TEST_F(FmtCommandTest, FileThatDoesNotParseIsLeftUntouched) {
  fs::path file = write("bad.pipe", "pipeline P { a = }\n");
  EXPECT_EQ(run(file.string()), 1);
  EXPECT_EQ(readFile(file), "pipeline P { a = }\n");
  EXPECT_NE(readFile(directory_ / "err.txt").find("P0"), std::string::npos);
}

}  // namespace
}  // namespace pipelang
