// pipec as a team's tools use it (issue 17, issue 12 §7): --version, `pipec
// init`, and `pipec diff` for review (`.pipe` syntax, values in JSON,
// --exit-code, --git REV against the working tree, nothing reaching a shell).
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

class ToolingCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pipe-tooling-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }

  // Runs `command` (a fixed test command line) in the scratch dir.
  Outcome shell(const std::string& command, const std::string& in = "") {
    return pipelang::testing::runCommand(dir_ / in, command, dir_, 60, "HOME='" + dir_.string() + "' ");
  }
  Outcome pipec(const std::string& args, const std::string& in = "") {
    return shell(std::string("'") + PIPEC_PATH + "' " + args, in);
  }

  fs::path dir_;
};

// ------------------------------------------------------------------ --version

TEST_F(ToolingCli, VersionNamesTheProjectAndThePlanFormatNotLlvm) {
  Outcome run = pipec("--version");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, std::string("pipec ") + PIPE_VERSION + "\nplan format pipe.plan/v1\n");
  EXPECT_EQ(run.err, "");
}

// ------------------------------------------------------------------ init

TEST_F(ToolingCli, InitWritesAProjectThatPassesCheckFmtAndPlan) {
  Outcome init = pipec("init checkout-api");
  ASSERT_EQ(init.status, 0) << init.err;
  fs::path project = dir_ / "checkout-api";
  for (const char* file : {"pipe.project", "templates/team.pipe", "services/checkout-api.pipe",
                           ".pre-commit-config.yaml", ".github/workflows/pipe.yml"})
    EXPECT_TRUE(fs::exists(project / file)) << file;
  EXPECT_NE(pipelang::testing::slurpFile(project / "templates/team.pipe")
                .find("template TeamService extends StandardService {"),
            std::string::npos);
  EXPECT_NE(pipelang::testing::slurpFile(project / "services/checkout-api.pipe")
                .find("pipeline CheckoutApi extends TeamService {"),
            std::string::npos);

  Outcome check = pipec("check", "checkout-api");
  EXPECT_EQ(check.status, 0) << check.err;
  EXPECT_EQ(check.err, "0 errors, 0 warnings in 2 files\n");
  Outcome fmt = pipec("fmt --check .", "checkout-api");
  EXPECT_EQ(fmt.status, 0) << fmt.out << fmt.err;
  Outcome plan = pipec("plan services -o plans", "checkout-api");
  EXPECT_EQ(plan.status, 0) << plan.err;
  EXPECT_TRUE(fs::exists(project / "plans" / "CheckoutApi.plan.json"));

  // The YAML files are YAML, and say what the hooks and the job run.
  Outcome yaml = shell(
      "python3 -c 'import sys, yaml; [yaml.safe_load(open(f)) for f in sys.argv[1:]]' "
      ".pre-commit-config.yaml .github/workflows/pipe.yml",
      "checkout-api");
  EXPECT_EQ(yaml.status, 0) << yaml.err;
  EXPECT_NE(pipelang::testing::slurpFile(project / ".pre-commit-config.yaml").find("entry: pipec fmt --check"),
            std::string::npos);
  EXPECT_NE(pipelang::testing::slurpFile(project / ".github/workflows/pipe.yml")
                .find("pipec check --format=sarif . > pipe.sarif"),
            std::string::npos);
}

// The line init ends with can be pasted into a shell as it is, also for a
// folder whose name holds a space or a quote.
TEST_F(ToolingCli, InitSuggestsCommandsThatCanBePasted) {
  Outcome plain = pipec("init orders");
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_NE(plain.out.find("next: `pipec check orders` and `pipec plan orders/services --explain`\n"),
            std::string::npos)
      << plain.out;
  Outcome spaced = pipec("init \"my proj\"");
  ASSERT_EQ(spaced.status, 0) << spaced.err;
  EXPECT_NE(spaced.out.find("next: `pipec check 'my proj'` and `pipec plan 'my proj/services' --explain`\n"),
            std::string::npos)
      << spaced.out;
  Outcome check = pipec("check 'my proj'");  // as printed
  EXPECT_EQ(check.status, 0) << check.err;
}

TEST_F(ToolingCli, InitNeverOverwritesAndChecksTheName) {
  write("here/pipe.project", "keep\n");
  Outcome again = pipec("init here");
  EXPECT_EQ(again.status, 1);
  EXPECT_EQ(again.err, "pipec: error: `here/pipe.project` already exists\npipec: nothing written\n");
  EXPECT_EQ(pipelang::testing::slurpFile(dir_ / "here/pipe.project"), "keep\n");
  EXPECT_FALSE(fs::exists(dir_ / "here/templates"));

  Outcome bad = pipec("init other --name '1-bad'");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "pipec: error: `1-bad` is not a pipeline name (letters, digits and `_`)\n");

  Outcome named = pipec("init --name Orders");
  EXPECT_EQ(named.status, 0) << named.err;
  EXPECT_TRUE(fs::exists(dir_ / "services" / "orders.pipe"));
  EXPECT_EQ(pipec("check").status, 0);
}

// ------------------------------------------------------------------ diff

const char* kService =
    "import \"std/templates\"\n"
    "\n"
    "pipeline Cart extends StandardService {\n"
    "  artifact = \"cart\"\n"
    "  deploy { run = \"scripts/deploy.sh cart\" }\n"
    "  alarms {\n"
    "    slow_checkout = latency_p99 > 800ms for 3 of 5 every 1m\n"
    "    high_severity = super.high_severity or slow_checkout\n"
    "  }\n"
    "}\n";

std::string changed(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

TEST_F(ToolingCli, DiffPrintsAlarmsAndConditionsInPipeSyntax) {
  write("svc.pipe", kService);
  ASSERT_EQ(pipec("plan svc.pipe -o old").status, 0);
  std::string next = changed(kService, "800ms for 3 of 5", "400ms for 2 of 3");
  next = changed(next, "super.high_severity or slow_checkout", "high_faults and not slow_checkout");
  next = changed(next, "  alarms {\n",
                 "  prod { wave 1 { min_traffic = requests >= 250 } }\n  alarms {\n    "
                 "pages = fault_rate > 0.5% for 2 of 3 every 30s\n");
  write("svc.pipe", next);
  ASSERT_EQ(pipec("plan svc.pipe -o new").status, 0);

  Outcome text = pipec("diff old/Cart.plan.json new/Cart.plan.json");
  EXPECT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(text.out,
            "Cart:\n"
            "  alarm high_severity: expr high_faults or high_p99 or no_traffic or slow_checkout -> high_faults and "
            "not slow_checkout\n"
            "  added alarm pages = fault_rate > 0.5% for 2 of 3 every 30s\n"
            "  alarm slow_checkout: expr latency_p99 > 800ms for 3 of 5 every 1m -> latency_p99 > 400ms for 2 of 3 "
            "every 1m\n"
            "  stage wave1: min_traffic requests >= 100 -> requests >= 250\n");
  EXPECT_EQ(text.out.find("\"op\""), std::string::npos);
}

TEST_F(ToolingCli, DiffJsonCarriesValuesNotJsonInStrings) {
  write("svc.pipe", kService);
  ASSERT_EQ(pipec("plan svc.pipe -o old").status, 0);
  write("svc.pipe",
        changed(changed(kService, "800ms", "400ms"), "  alarms {\n", "  prod { wave 3 { bake = 3h } }\n  alarms {\n"));
  ASSERT_EQ(pipec("plan svc.pipe -o new").status, 0);
  Outcome run = pipec("diff old/Cart.plan.json new/Cart.plan.json --format=json");
  ASSERT_EQ(run.status, 0) << run.err;
  auto parsed = llvm::json::parse(run.out);
  ASSERT_TRUE(bool(parsed)) << run.out;
  const llvm::json::Array& changes = *parsed->getAsObject()->getArray("changes");
  ASSERT_EQ(changes.size(), 2u) << run.out;
  const llvm::json::Object& alarm = *changes[0].getAsObject();
  EXPECT_EQ(alarm.getString("scope").getValueOr(""), "alarm slow_checkout");
  const llvm::json::Object* before = alarm.getObject("before");
  ASSERT_NE(before, nullptr) << run.out;  // the expression itself, not its text in a string
  EXPECT_EQ(before->getString("op").getValueOr(""), "cond");
  EXPECT_EQ(before->getNumber("value").getValueOr(0), 0.8);
  EXPECT_EQ(alarm.getObject("after")->getNumber("value").getValueOr(0), 0.4);
  EXPECT_EQ(alarm.getString("after_text").getValueOr(""), "latency_p99 > 400ms for 3 of 5 every 1m");
  const llvm::json::Object& bake = *changes[1].getAsObject();
  EXPECT_EQ(bake.getString("scope").getValueOr(""), "stage wave3");
  EXPECT_EQ(bake.getInteger("before").getValueOr(0), 7200);
  EXPECT_EQ(bake.getInteger("after").getValueOr(0), 10800);
  EXPECT_EQ(bake.getString("before_text").getValueOr(""), "2h");
}

TEST_F(ToolingCli, DiffExitCodeIsOneWhenPlansDiffer) {
  write("svc.pipe", kService);
  ASSERT_EQ(pipec("plan svc.pipe -o old").status, 0);
  write("svc.pipe", changed(kService, "800ms", "400ms"));
  ASSERT_EQ(pipec("plan svc.pipe -o new").status, 0);
  EXPECT_EQ(pipec("diff --exit-code old/Cart.plan.json new/Cart.plan.json").status, 1);
  EXPECT_EQ(pipec("diff --exit-code old/Cart.plan.json old/Cart.plan.json").status, 0);
  EXPECT_EQ(pipec("diff old/Cart.plan.json new/Cart.plan.json").status, 0);
  EXPECT_EQ(pipec("diff --exit-code old/Cart.plan.json missing.json").status, 2);
}

TEST_F(ToolingCli, DiffGitComparesARevisionWithTheWorkingTree) {
  write("svc.pipe", kService);
  ASSERT_EQ(shell("git init -q . && git add svc.pipe && git -c user.email=t@e -c user.name=t commit -qm one").status,
            0);
  Outcome same = pipec("diff --git HEAD --exit-code");
  EXPECT_EQ(same.status, 0) << same.err;
  EXPECT_EQ(same.out, "no changes\n");

  write("svc.pipe", changed(kService, "800ms", "400ms"));
  Outcome work = pipec("diff --git HEAD --exit-code");
  EXPECT_EQ(work.status, 1) << work.err;
  EXPECT_EQ(work.out,
            "Cart:\n  alarm slow_checkout: expr latency_p99 > 800ms for 3 of 5 every 1m -> latency_p99 > 400ms for 3 "
            "of 5 every 1m\n");
  // Two revisions, and paths after them.
  ASSERT_EQ(shell("git -c user.email=t@e -c user.name=t commit -qam two").status, 0);
  Outcome revs = pipec("diff --git HEAD~1 HEAD svc.pipe");
  EXPECT_EQ(revs.status, 0) << revs.err;
  EXPECT_EQ(revs.out, work.out);

  // A revision is one argument to git, never shell text.
  Outcome hostile = pipec("diff --git 'HEAD;touch pwned' ");
  EXPECT_EQ(hostile.status, 2);
  EXPECT_EQ(hostile.err, "pipec: error: `HEAD;touch pwned` is not a git revision\n");
  Outcome dollar = pipec("diff --git 'HEAD$(touch pwned)'");
  EXPECT_EQ(dollar.status, 2);
  EXPECT_FALSE(fs::exists(dir_ / "pwned"));
}

}  // namespace

// ------------------------------------------------------------------ graph, check for GitLab

namespace {

const char* kCart =
    "import \"std/templates\"\n"
    "\n"
    "pipeline Cart extends StandardService {\n"
    "  artifact = \"cart\"\n"
    "  deploy { run = \"scripts/deploy.sh cart\" }\n"
    "}\n";

TEST_F(ToolingCli, GraphWritesDurationsAsPipeDoes) {
  write("svc.pipe", kCart);
  Outcome mermaid = pipec("graph svc.pipe --pipeline Cart");
  ASSERT_EQ(mermaid.status, 0) << mermaid.err;
  EXPECT_NE(mermaid.out.find("n0[\"us-west-2/onebox (1 host), bake 30m\"]"), std::string::npos) << mermaid.out;
  EXPECT_NE(mermaid.out.find("[\"bake 1h\"]"), std::string::npos);
  EXPECT_NE(mermaid.out.find("[\"bake 12h\"]"), std::string::npos);
  EXPECT_EQ(mermaid.out.find("3600s"), std::string::npos);
}

TEST_F(ToolingCli, GraphSvgUsesGraphvizOrSaysHowToGetIt) {
  write("svc.pipe", kCart);
  Outcome missing =
      shell(std::string("env PATH=/nonexistent '") + PIPEC_PATH + "' graph svc.pipe --pipeline Cart --format=svg");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("pipec: error: --format=svg needs Graphviz's `dot` on PATH (Debian: `apt-get install "
                             "graphviz`); or print --format=dot and render it elsewhere\n"),
            std::string::npos)
      << missing.err;
  EXPECT_EQ(missing.out, "");
  if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz is not installed";
  Outcome svg = pipec("graph svc.pipe --pipeline Cart --format=svg");
  EXPECT_EQ(svg.status, 0) << svg.err;
  EXPECT_EQ(svg.out.rfind("<?xml", 0), 0u) << svg.out.substr(0, 200);
  EXPECT_NE(svg.out.find("<svg"), std::string::npos);
  EXPECT_NE(svg.out.find("bake 12h"), std::string::npos);
}

TEST_F(ToolingCli, CheckWritesGitLabCodeQuality) {
  write("svc.pipe",
        "import \"std/templates\"\n"
        "\n"
        "pipeline Cart extends StandardService {\n"
        "  artifact = \"cart\"\n"
        "  deploy { run = \"scripts/deploy.sh cart\"  timeout = 5 }\n"
        "}\n");
  Outcome first = pipec("check svc.pipe --format=codequality");
  EXPECT_EQ(first.status, 1);
  EXPECT_EQ(first.err, "1 error, 0 warnings in 1 file\n");
  auto parsed = llvm::json::parse(first.out);
  ASSERT_TRUE(bool(parsed)) << first.out;
  const llvm::json::Array& report = *parsed->getAsArray();
  ASSERT_EQ(report.size(), 1u) << first.out;
  const llvm::json::Object& issue = *report[0].getAsObject();
  EXPECT_EQ(issue.getString("check_name").getValueOr(""), "R109");
  EXPECT_EQ(issue.getString("description").getValueOr("").str().rfind("[R109] `timeout` must be a duration", 0), 0u)
      << first.out;
  EXPECT_EQ(issue.getString("severity").getValueOr(""), "major");
  EXPECT_EQ(issue.getObject("location")->getString("path").getValueOr(""), "svc.pipe");
  EXPECT_EQ(issue.getObject("location")->getObject("lines")->getInteger("begin").getValueOr(0), 5);
  std::string fingerprint = issue.getString("fingerprint").getValueOr("").str();
  EXPECT_EQ(fingerprint.size(), 64u);
  EXPECT_EQ(pipec("check svc.pipe --format=codequality").out, first.out);  // stable fingerprints
}

}  // namespace

namespace {

const llvm::json::Object* findNamed(const llvm::json::Array* list, const char* key, const std::string& name) {
  if (list)
    for (const llvm::json::Value& item : *list)
      if (const auto* object = item.getAsObject(); object && object->getString(key).getValueOr("") == name)
        return object;
  return nullptr;
}

TEST_F(ToolingCli, ShowJsonIsTheMergedPipelineWithProvenance) {
  write("svc.pipe", kService);
  Outcome run = pipec("show Cart svc.pipe --format=json");
  ASSERT_EQ(run.status, 0) << run.err;
  auto parsed = llvm::json::parse(run.out);
  ASSERT_TRUE(bool(parsed)) << run.out;
  const llvm::json::Object& show = *parsed->getAsObject();
  EXPECT_EQ(show.getString("kind").getValueOr(""), "pipeline");
  EXPECT_EQ(show.getString("name").getValueOr(""), "Cart");
  EXPECT_EQ(*show.getArray("extends"), llvm::json::Array{"StandardService"});
  EXPECT_EQ(show.getObject("from")->getString("file").getValueOr(""), "svc.pipe");
  EXPECT_EQ(show.getObject("from")->getInteger("line").getValueOr(0), 3);

  const auto* artifact = findNamed(show.getArray("attributes"), "name", "artifact");
  ASSERT_NE(artifact, nullptr) << run.out;
  EXPECT_EQ(artifact->getString("value").getValueOr(""), "\"cart\"");
  EXPECT_EQ(artifact->getObject("from")->getInteger("line").getValueOr(0), 4);
  const auto* policy = findNamed(show.getArray("attributes"), "name", "policy");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->getObject("from")->getString("file").getValueOr(""), "std/templates.pipe");

  const auto* alarms = findNamed(show.getArray("blocks"), "type", "alarms");
  ASSERT_NE(alarms, nullptr) << run.out;
  const auto* severity = findNamed(alarms->getArray("attributes"), "name", "high_severity");
  ASSERT_NE(severity, nullptr);
  EXPECT_EQ(severity->getString("value").getValueOr(""), "high_faults or high_p99 or no_traffic or slow_checkout");
  const auto* prod = findNamed(show.getArray("blocks"), "type", "prod");
  ASSERT_NE(prod, nullptr);
  const auto* wave = findNamed(prod->getArray("blocks"), "label", "1");
  ASSERT_NE(wave, nullptr) << run.out;
  EXPECT_EQ(wave->getString("type").getValueOr(""), "wave");

  Outcome unknown = pipec("show Cartt svc.pipe --format=json");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_EQ(unknown.out, "");
  EXPECT_EQ(unknown.err, "pipec show: no pipeline or template named `Cartt` (did you mean `Cart`?)\n");
}

}  // namespace

namespace {

TEST_F(ToolingCli, DiffPrintsNotifyTargetsInPipeSyntax) {
  const std::string targets =
      "  notify oncall {\n"
      "    events        = [rolled_back, blocked]\n"
      "    blocked_after = 45m\n"
      "    webhook       = \"https://chat.example/hooks/deploys\"\n"
      "  }\n"
      "  notify pager {\n"
      "    events = [rolled_back]\n"
      "    run    = \"scripts/page.sh --team cart\"\n"
      "  }\n"
      "  alarms {\n";
  write("svc.pipe", changed(kService, "  alarms {\n", targets));
  ASSERT_EQ(pipec("plan svc.pipe -o old").status, 0);
  std::string next = changed(kService, "  alarms {\n",
                             "  notify oncall {\n"
                             "    events        = [rolled_back, approval_needed, deployed]\n"
                             "    blocked_after = 1h30m\n"
                             "    webhook       = \"https://chat.example/hooks/cart\"\n"
                             "    run           = \"scripts/tell.sh\"\n"
                             "  }\n"
                             "  notify chat {\n"
                             "    events = [deployed, blocked]\n"
                             "    webhook = \"http://chat.example/deploys\"\n"
                             "  }\n"
                             "  alarms {\n");
  write("svc.pipe", next);
  ASSERT_EQ(pipec("plan svc.pipe -o new").status, 0);

  Outcome text = pipec("diff old/Cart.plan.json new/Cart.plan.json");
  EXPECT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(text.out,
            "Cart:\n"
            "  notify oncall: events -blocked +approval_needed +deployed\n"
            "  notify oncall: blocked_after 45m -> 1h30m\n"
            "  notify oncall: webhook \"https://chat.example/hooks/deploys\" -> \"https://chat.example/hooks/cart\"\n"
            "  notify oncall: run (none) -> \"scripts/tell.sh\"\n"
            "  added notify chat { events = [deployed, blocked]  blocked_after = 30m  webhook = "
            "\"http://chat.example/deploys\" }\n"
            "  removed notify pager { events = [rolled_back]  run = \"scripts/page.sh --team cart\" }\n")
      << text.out;

  // JSON: the targets themselves, not their text in a string.
  Outcome json = pipec("diff old/Cart.plan.json new/Cart.plan.json --format=json");
  ASSERT_EQ(json.status, 0) << json.err;
  auto parsed = llvm::json::parse(json.out);
  ASSERT_TRUE(bool(parsed)) << json.out;
  const llvm::json::Array& changes = *parsed->getAsObject()->getArray("changes");
  ASSERT_EQ(changes.size(), 6u) << json.out;
  EXPECT_EQ(changes[1].getAsObject()->getInteger("after").getValueOr(0), 5400);
  const llvm::json::Object* added = changes[4].getAsObject()->getObject("after");
  ASSERT_NE(added, nullptr) << json.out;
  EXPECT_EQ(added->getString("webhook").getValueOr(""), "http://chat.example/deploys");
  EXPECT_EQ(changes[5].getAsObject()->get("after")->kind(), llvm::json::Value::Null);

  // A plan without targets and one with them: the targets are added, nothing else changes.
  write("svc.pipe", kService);
  ASSERT_EQ(pipec("plan svc.pipe -o none").status, 0);
  Outcome fromNone = pipec("diff none/Cart.plan.json old/Cart.plan.json");
  EXPECT_EQ(fromNone.out,
            "Cart:\n"
            "  added notify oncall { events = [rolled_back, blocked]  blocked_after = 45m  webhook = "
            "\"https://chat.example/hooks/deploys\" }\n"
            "  added notify pager { events = [rolled_back]  run = \"scripts/page.sh --team cart\" }\n")
      << fromNone.out;
}

TEST_F(ToolingCli, DiffPrintsWindowsInPipeSyntax) {
  write("svc.pipe", kService);
  ASSERT_EQ(pipec("plan svc.pipe -o old").status, 0);
  write("svc.pipe", changed(kService, "  alarms {\n",
                            "  windows { deny freeze { dates = [\"2026-12-01\"..\"2026-12-02\"] } }\n  alarms {\n"));
  ASSERT_EQ(pipec("plan svc.pipe -o new").status, 0);
  Outcome run = pipec("diff old/Cart.plan.json new/Cart.plan.json");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out.rfind("Cart:\n  pipeline: windows windows { timezone = \"America/Los_Angeles\"  allow core { ", 0),
            0u)
      << run.out;
  EXPECT_NE(run.out.find("deny year_end { dates = [\"2026-12-24\"..\"2027-01-02\"] }  deny freeze { dates = "
                         "[\"2026-12-01\"..\"2026-12-02\"] }  off_hours_bake = 200% }\n"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("\"allow\""), std::string::npos) << run.out;
}

}  // namespace

namespace {

TEST_F(ToolingCli, DiffGitFromASubFolderSeesTheWholeRepository) {
  ASSERT_EQ(pipec("init --name Cart").status, 0);
  ASSERT_EQ(shell("git init -q . && git add . && git -c user.email=t@e -c user.name=t commit -qm init").status, 0);
  std::string team = pipelang::testing::slurpFile(dir_ / "templates/team.pipe");
  write("templates/team.pipe",
        changed(team, "  deploy {\n", "  prod {\n    wave 3 {\n      bake = 3h\n    }\n  }\n\n  deploy {\n"));
  // From services/, whose pipeline imports ../templates/team.pipe.
  Outcome run = pipec("diff --git HEAD --exit-code", "services");
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_NE(run.out.find("Cart:\n"), std::string::npos) << run.out << run.err;
  EXPECT_NE(run.out.find("  stage wave3: bake_s 2h -> 3h\n"), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find("pipec-diff-"), std::string::npos) << run.err;  // no temporary path leaks
}

}  // namespace
