// The pipec command line as scripts and CI use it: exit statuses, output
// formats, determinism (checks.md §1, §4).
#include "tests/compiler/PipecProcess.h"

#include <gtest/gtest.h>
#include <llvm/Support/JSON.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using PipecRun = pipelang::testing::PipecOutcome;
using pipelang::testing::countOf;
using pipelang::testing::slurpFile;

class PipecCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pipe-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }

  PipecRun pipec(const std::string& args, const std::string& from = ".") {
    return pipelang::testing::runPipec(dir_ / from, args, dir_);
  }

  // `check .` of the folder (with errors: exit 1) prints the same bytes with
  // --jobs 1 as with 2, 3, 16 and the default, in every format.
  void expectEveryJobsCountPrintsWhatOneThreadPrints() {
    for (const char* format : {"--color=never", "--format=json", "--format=sarif"}) {
      PipecRun one = pipec(std::string("check . --jobs 1 ") + format);
      EXPECT_EQ(one.status, 1) << one.err;
      for (const char* jobs : {"", " --jobs 2", " -j 3", " --jobs=16"}) {
        PipecRun many = pipec(std::string("check . ") + format + jobs);
        EXPECT_EQ(many.status, one.status) << format << jobs;
        EXPECT_EQ(many.out, one.out) << format << jobs;
        EXPECT_EQ(many.err, one.err) << format << jobs;
      }
    }
  }

  fs::path dir_;
};

const char* kTwoSyntaxErrors =
    "template A {\n"
    "  artifact = \"a\n"
    "  kind = 12x\n"
    "}\n";

}  // namespace

TEST_F(PipecCli, CleanFileExitsZeroWithSummary) {
  write("ok.pipe", "template A {\n  artifact = \"a\"\n}\n");
  PipecRun run = pipec("check ok.pipe");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "0 errors, 0 warnings in 1 file\n");
}

TEST_F(PipecCli, ErrorsExitOneWithLocationFirstLine) {
  write("bad.pipe", kTwoSyntaxErrors);
  PipecRun run = pipec("check bad.pipe --color=never");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err.substr(0, run.err.find('\n')),
            "bad.pipe:2:14: error[P002]: unterminated string: add the closing `\"` on the same line");
  EXPECT_NE(run.err.find("bad.pipe:3:10: error[P003]: malformed duration `12x`"), std::string::npos);
  EXPECT_NE(run.err.find("    3 |   kind = 12x\n      |          ^~~\n"), std::string::npos) << run.err;
  EXPECT_TRUE(run.err.ends_with("2 errors, 0 warnings in 1 file\n`pipec explain CODE` for more (P002, P003)\n"))
      << run.err;
}

// An unterminated comment is one error (P002), not also an unexpected token.
TEST_F(PipecCli, AnUnterminatedCommentIsOneError) {
  write("open.pipe", "template A {\n  artifact = \"a\"\n}\n/* abc");
  PipecRun run = pipec("check open.pipe --color=never");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err.substr(0, run.err.find('\n')),
            "open.pipe:4:1: error[P002]: unterminated comment: `/*` has no closing `*/`");
  EXPECT_TRUE(run.err.ends_with("1 error, 0 warnings in 1 file\n`pipec explain P002` for more\n")) << run.err;
  write("only.pipe", "/* abc");
  PipecRun only = pipec("check only.pipe --color=never");
  EXPECT_EQ(only.status, 1);
  EXPECT_EQ(only.err.find("P001"), std::string::npos) << only.err;
}

TEST_F(PipecCli, MissingFileIsAnIoFailure) {
  PipecRun run = pipec("check missing.pipe");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("pipec: error: cannot read `missing.pipe`"), std::string::npos);
}

// A path that exists but is not a file (a device, a FIFO) is said to be so,
// not to be missing.
TEST_F(PipecCli, ADeviceGivenAsAnInputIsNotARegularFile) {
  PipecRun run = pipec("check /dev/null");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("pipec: error: cannot read `/dev/null`: not a regular file"), std::string::npos) << run.err;
}

// Read on the parsing threads before the loader looks at it, a FIFO among
// the inputs is opened without waiting for a writer and refused.
TEST_F(PipecCli, AFifoAmongTheInputsIsRefusedNotWaitedOn) {
  std::string files;
  for (int i = 0; i < 20; ++i) {  // so that a parsing thread is well ahead of the loader when it reaches the FIFO
    std::string name = "a" + std::to_string(100 + i) + ".pipe";
    write(name, "template A" + std::to_string(i) + " {\n  kind = code\n}\n");
    files += name + " ";
  }
  ASSERT_EQ(::mkfifo((dir_ / "fifo.pipe").c_str(), 0600), 0);
  PipecRun run = pipec("check " + files + "fifo.pipe --jobs 3");
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_NE(run.err.find("pipec: error: cannot read `fifo.pipe`: not a regular file"), std::string::npos) << run.err;
}

TEST_F(PipecCli, UnknownOptionIsAUsageError) {
  EXPECT_EQ(pipec("check --no-such-option").status, 2);
  EXPECT_EQ(pipec("frobnicate").status, 2);
}

TEST_F(PipecCli, JsonFormat) {
  write("bad.pipe", kTwoSyntaxErrors);
  PipecRun run = pipec("check bad.pipe --format=json");
  EXPECT_EQ(run.status, 1);
  auto parsed = llvm::json::parse(run.out);
  ASSERT_TRUE(bool(parsed)) << run.out;
  const llvm::json::Array* array = parsed->getAsArray();
  ASSERT_TRUE(array);
  ASSERT_EQ(array->size(), 2u);
  const llvm::json::Object* first = (*array)[0].getAsObject();
  EXPECT_EQ(first->getString("file"), llvm::StringRef("bad.pipe"));
  EXPECT_EQ(first->getInteger("line").getValueOr(-1), 2);
  EXPECT_EQ(first->getInteger("column").getValueOr(-1), 14);
  EXPECT_EQ(first->getInteger("end_line").getValueOr(-1), 2);
  EXPECT_EQ(first->getString("severity"), llvm::StringRef("error"));
  EXPECT_EQ(first->getString("code"), llvm::StringRef("P002"));
  EXPECT_TRUE(first->getArray("notes"));
  EXPECT_TRUE(first->getArray("fixes"));
  EXPECT_EQ(run.err, "2 errors, 0 warnings in 1 file\n");
}

TEST_F(PipecCli, SarifFormat) {
  write("bad.pipe", kTwoSyntaxErrors);
  PipecRun run = pipec("check bad.pipe --format=sarif");
  auto parsed = llvm::json::parse(run.out);
  ASSERT_TRUE(bool(parsed)) << run.out;
  const llvm::json::Object* sarif = parsed->getAsObject();
  EXPECT_EQ(sarif->getString("version"), llvm::StringRef("2.1.0"));
  const llvm::json::Object* runObject = (*sarif->getArray("runs"))[0].getAsObject();
  const llvm::json::Array* results = runObject->getArray("results");
  ASSERT_EQ(results->size(), 2u);
  const llvm::json::Object* result = (*results)[1].getAsObject();
  EXPECT_EQ(result->getString("ruleId"), llvm::StringRef("P003"));
  const llvm::json::Object* region =
      (*result->getArray("locations"))[0].getAsObject()->getObject("physicalLocation")->getObject("region");
  EXPECT_EQ(region->getInteger("startLine").getValueOr(-1), 3);
  EXPECT_EQ(region->getInteger("startColumn").getValueOr(-1), 10);
}

TEST_F(PipecCli, OutputDoesNotDependOnArgumentOrder) {
  write("a.pipe", kTwoSyntaxErrors);
  write("b.pipe", "template B {\n  artifact = 25:00\n}\n");
  PipecRun forward = pipec("check a.pipe b.pipe --format=json");
  PipecRun backward = pipec("check b.pipe a.pipe --format=json");
  EXPECT_EQ(forward.out, backward.out);
  EXPECT_EQ(forward.err, backward.err);
  EXPECT_EQ(forward.status, 1);
}

TEST_F(PipecCli, DirectoriesAreSearchedForPipeFiles) {
  write("svc/a.pipe", "template A {\n  artifact = \"a\"\n}\n");
  write("svc/deeper/b.pipe", "template B {\n  artifact = \"b\"\n}\n");
  write("svc/notes.txt", "not a pipe file {");
  PipecRun run = pipec("check svc");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "0 errors, 0 warnings in 2 files\n");
}

TEST_F(PipecCli, ImportOutsideTheRootIsRefusedWithoutReadingIt) {
  write("secret/creds.pipe", "template Secret { artifact = \"TOPSECRET\" }\n");
  write("project/svc.pipe", "import \"../secret/creds.pipe\"\ntemplate A {\n  artifact = \"a\"\n}\n");
  PipecRun run = pipec("check --root project project/svc.pipe");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("project/svc.pipe:1:8: error[R104]: import `../secret/creds.pipe` leaves the project root"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("TOPSECRET"), std::string::npos);
}

// The standard library is a root of its own (issue 12 §4, case std-import-escape):
// `std/` imports are normalised and their real path checked before reading.
TEST_F(PipecCli, StdImportsNeverLeaveTheStandardLibrary) {
  write("stdlib/policy.pipe", slurpFile(fs::path(PIPE_SOURCE_DIR) / "stdlib/policy.pipe"));
  write("outside/secret.pipe",
        "template Leaky { artifact = \"SECRET-ARTIFACT-777\" }\nSECRET-LINE-888 this is not valid syntax {\n");
  fs::create_directory_symlink(dir_ / "outside", dir_ / "stdlib/linked");
  write("proj/main.pipe",
        "import \"std/../outside/secret\"\n"
        "import \"std/./../outside/secret\"\n"
        "import \"std/linked/secret\"\n"
        "import \"std/nothing/../../outside/secret\"\n"
        "import \"std//etc/passwd\"\n");
  PipecRun run = pipec("check --root proj --stdlib stdlib proj/main.pipe");
  EXPECT_EQ(run.status, 1);
  for (const char* expected :
       {"proj/main.pipe:1:8: error[R104]: import `std/../outside/secret` leaves the standard library\n",
        "proj/main.pipe:2:8: error[R104]: import `std/./../outside/secret` leaves the standard library\n",
        "proj/main.pipe:3:8: error[R104]: import `std/linked/secret` leaves the standard library\n",
        "proj/main.pipe:4:8: error[R104]: import `std/nothing/../../outside/secret` leaves the standard library\n",
        "proj/main.pipe:5:8: error[R104]: import `std//etc/passwd` leaves the standard library\n"})
    EXPECT_NE(run.err.find(expected), std::string::npos) << expected << "\n" << run.err;
  EXPECT_NE(run.err.find("5 errors, 0 warnings in 1 file"), std::string::npos) << run.err;
  for (const char* args : {"check --root proj --stdlib stdlib proj/main.pipe --format=json",
                           "check --root proj --stdlib stdlib proj/main.pipe --format=sarif",
                           "show Leaky --root proj --stdlib stdlib proj/main.pipe",
                           "plan --root proj --stdlib stdlib proj/main.pipe -o plans"}) {
    PipecRun other = pipec(args);
    EXPECT_EQ(other.out.find("SECRET"), std::string::npos) << args << "\n" << other.out;
    EXPECT_EQ(other.err.find("SECRET"), std::string::npos) << args << "\n" << other.err;
  }
}

TEST_F(PipecCli, ExplainKnownAndUnknownCodes) {
  PipecRun known = pipec("explain S204");
  EXPECT_EQ(known.status, 0);
  EXPECT_TRUE(known.out.starts_with("# S204")) << known.out;
  EXPECT_NE(known.out.find("## Wrong"), std::string::npos);
  EXPECT_NE(known.out.find("## Right"), std::string::npos);
  PipecRun unknown = pipec("explain S999");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("unknown diagnostic code `S999`"), std::string::npos);
}

TEST_F(PipecCli, WerrorKeepsACleanRunClean) {
  write("ok.pipe", "template A {\n  artifact = \"a\"\n}\n");
  EXPECT_EQ(pipec("check --werror ok.pipe").status, 0);
}

TEST_F(PipecCli, ShowPrintsTheMergedPipelineWithProvenance) {
  write("standard.pipe",
        "template Base {\n"
        "  artifact = \"base\"\n"
        "  prod {\n"
        "    wave 1 { bake = 12h }\n"
        "  }\n"
        "}\n");
  write("svc.pipe",
        "import \"standard.pipe\"\n"
        "template Svc extends Base {\n"
        "  artifact = \"svc\"\n"
        "}\n");
  PipecRun run = pipec("show Svc svc.pipe");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("artifact = \"svc\"  // from svc.pipe:3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("bake = 12h  // from standard.pipe:4"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("\"base\""), std::string::npos) << run.out;
}

// ---------------------------------------------------------------- issue 12: one answer, wherever from

// The project root is the nearest folder upward with `pipe.project` or `.git`
// (docs/architecture.md "Decisions"): checking from a sub-folder may import a
// sibling folder; without a marker the current directory stays the root.
TEST_F(PipecCli, ProjectRootIsTheNearestFolderWithAMarker) {
  write("proj/templates/base.pipe", "template Base {\n  artifact = \"base\"\n}\n");
  write("proj/services/svc.pipe", "import \"../templates/base.pipe\"\ntemplate Svc extends Base {\n}\n");
  PipecRun unmarked = pipec("check svc.pipe", "proj/services");
  EXPECT_EQ(unmarked.status, 1);
  EXPECT_NE(unmarked.err.find("svc.pipe:1:8: error[R104]"), std::string::npos) << unmarked.err;
  write("proj/pipe.project", "");
  PipecRun marked = pipec("check svc.pipe", "proj/services");
  EXPECT_EQ(marked.status, 0) << marked.err;
  EXPECT_EQ(marked.err, "0 errors, 0 warnings in 1 file\n");
  fs::remove(dir_ / "proj/pipe.project");
  fs::create_directory(dir_ / "proj/.git");
  EXPECT_EQ(pipec("check svc.pipe", "proj/services").status, 0);
}

// A name is visible only through the file's imports: the same answer for
// svc.pipe whether it is checked alone or with its folder, and a help that
// names the import to add.
TEST_F(PipecCli, NamesAreVisibleOnlyThroughImports) {
  write("lib.pipe",
        "template Base {\n  artifact = \"base\"\n}\ntopology lab {\n  region r1 { zones = [z1] traffic = 100% }\n}\n");
  write("teams/svc.pipe", "template Svc extends Base {\n  topology = lab\n}\n");
  const char* extendsError = "teams/svc.pipe:1:22: error[R101]: unknown template `Base`\n";
  const char* help =
      "help: template `Base` is declared in a file this one does not import: add `import \"../lib.pipe\"`\n";
  PipecRun alone = pipec("check teams/svc.pipe");
  PipecRun all = pipec("check .");
  for (const PipecRun* run : {&alone, &all}) {
    EXPECT_EQ(run->status, 1);
    EXPECT_NE(run->err.find(extendsError), std::string::npos) << run->err;
    EXPECT_NE(run->err.find(help), std::string::npos) << run->err;
  }
  // `pipec show` merges what `check` sees: not the parent the file does not import.
  PipecRun show = pipec("show Svc .");
  EXPECT_EQ(show.out.find("\"base\""), std::string::npos) << show.out;
  write("teams/svc.pipe", "import \"../lib.pipe\"\ntemplate Svc extends Base {\n  topology = lab\n}\n");
  EXPECT_NE(pipec("show Svc .").out.find("artifact = \"base\""), std::string::npos);
  EXPECT_EQ(pipec("check teams/svc.pipe").status, 0);
  EXPECT_EQ(pipec("check .").status, 0);
}

// After a failed import, the names it would have brought are not reported again.
TEST_F(PipecCli, NoCascadeAfterAFailedImport) {
  write("svc.pipe",
        "import \"templates/missing.pipe\"\n"
        "pipeline Svc extends Base {\n"
        "  topology = lab\n"
        "  alarms {\n"
        "    slow = latency > 1s for 3 of 5 every 1m\n"
        "    both = slow or high_faults\n"
        "  }\n"
        "  block_on = [high_faults]\n"
        "}\n");
  PipecRun run = pipec("check svc.pipe");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("svc.pipe:1:8: error[R103]: import `templates/missing.pipe` not found"), std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("R101"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("1 error, 0 warnings in 1 file"), std::string::npos) << run.err;
}

// A template's own unsafe value is an error at its line, with the pipelines
// it affects, whether or not a pipeline extends it.
TEST_F(PipecCli, TemplateErrorsNoteThePipelinesTheyAffect) {
  write("wide.pipe",
        "import \"std/templates\"\n"
        "template Wide extends StandardService {\n"
        "  prod {\n"
        "    rolling { batch = 50% }\n"
        "  }\n"
        "}\n");
  PipecRun alone = pipec("check wide.pipe");
  EXPECT_EQ(alone.status, 1);
  EXPECT_NE(alone.err.find("wide.pipe:4:23: error[S204]: rolling batch 50% exceeds the policy maximum of 33%"),
            std::string::npos)
      << alone.err;
  EXPECT_NE(alone.err.find("note: no pipeline extends template `Wide` yet\n"), std::string::npos) << alone.err;
  write("svc.pipe",
        "import \"wide.pipe\"\n"
        "pipeline Cart extends Wide {\n  artifact = \"cart\"\n  deploy { run = \"deploy.sh\" }\n}\n"
        "pipeline Orders extends Wide {\n  artifact = \"orders\"\n  deploy { run = \"deploy.sh\" }\n}\n");
  PipecRun both = pipec("check svc.pipe");
  EXPECT_NE(both.err.find("note: affects pipelines `Cart`, `Orders`\n"), std::string::npos) << both.err;
  EXPECT_NE(both.err.find("2 errors, 0 warnings"), std::string::npos) << both.err;  // S204 and S205, once each
}

// ---------------------------------------------------------------- issue 12: diagnostics polish

TEST_F(PipecCli, MissingAssignIsReportedWhereItIsMissing) {
  write("a.pipe", "template A {\n  artifact \"svc\"\n  kind = \"code\"\n  deploy { timeout 10m }\n}\n");
  PipecRun run = pipec("check a.pipe");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("a.pipe:2:11: error[P001]: missing `=` between `artifact` and `\"svc\"`\n"
                         "    2 |   artifact \"svc\"\n"
                         "      |           ^\n"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("a.pipe:4:19: error[P001]: missing `=` between `timeout` and `10m`"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("2 errors, 0 warnings"), std::string::npos) << run.err;
  // Followed by a block, and a value in a call is not taken for an attribute.
  write("b.pipe",
        "template B {\n  artifact \"svc\"\n  deploy { run = \"d.sh\" }\n  metrics { m = prometheus(\"q\" 5) }\n}\n");
  PipecRun block = pipec("check b.pipe");
  EXPECT_NE(block.err.find("b.pipe:2:11: error[P001]: missing `=` between `artifact` and `\"svc\"`"), std::string::npos)
      << block.err;
  EXPECT_NE(block.err.find("b.pipe:4:32: error[P001]: unexpected `5`; expected `)` or `,`"), std::string::npos)
      << block.err;
  EXPECT_NE(block.err.find("2 errors, 0 warnings"), std::string::npos) << block.err;
}

TEST_F(PipecCli, UnclosedBraceNotesTheBraceItMatches) {
  write("a.pipe", "template A {\n  deploy {\n    timeout = 10m\n\n  artifact = \"x\"\n}\n");
  PipecRun run = pipec("check a.pipe");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("a.pipe:7:1: error[P001]: expected `}` before end of file\n"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("note: this `{` seems to be the one left open: the `}` on line 6 lines up with an outer "
                         "block (a.pipe:2:10)\n"),
            std::string::npos)
      << run.err;
  write("b.pipe", "template B {\n  artifact = \"x\"\n");
  PipecRun innermost = pipec("check b.pipe");
  EXPECT_NE(innermost.err.find("note: this `{` is never closed (b.pipe:1:12)\n"), std::string::npos) << innermost.err;
}

TEST_F(PipecCli, UnitlessNumberGetsAUnitSuggestionAlsoInJson) {
  write("a.pipe", "template A {\n  deploy { timeout = 10 }\n  prod { rolling { batch = 25 } }\n}\n");
  PipecRun run = pipec("check a.pipe");
  EXPECT_NE(run.err.find("help: a number needs a unit here: did you mean `10m`? (units: ms, s, m, h, d)\n"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("help: a number needs a unit here: did you mean `25%`?\n"), std::string::npos) << run.err;
  PipecRun json = pipec("check a.pipe --format=json");
  auto parsed = llvm::json::parse(json.out);
  ASSERT_TRUE(bool(parsed)) << json.out;
  const llvm::json::Object* first = (*parsed->getAsArray())[0].getAsObject();
  EXPECT_EQ(first->getString("help"),
            llvm::StringRef("a number needs a unit here: did you mean `10m`? (units: ms, s, m, h, d)"));
  const llvm::json::Array* fixes = first->getArray("fixes");
  ASSERT_TRUE(fixes && !fixes->empty()) << json.out;
  const llvm::json::Object* fix = (*fixes)[0].getAsObject();
  EXPECT_EQ(fix->getString("replacement"), llvm::StringRef("10m"));
}

TEST_F(PipecCli, SarifNeverNamesAStdlibFileAsARepositoryFile) {
  write("a.pipe", "policy strict {\n  max_batch = 50%\n}\n");  // a duplicate of the prelude's policy
  PipecRun run = pipec("check a.pipe --format=sarif");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out.find("\"std/policy.pipe\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"uriBaseId\": \"PIPE_STDLIB\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"uri\": \"a.pipe\""), std::string::npos) << run.out;
}

TEST_F(PipecCli, ExplainWithoutACodeListsTheCodes) {
  PipecRun run = pipec("explain");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("P001  error    syntax error: unexpected token\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("S209  warning  a topology region is deployed by no wave\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("R114  error"), std::string::npos) << run.out;
}

// ---------------------------------------------------------------- plan, graph, diff

const char* kTwoServices =
    "import \"std/templates\"\n"
    "\n"
    "pipeline Cart extends StandardService {\n"
    "  artifact = \"cart\"\n"
    "  deploy { run = \"scripts/deploy.sh cart\" }\n"
    "}\n"
    "\n"
    "pipeline Orders extends StandardService {\n"
    "  artifact = \"orders\"\n"
    "  deploy { run = \"scripts/deploy.sh orders\" }\n"
    "}\n";

TEST_F(PipecCli, PlanWritesOneDeterministicPlanPerPipeline) {
  write("svc.pipe", kTwoServices);
  PipecRun first = pipec("plan svc.pipe -o plans");
  ASSERT_EQ(first.status, 0) << first.err;
  std::string cart = slurpFile(dir_ / "plans" / "Cart.plan.json");
  std::string orders = slurpFile(dir_ / "plans" / "Orders.plan.json");
  auto parsed = llvm::json::parse(cart);
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  const llvm::json::Object& plan = *parsed->getAsObject();
  EXPECT_EQ(plan.getString("schema").getValueOr(""), "pipe.plan/v1");
  EXPECT_EQ(plan.getString("pipeline").getValueOr(""), "Cart");
  EXPECT_TRUE(plan.getString("digest").getValueOr("").startswith("sha256:"));
  EXPECT_NE(orders.find("\"pipeline\": \"Orders\""), std::string::npos);

  // Byte-identical on a second run, and the same plan on stdout with --pipeline.
  ASSERT_EQ(pipec("plan svc.pipe -o again").status, 0);
  EXPECT_EQ(slurpFile(dir_ / "again" / "Cart.plan.json"), cart);
  PipecRun one = pipec("plan svc.pipe --pipeline Cart");
  EXPECT_EQ(one.status, 0) << one.err;
  EXPECT_EQ(one.out, cart);
}

// `-o DIR` builds and writes plans on two threads: every file must hold the
// bytes the one-at-a-time path prints for that pipeline, whatever thread wrote it.
TEST_F(PipecCli, PlanOfManyPipelinesWritesEachAsPlanningItAloneWould) {
  // Time zones differ from plan to plan: the calendar's zone switch is shared by the threads.
  const char* zones[] = {"Asia/Tokyo", "America/Los_Angeles", "Europe/Paris"};
  std::string services = "import \"std/templates\"\n";
  for (int i = 0; i < 24; ++i)
    services += "pipeline Svc" + std::to_string(i) + " extends StandardService {\n  artifact = \"svc" +
                std::to_string(i) + "\"\n  hosts_per_zone = " + std::to_string(2 + i % 9) +
                "\n  windows { timezone = \"" + zones[i % 3] + "\" }\n  deploy { run = \"scripts/deploy.sh\" }\n}\n";
  write("svc.pipe", services);
  PipecRun all = pipec("plan svc.pipe -o plans");
  ASSERT_EQ(all.status, 0) << all.err;
  for (int i = 0; i < 24; ++i) {
    std::string name = "Svc" + std::to_string(i);
    PipecRun one = pipec("plan svc.pipe --pipeline " + name);
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_EQ(slurpFile(dir_ / "plans" / (name + ".plan.json")), one.out) << name;
  }
}

// Each writer thread of `plan -o` writes a plan into the strings of the one
// it wrote before (issue 18): plans of different shapes in turn (tests in
// gamma or none, a test's run and timeout, fleets of 2 to 11 hosts, more or
// fewer steps) must each be the plan planned alone, with nothing left over.
TEST_F(PipecCli, PlanOutputOfDifferentShapesInTurnWritesEachAsPlanningItAloneWould) {
  std::string services = "import \"std/templates\"\n";
  for (int i = 0; i < 16; ++i) {
    std::string n = std::to_string(i);
    services += "pipeline Svc" + n + " extends StandardService {\n  artifact = \"svc" + n + "\"\n";
    services += "  hosts_per_zone = " + std::to_string(i % 3 == 0 ? 11 : 2 + i % 5) + "\n";
    services += "  deploy { run = \"scripts/deploy.sh svc" + n + "\" }\n";
    if (i % 4 == 1)
      services += "  stage gamma {\n    test integration { run = \"tests/integ.sh " + n +
                  "\"  timeout = 20m }\n    test smoke { run = \"tests/smoke.sh\"  timeout = 5m }\n  }\n";
    services += "}\n";
  }
  write("svc.pipe", services);
  PipecRun all = pipec("plan svc.pipe -o plans");
  ASSERT_EQ(all.status, 0) << all.err;
  for (int i = 0; i < 16; ++i) {
    std::string name = "Svc" + std::to_string(i);
    PipecRun one = pipec("plan svc.pipe --pipeline " + name);
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_EQ(slurpFile(dir_ / "plans" / (name + ".plan.json")), one.out) << name;
  }
}

// `plan -o` analyses each kind of service once and writes the steps and
// analysis it repeats from kept bytes (issue 18: SharedAnalyses,
// RepeatedParts). Forty services of four kinds (host counts), each with its
// own artifact, command, alarm threshold and traffic floor, which the kept
// parts do not hold, and a one-off service between them: each plan is the
// one planned alone (no cache), digest included.
TEST_F(PipecCli, PlanOutputOfRepeatedKindsWritesEachAsPlanningItAloneWould) {
  std::string services = "import \"std/templates\"\n";
  auto service = [&](const std::string& n, int hosts) {
    services += "pipeline Svc" + n + " extends StandardService {\n  artifact = \"svc" + n + "\"\n";
    services += "  hosts_per_zone = " + std::to_string(hosts) + "\n";
    services += "  deploy { run = \"scripts/deploy.sh svc" + n + "\" }\n";
    services += "  prod { wave 1 { min_traffic = requests >= " + n + "0 } }\n}\n";
  };
  for (int i = 0; i < 40; ++i) {
    service(std::to_string(i), 3 + 2 * (i % 4));
    if (i == 20) service("OneOff", 12);
  }
  write("svc.pipe", services);
  PipecRun all = pipec("plan svc.pipe -o plans");
  ASSERT_EQ(all.status, 0) << all.err;
  for (int i = 0; i <= 40; ++i) {
    std::string name = i == 40 ? "SvcOneOff" : "Svc" + std::to_string(i);
    PipecRun one = pipec("plan svc.pipe --pipeline " + name);
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_EQ(slurpFile(dir_ / "plans" / (name + ".plan.json")), one.out) << name;
  }
}

TEST_F(PipecCli, PlanThatCannotWriteAFileNamesItAndExitsTwo) {
  write("svc.pipe", kTwoServices);
  fs::create_directories(dir_ / "plans" / "Orders.plan.json");  // a folder where the file should go
  PipecRun run = pipec("plan svc.pipe -o plans");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("pipec: error: cannot write `plans/Orders.plan.json`\n"), std::string::npos) << run.err;
}

TEST_F(PipecCli, PlanRefusesAmbiguousOrUnknownPipelines) {
  write("svc.pipe", kTwoServices);
  PipecRun both = pipec("plan svc.pipe");
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("2 pipelines: give `-o DIR` to write one plan file each, or `--pipeline NAME`"),
            std::string::npos)
      << both.err;
  EXPECT_EQ(both.out, "");
  PipecRun unknown = pipec("plan svc.pipe --pipeline Nope");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("no pipeline named `Nope`"), std::string::npos) << unknown.err;
}

TEST_F(PipecCli, PlanOfAPipelineWithErrorsWritesNothing) {
  write("bad.pipe",
        "import \"std/templates\"\n"
        "pipeline Cart extends StandardService {\n"
        "  artifact = \"cart\"\n"
        "  deploy { run = \"scripts/deploy.sh\"  timeout = 5 }\n"
        "}\n");
  PipecRun run = pipec("plan bad.pipe -o plans");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err.rfind("bad.pipe:4:49: error[R109]: `timeout` must be a duration", 0), 0u) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "plans" / "Cart.plan.json"));
}

TEST_F(PipecCli, GraphInBothFormats) {
  write("svc.pipe", kTwoServices);
  PipecRun mermaid = pipec("graph svc.pipe --pipeline Cart --format=mermaid");
  EXPECT_EQ(mermaid.status, 0) << mermaid.err;
  EXPECT_EQ(mermaid.out.rfind("flowchart TD\n  subgraph gamma[\"gamma\"]\n", 0), 0u) << mermaid.out;
  PipecRun dot = pipec("graph svc.pipe --pipeline Cart --format=dot");
  EXPECT_EQ(dot.status, 0) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph \"Cart\" {\n", 0), 0u) << dot.out;
  EXPECT_EQ(pipec("graph svc.pipe --pipeline Nope --format=dot").status, 2);
}

TEST_F(PipecCli, DiffOfTwoPlanFiles) {
  write("svc.pipe", kTwoServices);
  ASSERT_EQ(pipec("plan svc.pipe -o old").status, 0);
  write("svc.pipe", std::string(kTwoServices).replace(std::string(kTwoServices).find("\"cart\""), 6, "\"cart2\""));
  ASSERT_EQ(pipec("plan svc.pipe -o new").status, 0);

  PipecRun same = pipec("diff old/Orders.plan.json new/Orders.plan.json");
  EXPECT_EQ(same.status, 0) << same.err;
  EXPECT_EQ(same.out, "no changes\n");
  PipecRun changed = pipec("diff old/Cart.plan.json new/Cart.plan.json");
  EXPECT_EQ(changed.status, 0) << changed.err;
  EXPECT_EQ(changed.out, "Cart:\n  pipeline: artifact \"cart\" -> \"cart2\"\n");
  PipecRun json = pipec("diff old/Cart.plan.json new/Cart.plan.json --format=json");
  EXPECT_EQ(json.status, 0) << json.err;
  EXPECT_TRUE(bool(llvm::json::parse(json.out))) << json.out;
  EXPECT_EQ(pipec("diff old/Cart.plan.json missing.json").status, 2);
}

// Issue 12 §1-§2 and issue 20 §1, as a user meets them on the command line.
const char* kLab =
    "topology lab {\n"
    "  region lab-west { zones = [lw-az1, lw-az2]         traffic = 2%   hosts_per_zone = 10 }\n"
    "  region lab-east { zones = [le-az1, le-az2, le-az3] traffic = 40%  hosts_per_zone = 10 }\n"
    "  region lab-eu   { zones = [eu-az1, eu-az2]         traffic = 30%  hosts_per_zone = 10 }\n"
    "  region lab-ap   { zones = [ap-az1, ap-az2]         traffic = 28%  hosts_per_zone = 10 }\n"
    "}\n"
    "template Base {\n"
    "  artifact = \"svc\"\n"
    "  topology = lab\n"
    "  deploy { run = \"deploy.sh\"  timeout = 10m }\n"
    "  metrics {\n"
    "    fault_rate = prometheus(\"faults{{scope}}\", percent)\n"
    "    requests   = prometheus(\"requests{{scope}}\", count)\n"
    "  }\n"
    "  alarms { high_faults = fault_rate > 1% for 3 of 5 every 1m }\n"
    "  rollback_on = high_faults\n"
    "  block_on    = [high_faults]\n"
    "  windows {\n"
    "    timezone = \"America/Los_Angeles\"\n"
    "    allow core { days = mon..thu  hours = 09:00..16:00 }\n"
    "  }\n"
    "  stage gamma { regions = [lab-west]  bake = 1h }\n"
    "  prod {\n"
    "    onebox  { traffic = 10%  bake = 1h }\n"
    "    rolling { batch = 33%  min_healthy = 66% }\n"
    "    wave 1 { regions = [lab-west]  bake = 12h  min_traffic = requests >= 100 }\n"
    "    wave 2 { regions = [lab-east]  bake = 4h   min_traffic = requests >= 100 }\n"
    "    wave 3 { regions = rest        bake = 2h   min_traffic = requests >= 100 }\n"
    "  }\n"
    "}\n";

const llvm::json::Object* analysisOf(const llvm::json::Value& plan) {
  return plan.getAsObject() ? plan.getAsObject()->getObject("analysis") : nullptr;
}

// The last wave forgets lab-ap: the plan never reaches global (case waves-cover-part).
TEST_F(PipecCli, PlanOfWavesThatLeaveARegionOutNeverReachesGlobal) {
  write("lab.pipe", std::string(kLab) +
                        "pipeline Partial extends Base {\n"
                        "  prod { wave 3 { regions = [lab-eu]  bake = 2h  min_traffic = requests >= 100 } }\n"
                        "}\n"
                        "pipeline Full extends Base { }\n");
  PipecRun run = pipec("plan lab.pipe -o plans --explain");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("Partial: never reaches global: lab-ap (28%) in no wave; final exposure 72%"),
            std::string::npos)
      << run.out;
  auto partial = llvm::json::parse(slurpFile(dir_ / "plans" / "Partial.plan.json"));
  ASSERT_TRUE(bool(partial));
  const llvm::json::Object* a = analysisOf(*partial);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->get("time_to_global_s")->kind(), llvm::json::Value::Null);
  EXPECT_EQ(a->getNumber("final_exposure"), 0.72);
  // Waves that cover the topology end at 100%: lab-eu and lab-ap run in parallel.
  auto full = llvm::json::parse(slurpFile(dir_ / "plans" / "Full.plan.json"));
  ASSERT_TRUE(bool(full));
  const llvm::json::Object* b = analysisOf(*full);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->getInteger("time_to_global_s").hasValue());
  EXPECT_EQ(b->getNumber("final_exposure"), 1.0);
  const auto* exposure = b->getArray("exposure");
  ASSERT_TRUE(exposure && !exposure->empty());
  EXPECT_EQ(exposure->back().getAsObject()->getNumber("global_traffic"), 1.0);
  // The first one-box of wave 3 can meet the other region of its wave fully deployed.
  for (const auto& entry : *exposure) {
    if (entry.getAsObject()->getString("step").getValueOr("") == "wave3/lab-eu/onebox") {
      EXPECT_EQ(entry.getAsObject()->getNumber("global_traffic"), 0.73);  // 42% + lab-ap 28% + 30% x 10%
    }
  }
}

// Case huge-percent-hang: an absurd factor is a range error at once, for check, plan and show.
TEST_F(PipecCli, AbsurdValuesAreRangeErrorsAtOnce) {
  write("lab.pipe", std::string(kLab) +
                        "pipeline Huge extends Base {\n"
                        "  hosts_per_zone = 1000000000\n"
                        "  windows { off_hours_bake = 99999999999999999999% }\n"
                        "}\n");
  for (const char* command : {"check lab.pipe", "plan lab.pipe --pipeline Huge", "show Huge lab.pipe"}) {
    auto start = std::chrono::steady_clock::now();
    PipecRun run = pipec(command);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 10.0) << command;
    if (std::string(command).rfind("show", 0) == 0) continue;  // show prints what was written
    EXPECT_EQ(run.status, 1) << command << "\n" << run.err;
    EXPECT_NE(run.err.find("error[R112]: `off_hours_bake` must be from 100% to 1000%, but `99999999999999999999%` is "
                           "not"),
              std::string::npos)
        << run.err;
    EXPECT_NE(run.err.find("error[R112]: `hosts_per_zone` must be from 1 to 10000, but `1000000000` is not"),
              std::string::npos)
        << run.err;
  }
}

// Case wave-label-01: `wave 01` is `wave 1`; a child's `wave 01` overrides the parent's wave 1.
TEST_F(PipecCli, WaveNumbersHaveOneIdentity) {
  write("lab.pipe", std::string(kLab) +
                        "pipeline SameBody extends Base {\n"
                        "  prod {\n"
                        "    wave 1  { bake = 12h }\n"
                        "    wave 01 { bake = 12h  min_traffic = requests >= 100 }\n"
                        "  }\n"
                        "}\n"
                        "pipeline Child extends Base {\n"
                        "  prod { wave 01 { bake = 24h } }\n"
                        "}\n");
  PipecRun check = pipec("check lab.pipe");
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.err.find("lab.pipe:34:5: error[R102]: block `wave 1` appears twice in `prod`"), std::string::npos)
      << check.err;
  write("lab.pipe", std::string(kLab) +
                        "pipeline Child extends Base {\n"
                        "  prod { wave 01 { bake = 24h } }\n"
                        "}\n");
  PipecRun plan = pipec("plan lab.pipe --pipeline Child");
  ASSERT_EQ(plan.status, 0) << plan.err;
  auto parsed = llvm::json::parse(plan.out);
  ASSERT_TRUE(bool(parsed));
  std::vector<std::string> ids;
  for (const auto& stage : *parsed->getAsObject()->getArray("stages")) {
    ids.push_back(stage.getAsObject()->getString("id").getValueOr("").str());
    if (ids.back() == "wave1") {
      EXPECT_EQ(stage.getAsObject()->getInteger("bake_s").getValueOr(0), 24 * 3600);
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"gamma", "wave1", "wave2", "wave3"}));
}

// Pre-production hosts are not production's: their names carry the stage.
TEST_F(PipecCli, PreProductionHostsHaveTheirOwnNames) {
  write("lab.pipe", std::string(kLab) + "pipeline Full extends Base { }\n");
  PipecRun plan = pipec("plan lab.pipe --pipeline Full");
  ASSERT_EQ(plan.status, 0) << plan.err;
  EXPECT_NE(
      plan.out.find(
          R"("id": "gamma/lab-west/lw-az1/b1", "stage": "gamma", "type": "batch", "region": "lab-west", "zone": "lw-az1", "hosts": ["gamma-lw-az1-h01")"),
      std::string::npos);
  EXPECT_NE(plan.out.find(R"("hosts": ["lw-az1-h01"])"), std::string::npos);  // wave 1's one-box
}

// Issue 19: `--explain` gives the throughput in two lines; the figures are
// those of tests/golden/plan/throughput-windows.pipe (computed there by hand).
TEST_F(PipecCli, PlanExplainSaysHowManyVersionsAWeekReachGlobal) {
  write("solo.pipe",
        "topology solo {\n"
        "  region only { zones = [only-a] traffic = 100% }\n"
        "}\n"
        "pipeline Windowed {\n"
        "  artifact = \"a\"\n"
        "  topology = solo\n"
        "  deploy { run = \"deploy.sh\" }\n"
        "  metrics { faults = prometheus(\"f\") }\n"
        "  alarms { bad = faults > 1 }\n"
        "  rollback_on = bad\n"
        "  windows {\n"
        "    allow core { days = mon..thu  hours = 09:00..16:00 }\n"
        "    allow fri { days = [fri]  hours = 09:00..12:00 }\n"
        "    off_hours_bake = 200%\n"
        "  }\n"
        "  stage gamma { bake = 1h }\n"
        "  prod {\n"
        "    onebox { traffic = 10%  bake = 1h }\n"
        "    wave 1 { regions = [only]  bake = 12h  min_traffic = faults >= 0 }\n"
        "  }\n"
        "}\n");
  PipecRun run = pipec("plan solo.pipe -o plans --explain");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("Windowed: time to global 14h 15m (0.59 business days), worst-case recovery"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\n  throughput: at most 5 versions a week reach global; bottleneck wave1 holds a version "
                         "up to 3d 10h 10m;\n    behind another version: time to global 1d 13h 10m\n"),
            std::string::npos)
      << run.out;
}

// `--jobs N` parses files on N threads (issue 18): the output, its order and
// the exit status are those of one thread, with errors in many files (each
// kind of syntax error, a file imported by another input, invalid UTF-8,
// errors found after parsing), in every format.
TEST_F(PipecCli, JobsDoNotChangeWhatCheckPrints) {
  write("lib.pipe",
        "template Base {\n  artifact = \"base\"\n}\ntopology lab {\n  region r1 { zones = [z1] traffic = 100% }\n}\n");
  for (int i = 0; i < 16; ++i) {
    std::string n = std::to_string(i);
    write("svc/ok" + n + ".pipe", "import \"../lib.pipe\"\ntemplate Ok" + n + " extends Base {\n  topology = lab\n}\n");
  }
  write("svc/a-syntax.pipe", kTwoSyntaxErrors);
  write("svc/b-unknown.pipe", "import \"../lib.pipe\"\ntemplate B extends Nope {\n  topology = lab\n}\n");
  write("svc/c-utf8.pipe", "template C {\n  artifact = \"\xff\"\n}\n");
  write("svc/d-stray.pipe", "template D {\n  artifact = \"d\" $$\n}\n");
  write("svc/e-assign.pipe", "template E {\n  artifact \"e\"\n}\n");
  write("svc/f-imports-g.pipe", "import \"g-imported.pipe\"\ntemplate F extends G {\n  bake = 12x\n}\n");
  write("svc/g-imported.pipe", "template G {\n  artifact = \"g\"\n  kind = 25:00\n}\n");
  write("svc/h-unclosed.pipe", "template H {\n  deploy {\n    run = \"x\"\n}\n");
  expectEveryJobsCountPrintsWhatOneThreadPrints();
  // What the comparison covers: errors in six files, in file order.
  PipecRun human = pipec("check . -j 2 --color=never");
  std::vector<std::string> firstLines = {"svc/a-syntax.pipe:2:14: error[P002]",
                                         "svc/b-unknown.pipe:2:20: error[R101]",
                                         "svc/c-utf8.pipe:2:15: error[P001]: invalid UTF-8",
                                         "svc/d-stray.pipe:2:18: error[P001]: unexpected `$$`",
                                         "svc/e-assign.pipe:2:11: error[P001]: missing `=`",
                                         "svc/f-imports-g.pipe:3:10: error[P003]",
                                         "svc/g-imported.pipe:3:10: error[P003]",
                                         "svc/h-unclosed.pipe:"};
  size_t at = 0;
  for (const std::string& line : firstLines) {
    size_t found = human.err.find(line, at);
    EXPECT_NE(found, std::string::npos) << line << "\n" << human.err;
    if (found != std::string::npos) at = found;
  }
  EXPECT_NE(human.err.find(" in 25 files\n"), std::string::npos) << human.err;
}

// With several jobs, pipelines are also built and checked on several threads
// (issue 18): errors found while merging, building and checking pipelines
// in many services (R1xx, S2xx, S218/S219 from the plan's analysis, dropped
// alarms) come out in the order and bytes of one thread, in every format.
TEST_F(PipecCli, JobsDoNotChangeWhatCheckPrintsAboutPipelines) {
  write("lib.pipe",
        "import \"std/templates\"\ntemplate Locked extends StandardService {\n  final policy = strict\n}\n");
  // What service i adds to its deploy block, then to its body.
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"", ""},
      {"", "  prod { onebox { traffic = 30% } }\n"},                 // S202
      {"", "  rollback_on = high_p99\n"},                            // S226
      {" rollback_time = 20m", ""},                                  // S219
      {"", "  prod { wave 1 { bake = 10m } }\n"},                    // S211, S212
      {"", "  alarms { mine = nosuch > 1 for 1 of 1 every 1m }\n"},  // R101
      {" colour = 1", ""},                                           // R107
      {"", "  policy = relaxed\n"},                                  // R106, found while merging
      {"", "  windows { off_hours_bake = \"x\" }\n"},                // R109
      {"", "  block_on = [super.block_on]\n"},                       // R114
      {"", "  prod { rolling { batch = 50% } }\n"},                  // S204
      {" timeout = 9h  expected = 8h", ""},                          // S218
  };
  for (size_t i = 0; i < 60; ++i) {
    const auto& [deploy, body] = kinds[i % kinds.size()];
    std::string n = std::to_string(10 + i);
    bool locked = i % kinds.size() == 7;
    write("svc/s" + n + ".pipe", std::string(locked ? "import \"../lib.pipe\"\n" : "import \"std/templates\"\n") +
                                     "pipeline Svc" + n + " extends " + (locked ? "Locked" : "StandardService") +
                                     " {\n  artifact = \"s" + n + "\"\n  hosts_per_zone = " + std::to_string(2 + i) +
                                     "\n  deploy { run = \"scripts/deploy.sh\"" + deploy + " }\n" + body + "}\n");
  }
  expectEveryJobsCountPrintsWhatOneThreadPrints();
  // What the comparison covers: each kind in five services.
  PipecRun human = pipec("check . -j 2 --color=never");
  for (const char* code : {"R101", "R106", "R107", "R109", "R114", "S202", "S204", "S211", "S218", "S219"})
    EXPECT_EQ(countOf(human.err, std::string("error[") + code + "]"), 5u) << code << "\n" << human.err;
  EXPECT_EQ(countOf(human.err, "warning[S226]"), 5u) << human.err;
  EXPECT_NE(human.err.find("svc/s11.pipe:6:29: error[S202]"), std::string::npos) << human.err;
  EXPECT_NE(human.err.find(" in 61 files\n"), std::string::npos) << human.err;
}

// `pipec check` ends without freeing its compilation (issue 18), but only
// once its output is written: a report that cannot be written still fails
// the run and says why, as when everything was freed.
TEST_F(PipecCli, CheckWhoseReportCannotBeWrittenFails) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  write("ok.pipe", "template A {\n  artifact = \"a\"\n}\n");
  std::string command = "cd '" + dir_.string() + "' && '" + PIPEC_PATH +
                        "' check ok.pipe --format=json >/dev/full 2>'" + (dir_ / "err.txt").string() + "'; echo $? >'" +
                        (dir_ / "status.txt").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  // An I/O failure: exit 2 (checks.md) with a sentence, not LLVM's abort (134).
  EXPECT_EQ(std::stoi(slurpFile(dir_ / "status.txt")), 2);
  EXPECT_EQ(slurpFile(dir_ / "err.txt"),
            "0 errors, 0 warnings in 1 file\npipec: error: cannot write to standard output: No space left on device\n");
}

// A linked file in a folder named on the command line is read once, by its
// real path: the listing says which entries are links (issue 18 lists ten
// thousand files without asking the kernel about each).
TEST_F(PipecCli, LinkedFilesInAFolderAreCheckedOnceByTheirRealPath) {
  write(".git/HEAD", "");
  write("sub/a.pipe", "template A {\n  artifact = 3\n}\n");
  write("other/c.pipe", "template C {\n  artifact = 4\n}\n");
  fs::create_symlink("a.pipe", dir_ / "sub/b.pipe");
  fs::create_symlink("../other/c.pipe", dir_ / "sub/z.pipe");
  PipecRun run = pipec("check sub --color=never");
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_EQ(countOf(run.err, "error[R109]"), 2u) << run.err;
  EXPECT_NE(run.err.find("other/c.pipe:2:14: error[R109]"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("sub/a.pipe:2:14: error[R109]"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("sub/b.pipe"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("2 errors, 0 warnings in 2 files\n"), std::string::npos) << run.err;
}

TEST_F(PipecCli, JobsMustBeAWholeNumber) {
  write("ok.pipe", "template A {\n  artifact = \"a\"\n}\n");
  for (const char* bad : {"--jobs=-1", "--jobs=two", "-j"}) {
    PipecRun run = pipec(std::string("check ok.pipe ") + bad);
    EXPECT_EQ(run.status, 2) << bad << ": " << run.err;
    EXPECT_NE(run.err.find(std::string(bad).starts_with("-j") ? "for the -j option" : "for the --jobs option"),
              std::string::npos)
        << bad << ": " << run.err;
  }
  EXPECT_EQ(pipec("check ok.pipe --jobs 0").status, 0);  // 0: the default
}

TEST_F(PipecCli, JobsDoNotChangeThePlansWritten) {
  for (int i = 0; i < 6; ++i)
    write("svc" + std::to_string(i) + ".pipe",
          "import \"std/templates\"\npipeline Svc" + std::to_string(i) +
              " extends StandardService {\n  artifact = \"svc" + std::to_string(i) +
              "\"\n  hosts_per_zone = " + std::to_string(2 + i) + "\n  deploy { run = \"scripts/deploy.sh\" }\n}\n");
  ASSERT_EQ(pipec("plan . -o one --jobs 1").status, 0);
  PipecRun many = pipec("plan . -o many -j 4");
  ASSERT_EQ(many.status, 0) << many.err;
  for (int i = 0; i < 6; ++i) {
    std::string name = "Svc" + std::to_string(i) + ".plan.json";
    EXPECT_FALSE(slurpFile(dir_ / "one" / name).empty()) << name;
    EXPECT_EQ(slurpFile(dir_ / "many" / name), slurpFile(dir_ / "one" / name)) << name;
  }
}

// checks.md §4: the compiler never reads or prints a file outside the
// project root. A `.pipe` link in a folder it lists that leads outside is
// neither read (`check`, whose output must not show the target's bytes) nor
// rewritten (`fmt`); it is named as listed, with exit status 2. A link that
// stays inside the project is followed.
TEST_F(PipecCli, AListedLinkLeadingOutsideTheProjectIsNeitherReadNorRewritten) {
  write("project/pipe.project", "");
  write("outside/secret.pipe", "SECRET_TOKEN=hunter2\n");
  write("outside/template.pipe", "template   X {\n artifact=\"x\"\n}\n");
  write("project/common/shared.pipe", "template Shared {\n  artifact = \"s\"\n}\n");
  fs::create_directories(dir_ / "project/services");
  fs::create_symlink(dir_ / "outside/secret.pipe", dir_ / "project/services/secret.pipe");
  fs::create_symlink(dir_ / "outside/template.pipe", dir_ / "project/services/template.pipe");
  fs::create_symlink(dir_ / "project/common/shared.pipe", dir_ / "project/services/shared.pipe");

  PipecRun check = pipec("check", "project");
  EXPECT_EQ(check.status, 2) << check.err;
  EXPECT_NE(
      check.err.find("pipec: error: cannot read `services/secret.pipe`: a link that leads outside the project root"),
      std::string::npos)
      << check.err;
  EXPECT_EQ((check.out + check.err).find("SECRET_TOKEN"), std::string::npos) << check.out << check.err;
  // The link inside is followed: the same file as common/shared.pipe, counted once.
  EXPECT_NE((check.out + check.err).find("0 errors, 0 warnings in 1 file\n"), std::string::npos) << check.err;

  PipecRun fmt = pipec("fmt", "project");
  EXPECT_EQ(fmt.status, 2) << fmt.err;
  EXPECT_NE(fmt.err.find("cannot read `./services/template.pipe`: a link that leads outside the project root"),
            std::string::npos)
      << fmt.err;
  EXPECT_EQ(slurpFile(dir_ / "outside/template.pipe"), "template   X {\n artifact=\"x\"\n}\n");
}

// `pipec fmt -` writes the canonical form of stdin to stdout; given with
// files it would also rewrite them in place: refused, nothing rewritten.
TEST_F(PipecCli, FmtOfStdinWithFilesIsRefused) {
  write("a.pipe", "template   A {\n artifact=\"a\"\n}\n");
  PipecRun run = pipec("fmt - a.pipe < a.pipe");
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err,
            "pipec: error: `-` (standard input) cannot be formatted together with files: give one or the other\n");
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(slurpFile(dir_ / "a.pipe"), "template   A {\n artifact=\"a\"\n}\n");
}

// `--pipeline` names a pipeline; naming a template says so, with exit 2 as
// for an unknown name.
TEST_F(PipecCli, PlanOrGraphOfATemplateSaysItIsATemplate) {
  write("svc.pipe",
        "import \"std/templates\"\ntemplate TeamService extends StandardService {\n  deploy { run = \"d\" }\n}\n"
        "pipeline Svc extends TeamService {\n  artifact = \"a\"\n}\n");
  const std::string said =
      "pipec: error: `TeamService` is a template, not a pipeline: name a pipeline that extends it\n";
  PipecRun plan = pipec("plan svc.pipe --pipeline TeamService");
  EXPECT_EQ(plan.status, 2);
  EXPECT_NE(plan.err.find(said), std::string::npos) << plan.err;
  PipecRun graph = pipec("graph svc.pipe --pipeline TeamService");
  EXPECT_EQ(graph.status, 2);
  EXPECT_NE(graph.err.find(said), std::string::npos) << graph.err;
  PipecRun unknown = pipec("plan svc.pipe --pipeline Nope");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("pipec: error: no pipeline named `Nope`\n"), std::string::npos) << unknown.err;
}

// A name the standard library declares in a module the file does not import
// gets the import to add, as a name declared elsewhere in the project does.
TEST_F(PipecCli, ANameFromAStandardModuleNotImportedSaysWhichImportToAdd) {
  write("svc.pipe", "template T {\n  topology = aws\n  artifact = \"a\"\n}\n");
  PipecRun run = pipec("check svc.pipe");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("error[R101]: unknown topology `aws`"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("help: topology `aws` is declared in a file this one does not import: add `import "
                         "\"std/aws\"`"),
            std::string::npos)
      << run.err;
}
