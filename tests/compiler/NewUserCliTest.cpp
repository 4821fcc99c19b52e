// What a new user found wrong in pipec's diagnostics (30 November): notes on
// values inherited from templates, templates nothing extends, messages that
// name what a field is in, `fmt`'s help, and absolute paths shown as named
// (checks.md §1, docs/checks.md, docs/architecture.md "Display names").
#include "tests/compiler/PipecProcess.h"

#include <gtest/gtest.h>
#include <llvm/Support/JSON.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace fs = std::filesystem;

namespace {

using Outcome = pipelang::testing::PipecOutcome;

using pipelang::testing::countOf;

class NewUserCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pipe-newuser-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "project");
    std::ofstream(dir_ / "project" / "pipe.project");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / "project" / name).parent_path());
    std::ofstream(dir_ / "project" / name) << text;
  }

  // pipec with fixed test arguments, from `in` (below the scratch dir).
  Outcome pipec(const std::string& args, const std::string& in = "project") {
    return pipelang::testing::runPipec(dir_ / in, args, dir_);
  }

  fs::path dir_;
};

// A template with the metrics, alarms and waves a pipeline needs; `prodBody`
// is its `prod` block's body.
std::string baseTemplate(const std::string& name, const std::string& prodBody) {
  return "template " + name +
         " {\n"
         "  topology = aws\n"
         "  metrics { requests = prometheus(\"r\", count)  faults = prometheus(\"f\", percent) }\n"
         "  alarms { high_faults = faults > 1% for 3 of 5 every 1m }\n"
         "  rollback_on = high_faults\n"
         "  prod {\n" +
         prodBody +
         "  }\n"
         "}\n";
}

// ------------------------------------------------ (a) inherited-from notes

// S204 and S205 on a value a pipeline inherits carry the same "inherited
// from" notes as S217, pointing at the template, before the template's own
// notes; each is printed once.
TEST_F(NewUserCli, ValueChecksOnInheritedValuesNoteTheTemplatesTheyCameFrom) {
  write("base.pipe",
        "import \"std/aws\"\n" +
            baseTemplate("Base",
                         "    rolling { batch = 50%  min_healthy = 40% }\n"
                         "    wave 1 { regions = [us-east-1]  onebox { traffic = 5%  bake = 1h }  bake = 12h }\n") +
            "template Middle extends Base {\n  kind = code\n}\n");
  write("svc.pipe",
        "import \"base.pipe\"\n"
        "pipeline Svc extends Middle {\n  artifact = \"svc\"\n  deploy { run = \"deploy.sh\" }\n}\n");
  Outcome run = pipec("check --color=never base.pipe svc.pipe");
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_NE(run.err.find("base.pipe:8:23: error[S204]: rolling batch 50% exceeds the policy maximum of 33%\n"
                         "    8 |     rolling { batch = 50%  min_healthy = 40% }\n"
                         "      |                       ^~~\n"
                         "note: inherited from template Middle (base.pipe:12:10)\n"
                         "note: inherited from template Base (base.pipe:2:10)\n"
                         "note: limit set by policy strict (std/policy.pipe:"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("base.pipe:8:42: error[S205]: rolling min_healthy 40% is below the policy minimum of 66%\n"
                         "    8 |     rolling { batch = 50%  min_healthy = 40% }\n"
                         "      |                                          ^~~\n"
                         "note: inherited from template Middle (base.pipe:12:10)\n"
                         "note: inherited from template Base (base.pipe:2:10)\n"
                         "note: limit set by policy strict (std/policy.pipe:"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("note: affects pipeline `Svc`\n"), std::string::npos) << run.err;
  // S217 (no min_traffic) gives the same notes, as it always did.
  EXPECT_NE(
      run.err.find("warning[S217]: wave 1's bake has no `min_traffic`: a quiet night can pass it untested\n"
                   "    9 |     wave 1 { regions = [us-east-1]  onebox { traffic = 5%  bake = 1h }  bake = 12h }\n"
                   "      |                                                                                ^~~\n"
                   "note: inherited from template Middle (base.pipe:12:10)\n"
                   "note: inherited from template Base (base.pipe:2:10)\n"),
      std::string::npos)
      << run.err;
  EXPECT_EQ(countOf(run.err, "error[S204]"), 1u) << run.err;
  EXPECT_EQ(countOf(run.err, "error[S205]"), 1u) << run.err;

  // The same notes in JSON, where CI reads them.
  Outcome json = pipec("check --format=json base.pipe svc.pipe");
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(json.out);
  ASSERT_TRUE(static_cast<bool>(parsed)) << json.out;
  bool found = false;
  for (const llvm::json::Value& d : *parsed->getAsArray()) {
    const llvm::json::Object& o = *d.getAsObject();
    if (o.getString("code").getValueOr("") != "S204") continue;
    found = true;
    const llvm::json::Array& notes = *o.getArray("notes");
    ASSERT_GE(notes.size(), 2u);
    EXPECT_EQ(notes[0].getAsObject()->getString("message").getValueOr("").str(), "inherited from template Middle");
    EXPECT_EQ(notes[0].getAsObject()->getInteger("line").getValueOr(-1), 12);
    EXPECT_EQ(notes[1].getAsObject()->getString("message").getValueOr("").str(), "inherited from template Base");
    EXPECT_EQ(notes[1].getAsObject()->getInteger("line").getValueOr(-1), 2);
  }
  EXPECT_TRUE(found) << json.out;
}

// A type error in an extended template is reported once, with the chain's notes.
TEST_F(NewUserCli, TypeErrorsInAnExtendedTemplateNoteThePipelineChain) {
  write("svc.pipe",
        "import \"std/aws\"\n" +
            baseTemplate("Base",
                         "    wave 1 { regions = [us-east-1]  onebox { traffic = 5%  bake = 1h }  bake = 12h }\n") +
            "template Slow extends Base {\n"
            "  alarms { slow = faults > 2s for 3 of 5 every 1m }\n"
            "}\n"
            "pipeline Svc extends Slow {\n  artifact = \"svc\"\n  deploy { run = \"deploy.sh\" }\n}\n");
  Outcome run = pipec("check --color=never svc.pipe");
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_EQ(countOf(run.err, "error[R109]"), 1u) << run.err;
  EXPECT_NE(run.err.find("svc.pipe:12:28: error[R109]: metric `faults` is a percent and cannot be compared with a "
                         "duration (`2s`)\n"
                         "   12 |   alarms { slow = faults > 2s for 3 of 5 every 1m }\n"
                         "      |                            ^~\n"
                         "note: inherited from template Slow (svc.pipe:11:10)\n"),
            std::string::npos)
      << run.err;
}

// ------------------------------------------- (b) templates nothing extends

// Unknown names in a template nothing extends are reported, at their lines,
// without R108 or whole-pipeline checks; the template's schema errors say "template".
TEST_F(NewUserCli, TemplatesNothingExtendsReportTheirUnknownNames) {
  write("unused.pipe",
        "import \"std/aws\"\n" +
            baseTemplate("Base",
                         "    wave 1 { regions = [us-east-1]  onebox { traffic = 5%  bake = 1h }  bake = 12h }\n") +
            "template Unused extends Base {\n"
            "  alarms { bad = nosuch_metric > 1 for 1 of 1 every 1m }\n"
            "  rollback_on = nope\n"
            "}\n"
            "template Loose {\n"
            "  topology = nosuchtopo\n"
            "  policy   = nopolicy\n"
            "  artefact = \"x\"\n"
            "}\n");
  Outcome run = pipec("check --color=never unused.pipe");
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_NE(run.err.find("unused.pipe:12:18: error[R101]: unknown metric `nosuch_metric`\n"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("unused.pipe:13:17: error[R101]: unknown alarm `nope`"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("unused.pipe:16:14: error[R101]: unknown topology `nosuchtopo`"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("unused.pipe:17:14: error[R101]: unknown policy `nopolicy`"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("unused.pipe:18:3: error[R107]: unknown attribute `artefact` in a template (did you mean "
                         "`artifact`?)"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("R108"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("S213"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("5 errors, 0 warnings in 1 file"), std::string::npos) << run.err;
}

// A template that a pipeline extends waits for it: a name the pipeline
// declares is no error, and one it lacks is reported once.
TEST_F(NewUserCli, AnExtendedTemplatesNamesAreReportedOnceByWhatLacksThem) {
  write("svc.pipe",
        "import \"std/aws\"\n" +
            baseTemplate("Base",
                         "    wave 1 { regions = [us-east-1]  onebox { traffic = 5%  bake = 1h }  bake = 12h }\n") +
            "template Partial extends Base {\n"
            "  alarms { paging = page_rate > 1 for 1 of 1 every 1m  odd = nosuch > 1 }\n"
            "}\n"
            "template Ops extends Partial {\n  kind = code\n}\n"
            "pipeline A extends Partial {\n"
            "  artifact = \"a\"\n  deploy { run = \"deploy.sh\" }\n"
            "  metrics { page_rate = prometheus(\"p\", count) }\n"
            "}\n"
            "pipeline B extends Ops {\n"
            "  artifact = \"b\"\n  deploy { run = \"deploy.sh\" }\n"
            "  metrics { page_rate = prometheus(\"p\", count) }\n"
            "}\n");
  Outcome run = pipec("check --color=never svc.pipe");
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_EQ(run.err.find("unknown metric `page_rate`"), std::string::npos) << run.err;
  // Reached through A and through B (via Ops): once, with the longer chain's
  // notes, though A's report comes first.
  EXPECT_EQ(countOf(run.err, "unknown metric `nosuch`"), 1u) << run.err;
  EXPECT_NE(run.err.find("svc.pipe:12:62: error[R101]: unknown metric `nosuch`\n"
                         "   12 |   alarms { paging = page_rate > 1 for 1 of 1 every 1m  odd = nosuch > 1 }\n"
                         "      |                                                              ^~~~~~\n"
                         "note: inherited from template Ops (svc.pipe:14:10)\n"
                         "note: inherited from template Partial (svc.pipe:11:10)\n"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("1 error, "), std::string::npos) << run.err;
}

// --------------------------------------------- (c) what a field is in

TEST_F(NewUserCli, SchemaMessagesNameTheTemplateOrPipelineTheFieldIsIn) {
  write("a.pipe",
        "template T {\n  artefact = \"x\"\n  artifact = \"y\"\n  artifact = \"z\"\n  prod { wave 1 { bak = 1h } }\n}\n"
        "pipeline P extends T {\n  artefact = \"x\"\n  stage gamma { }\n  stage gamma { }\n}\n");
  Outcome run = pipec("check --color=never a.pipe");
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_NE(run.err.find("a.pipe:2:3: error[R107]: unknown attribute `artefact` in a template"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("a.pipe:4:3: error[R102]: `artifact` is set twice in a template\n"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("a.pipe:5:19: error[R107]: unknown attribute `bak` in a wave"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("a.pipe:8:3: error[R107]: unknown attribute `artefact` in a pipeline"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("a.pipe:10:3: error[R102]: block `stage gamma` appears twice in a pipeline\n"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(countOf(run.err, "in a template"), 2u) << run.err;
  EXPECT_EQ(countOf(run.err, "in a pipeline"), 2u) << run.err;
}

// ------------------------------------------------------------ (d) fmt's help

TEST_F(NewUserCli, HelpSaysFmtRewritesFilesInPlace) {
  Outcome run = pipec("--help");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("  pipec fmt [--check|--diff] [PATHS...|-] rewrite files in place in the canonical layout\n"
                         "                              (--check, --diff: write nothing; `-`: stdin to stdout)\n"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("print files in the canonical layout"), std::string::npos) << run.out;
}

// ----------------------------------------------- (e) absolute paths as named

// A file named by an absolute path is shown absolute in every format, and
// SARIF gives it as a file: URI; a relative name stays relative.
TEST_F(NewUserCli, AbsoluteInputsAreShownAbsoluteRelativeOnesRelative) {
  write("lib/base.pipe", "template Base {\n  artefact = \"x\"\n}\n");
  write("my svc/svc.pipe", "import \"../lib/base.pipe\"\ntemplate T extends Base {\n  bogus = 1\n}\n");
  fs::create_directories(dir_ / "elsewhere" / "deeper");
  std::string svc = (dir_ / "project" / "my svc" / "svc.pipe").string();
  std::string base = (dir_ / "project" / "lib" / "base.pipe").string();
  // From a folder far from the files: before, `../../project/...`.
  Outcome human = pipec("check --color=never '" + svc + "'", "elsewhere/deeper");
  EXPECT_EQ(human.status, 1) << human.err;
  EXPECT_NE(human.err.find(svc + ":3:3: error[R107]: unknown attribute `bogus` in a template\n"), std::string::npos)
      << human.err;
  EXPECT_NE(human.err.find(base + ":2:3: error[R107]: unknown attribute `artefact` in a template"), std::string::npos)
      << human.err;
  EXPECT_EQ(human.err.find("../"), std::string::npos) << human.err;

  Outcome json = pipec("check --format=json '" + svc + "'", "elsewhere/deeper");
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(json.out);
  ASSERT_TRUE(static_cast<bool>(parsed)) << json.out;
  std::set<std::string> files;
  for (const llvm::json::Value& d : *parsed->getAsArray()) files.insert(d.getAsObject()->getString("file")->str());
  EXPECT_EQ(files, (std::set<std::string>{base, svc})) << json.out;

  Outcome sarif = pipec("check --format=sarif '" + svc + "'", "elsewhere/deeper");
  llvm::Expected<llvm::json::Value> log = llvm::json::parse(sarif.out);
  ASSERT_TRUE(static_cast<bool>(log)) << sarif.out;
  const llvm::json::Object& run = *log->getAsObject()->getArray("runs")->front().getAsObject();
  std::set<std::string> uris;
  for (const llvm::json::Value& result : *run.getArray("results")) {
    const llvm::json::Object& artifact = *result.getAsObject()
                                              ->getArray("locations")
                                              ->front()
                                              .getAsObject()
                                              ->getObject("physicalLocation")
                                              ->getObject("artifactLocation");
    uris.insert(artifact.getString("uri")->str());
    EXPECT_FALSE(artifact.get("uriBaseId")) << sarif.out;
  }
  std::string svcUri = "file://" + (dir_ / "project").string() + "/my%20svc/svc.pipe";
  EXPECT_TRUE(uris.count(svcUri)) << sarif.out;
  EXPECT_TRUE(uris.count("file://" + base)) << sarif.out;

  // Relative, from the project: as before.
  Outcome relative = pipec("check --color=never 'my svc/svc.pipe'");
  EXPECT_NE(relative.err.find("my svc/svc.pipe:3:3: error[R107]"), std::string::npos) << relative.err;
  EXPECT_NE(relative.err.find("lib/base.pipe:2:3: error[R107]"), std::string::npos) << relative.err;
  EXPECT_EQ(relative.err.find(dir_.string()), std::string::npos) << relative.err;
  Outcome relativeSarif = pipec("check --format=sarif 'my svc/svc.pipe'");
  EXPECT_NE(relativeSarif.out.find("\"uri\": \"my%20svc/svc.pipe\",\n"), std::string::npos) << relativeSarif.out;
  EXPECT_NE(relativeSarif.out.find("\"uriBaseId\": \"%SRCROOT%\""), std::string::npos) << relativeSarif.out;
  // A folder named by an absolute path: its files absolute, as named.
  Outcome folder = pipec("check --color=never '" + (dir_ / "project" / "my svc").string() + "/'", "elsewhere");
  EXPECT_NE(folder.err.find(svc + ":3:3: error[R107]"), std::string::npos) << folder.err;
}

}  // namespace
