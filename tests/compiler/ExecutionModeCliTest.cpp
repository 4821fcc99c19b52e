// `execution_mode` through pipec as a user meets it (issue 13, "Versions flow
// through stages"): check's diagnostics, the plan field for a default, an
// inherited and an overridden value, show's provenance, diff, fmt.
#include "tests/compiler/PipecProcess.h"

#include <gtest/gtest.h>
#include <llvm/Support/JSON.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

using Outcome = pipelang::testing::PipecOutcome;

class ExecutionMode : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pipe-mode-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write("pipe.project", "");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  // Runs pipec with fixed test arguments in the scratch dir.
  Outcome pipec(const std::string& args) { return pipelang::testing::runPipec(dir_, args, dir_, 60); }

  fs::path dir_;
};

const char* kTemplate =
    "import \"std/templates\"\n"
    "\n"
    "template Ordered extends StandardService {\n"
    "  execution_mode = queued\n"
    "}\n";

const char* kServices =
    "import \"base.pipe\"\n"
    "\n"
    "pipeline Inherits extends Ordered {\n"
    "  artifact = \"a\"\n"
    "  deploy { run = \"deploy.sh\" }\n"
    "}\n"
    "\n"
    "pipeline Overrides extends Ordered {\n"
    "  artifact       = \"b\"\n"
    "  execution_mode = superseded\n"
    "  deploy { run = \"deploy.sh\" }\n"
    "}\n"
    "\n"
    "pipeline Default extends StandardService {\n"
    "  artifact = \"c\"\n"
    "  deploy { run = \"deploy.sh\" }\n"
    "}\n";

// The line after `kind` in a written plan: the field is always there.
std::string modeLine(const std::string& plan) {
  size_t kind = plan.find("\n  \"kind\": ");
  if (kind == std::string::npos) return "no kind";
  size_t start = plan.find('\n', kind + 1) + 1;
  return plan.substr(start, plan.find('\n', start) - start);
}

TEST_F(ExecutionMode, UnknownValueIsR101WithDidYouMeanLikeAnUnknownKind) {
  write("bad.pipe",
        "template T {\n"
        "  execution_mode = queud\n"
        "  kind = cod\n"
        "}\n");
  Outcome run = pipec("check bad.pipe");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err,
            "bad.pipe:2:20: error[R101]: unknown execution mode `queud` (did you mean `queued`?)\n"
            "    2 |   execution_mode = queud\n"
            "      |                    ^~~~~\n"
            "bad.pipe:3:10: error[R101]: unknown kind `cod` (did you mean `code`?)\n"
            "    3 |   kind = cod\n"
            "      |          ^~~\n"
            "2 errors, 0 warnings in 1 file\n"
            "`pipec explain R101` for more\n");

  // The fix the editor offers replaces the value.
  Outcome json = pipec("check bad.pipe --format=json");
  auto parsed = llvm::json::parse(json.out);
  ASSERT_TRUE(bool(parsed)) << json.out;
  const llvm::json::Array& diagnostics = *parsed->getAsArray();
  ASSERT_EQ(diagnostics.size(), 2u) << json.out;
  const llvm::json::Array* fixes = diagnostics[0].getAsObject()->getArray("fixes");
  ASSERT_TRUE(fixes && fixes->size() == 1) << json.out;
  const llvm::json::Object& fix = *(*fixes)[0].getAsObject();
  EXPECT_EQ(fix.getString("replacement").getValueOr(""), "queued");
  EXPECT_EQ(fix.getInteger("column").getValueOr(0), 20);
}

TEST_F(ExecutionMode, AQuotedOrNumericValueIsR109) {
  write("bad.pipe",
        "template T {\n"
        "  execution_mode = \"queued\"\n"
        "}\n"
        "template U {\n"
        "  execution_mode = 1\n"
        "}\n");
  Outcome run = pipec("check bad.pipe");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err,
            "bad.pipe:2:20: error[R109]: a string (`\"queued\"`) is not an execution mode\n"
            "    2 |   execution_mode = \"queued\"\n"
            "      |                    ^~~~~~~~\n"
            "help: an execution mode is a name: write `queued` without quotes\n"
            "bad.pipe:5:20: error[R109]: an integer (`1`) is not an execution mode\n"
            "    5 |   execution_mode = 1\n"
            "      |                    ^\n"
            "2 errors, 0 warnings in 1 file\n"
            "`pipec explain R109` for more\n");
}

TEST_F(ExecutionMode, PlanWritesItForDefaultInheritedAndOverriddenValues) {
  write("base.pipe", kTemplate);
  write("svc.pipe", kServices);
  Outcome run = pipec("plan svc.pipe -o plans");
  ASSERT_EQ(run.status, 0) << run.err;
  std::string inherits = pipelang::testing::slurpFile(dir_ / "plans/Inherits.plan.json");
  EXPECT_EQ(modeLine(inherits), "  \"execution_mode\": \"queued\",");
  EXPECT_EQ(modeLine(pipelang::testing::slurpFile(dir_ / "plans/Overrides.plan.json")),
            "  \"execution_mode\": \"superseded\",");
  EXPECT_EQ(modeLine(pipelang::testing::slurpFile(dir_ / "plans/Default.plan.json")),
            "  \"execution_mode\": \"superseded\",");

  // The digest covers it: the same plan with the other mode is another digest.
  auto parsed = llvm::json::parse(inherits);
  ASSERT_TRUE(bool(parsed)) << inherits;
  std::string digest = parsed->getAsObject()->getString("digest").getValueOr("").str();
  write("base.pipe", std::string(kTemplate).replace(std::string(kTemplate).find("queued"), 6, "superseded"));
  ASSERT_EQ(pipec("plan svc.pipe -o plans2").status, 0);
  auto other = llvm::json::parse(pipelang::testing::slurpFile(dir_ / "plans2/Inherits.plan.json"));
  ASSERT_TRUE(bool(other));
  EXPECT_NE(other->getAsObject()->getString("digest").getValueOr("").str(), digest);
}

TEST_F(ExecutionMode, ShowSaysWhereTheValueComesFrom) {
  write("base.pipe", kTemplate);
  write("svc.pipe", kServices);
  Outcome inherits = pipec("show Inherits svc.pipe");
  EXPECT_EQ(inherits.status, 0) << inherits.err;
  EXPECT_NE(inherits.out.find("\n  execution_mode = queued  // from base.pipe:4\n"), std::string::npos) << inherits.out;
  Outcome overrides = pipec("show Overrides svc.pipe");
  EXPECT_EQ(overrides.status, 0) << overrides.err;
  EXPECT_NE(overrides.out.find("\n  execution_mode = superseded  // from svc.pipe:10\n"), std::string::npos)
      << overrides.out;
}

TEST_F(ExecutionMode, DiffReportsAChangeAndReadsAnOlderPlanAsSuperseded) {
  write("base.pipe", kTemplate);
  write("svc.pipe", kServices);
  ASSERT_EQ(pipec("plan svc.pipe -o old").status, 0);
  write("svc.pipe", std::string(kServices).replace(std::string(kServices).find("superseded"), 10, "queued"));
  ASSERT_EQ(pipec("plan svc.pipe -o new").status, 0);
  Outcome text = pipec("diff old/Overrides.plan.json new/Overrides.plan.json");
  EXPECT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(text.out, "Overrides:\n  pipeline: execution_mode superseded -> queued\n");
  Outcome json = pipec("diff old/Overrides.plan.json new/Overrides.plan.json --format=json");
  auto parsed = llvm::json::parse(json.out);
  ASSERT_TRUE(bool(parsed)) << json.out;
  const llvm::json::Array& changes = *parsed->getAsObject()->getArray("changes");
  ASSERT_EQ(changes.size(), 1u) << json.out;
  const llvm::json::Object& change = *changes[0].getAsObject();
  EXPECT_EQ(change.getString("field").getValueOr(""), "execution_mode");
  EXPECT_EQ(change.getString("before").getValueOr(""), "superseded");
  EXPECT_EQ(change.getString("after").getValueOr(""), "queued");

  // A plan written before the field existed means `superseded`: no change
  // against a plan that says so, a change against `queued`.
  const std::string field = "  \"execution_mode\": \"superseded\",\n";
  std::string older = pipelang::testing::slurpFile(dir_ / "old/Default.plan.json");
  older.erase(older.find(field), field.size());
  write("older.plan.json", older);
  EXPECT_EQ(pipec("diff older.plan.json old/Default.plan.json").out, "no changes\n");
  std::string queued = pipelang::testing::slurpFile(dir_ / "old/Inherits.plan.json");
  write("queued.plan.json", queued);
  std::string unset = "  \"execution_mode\": \"queued\",\n";
  queued.erase(queued.find(unset), unset.size());
  write("older-inherits.plan.json", queued);
  EXPECT_EQ(pipec("diff older-inherits.plan.json queued.plan.json").out,
            "Inherits:\n  pipeline: execution_mode superseded -> queued\n");
}

TEST_F(ExecutionMode, FmtKeepsIt) {
  write("a.pipe", "template T {\n  execution_mode   =   queued\n}\n");
  ASSERT_EQ(pipec("fmt a.pipe").status, 0);
  EXPECT_EQ(pipelang::testing::slurpFile(dir_ / "a.pipe"), "template T {\n  execution_mode = queued\n}\n");
}

}  // namespace
