// Golden outputs of `pipec graph` and `pipec diff` (tests/golden/plan/*.expected),
// and the plan snapshots checked against docs/plan.schema.json.
// PIPE_UPDATE_GOLDEN=1 rewrites the .expected files.
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanDiff.h"
#include "compiler/plan/PlanGraph.h"
#include "compiler/sema/Model.h"

#include <gtest/gtest.h>

#include <llvm/ADT/iterator.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace pipelang;

namespace {

fs::path sourceDir() {
  const char* dir = std::getenv("PIPE_SOURCE_DIR");
  return dir ? fs::path(dir) : fs::path(PIPE_SOURCE_DIR);
}

fs::path goldenDir() {
  return sourceDir() / "tests/golden/plan";
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expectGolden(const std::string& actual, const std::string& name) {
  fs::path file = goldenDir() / name;
  if (std::getenv("PIPE_UPDATE_GOLDEN")) std::ofstream(file, std::ios::binary) << actual;
  EXPECT_EQ(readFile(file), actual) << "golden " << name << " differs (PIPE_UPDATE_GOLDEN=1 rewrites it)";
}

// Compiles the family's three services, optionally with the changed template overlaid.
std::map<std::string, llvm::json::Value> familyPlans(bool changed) {
  fs::path family = fs::weakly_canonical(goldenDir() / "lib/family");
  FrontendOptions options;
  for (const char* file : {"billing.pipe", "cart.pipe", "search.pipe"}) options.inputs.push_back(family / file);
  options.root = family;
  if (changed) options.overlays[(family / "family.pipe").string()] = readFile(family / "family.changed.txt");
  auto compilation = Frontend::run(options);
  EXPECT_EQ(compilation->diagnostics.errorCount(), 0u);
  std::map<std::string, llvm::json::Value> plans;
  if (compilation->program)
    for (const model::Pipeline& pipeline : llvm::make_pointee_range(compilation->program->pipelines))
      plans.emplace(pipeline.name, plan::buildPlanJson(pipeline));
  return plans;
}

// The capacity family (lib/capacity): the template's first-wave bake 12h, or
// 24h with capacity.changed.txt overlaid.
std::map<std::string, llvm::json::Value> capacityPlans(bool changed) {
  fs::path dir = fs::weakly_canonical(goldenDir() / "lib/capacity");
  FrontendOptions options;
  for (const char* file : {"checkout.pipe", "ledger.pipe", "search.pipe"}) options.inputs.push_back(dir / file);
  options.root = dir;
  if (changed) options.overlays[(dir / "capacity.pipe").string()] = readFile(dir / "capacity.changed.txt");
  auto compilation = Frontend::run(options);
  EXPECT_EQ(compilation->diagnostics.errorCount(), 0u);
  std::map<std::string, llvm::json::Value> plans;
  if (compilation->program)
    for (const model::Pipeline& pipeline : llvm::make_pointee_range(compilation->program->pipelines))
      plans.emplace(pipeline.name, plan::buildPlanJson(pipeline));
  return plans;
}

}  // namespace

TEST(PlanGolden, GraphMermaidAndDot) {
  auto plans = familyPlans(false);
  ASSERT_TRUE(plans.count("Cart"));
  expectGolden(plan::graphMermaid(plans.at("Cart")), "graph-cart.mermaid.expected");
  expectGolden(plan::graphDot(plans.at("Cart")), "graph-cart.dot.expected");
}

TEST(PlanGolden, TemplateChangeAltersThreeChildren) {
  auto before = familyPlans(false), after = familyPlans(true);
  ASSERT_EQ(before.size(), 3u);
  auto changes = plan::diffPlanSets(before, after);
  expectGolden(plan::renderDiffText(changes), "diff-family.text.expected");
  expectGolden(plan::renderDiffJson(changes), "diff-family.json.expected");
  std::set<std::string> touched;
  for (const auto& change : changes) touched.insert(change.pipeline);
  EXPECT_EQ(touched, (std::set<std::string>{"Billing", "Cart", "Search"}));
}

// Issue 19: a template's bake change says what it does to each child's weekly
// capacity (with the bake that moved it) and bottleneck; a child that sets
// its own bake is untouched.
TEST(PlanGolden, TemplateBakeChangeMovesCapacityAndBottleneck) {
  auto before = capacityPlans(false), after = capacityPlans(true);
  ASSERT_EQ(before.size(), 3u);
  auto changes = plan::diffPlanSets(before, after);
  std::string text = plan::renderDiffText(changes);
  expectGolden(text, "diff-capacity.text.expected");
  expectGolden(plan::renderDiffJson(changes), "diff-capacity.json.expected");
  EXPECT_NE(text.find("  throughput: wave1 bake 12h -> 1d: CheckoutApi 5 -> 4 versions a week\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Search:\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  throughput: bottleneck gamma -> wave1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Ledger"), std::string::npos) << text;
}
