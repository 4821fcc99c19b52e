// One plan model (plan/Plan.h): what pipec writes is what piperun reads. Every
// plan the examples and golden files produce is read by the shared reader
// (the one piperun uses) and written again by the shared writer to the very
// same bytes, so no field is dropped, renamed or re-typed between the two.
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanWriter.h"
#include "compiler/sema/Model.h"
#include "plan/PlanReader.h"
#include "plan/PlanWriter.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace pipelang;

namespace {

// Every pipeline of the examples and of each golden file, compiled, with
// whether its compilation has errors (then `pipec plan` writes no plan).
template <typename Visit>
size_t forEachPipeline(Visit visit) {
  fs::path root = PIPE_SOURCE_DIR;
  std::vector<std::vector<fs::path>> inputs = {{root / "examples/services", root / "examples/templates"}};
  for (const fs::path& folder : {root / "examples/unsafe", root / "tests/golden"})
    for (const auto& entry : fs::recursive_directory_iterator(folder))
      if (entry.path().extension() == ".pipe") inputs.push_back({entry.path()});
  size_t pipelines = 0;
  for (const auto& files : inputs) {
    FrontendOptions options;
    options.inputs = files;
    options.root = root;
    auto compilation = Frontend::run(options);
    if (!compilation->program) continue;
    for (const model::Pipeline* pipeline : compilation->program->pipelines) {
      visit(*pipeline, compilation->diagnostics.errorCount() > 0);
      ++pipelines;
    }
  }
  return pipelines;
}

}  // namespace

TEST(PlanModel, EveryPlanPipecWritesReadsBackToTheSameBytes) {
  size_t withWindows = 0, withEmergency = 0, neverGlobal = 0;
  size_t pipelines = forEachPipeline([&](const model::Pipeline& pipeline, bool refused) {
    std::string text = plan::writePlanText(plan::buildPlanJson(pipeline));
    auto read = planformat::parsePlan(text, pipeline.name + ".plan.json");
    // A pipeline pipec refuses may make a plan piperun refuses too (a zero emergency bake).
    if (!read && refused) return llvm::consumeError(read.takeError());
    ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
    EXPECT_EQ(planformat::writePlan(*read), text) << pipeline.name;
    EXPECT_EQ(read->digest, planformat::planToJson(*read).getAsObject()->getString("digest")->str()) << pipeline.name;
    withWindows += read->windows.has_value();
    withEmergency += read->emergency.has_value();
    neverGlobal += read->analysis && !read->analysis->timeToGlobalS;
  });
  EXPECT_GE(pipelines, 40u);
  // The inputs reach the optional parts of the format.
  EXPECT_GT(withWindows, 0u);
  EXPECT_GT(withEmergency, 0u);
  EXPECT_GT(neverGlobal, 0u);
}

TEST(PlanModel, PipecWritesTheModelItBuilds) {
  forEachPipeline([](const model::Pipeline& pipeline, bool) {
    planformat::Plan model = plan::buildPlanModel(pipeline);
    EXPECT_EQ(planformat::writePlan(model), plan::writePlanText(plan::buildPlanJson(pipeline))) << pipeline.name;
  });
}

TEST(PlanModel, WindowsKeepDaysHoursAndDatesAsWritten) {
  planformat::Plan plan;
  plan.pipeline = "P";
  planformat::WindowRule rule;
  rule.name = "core";
  rule.days = std::vector<int>{1, 0, 6};
  rule.hours = planformat::TimeOfDayRange{9 * 60, 24 * 60};
  rule.dates = std::vector<planformat::DateRange>{{20261224, 20270102}};
  plan.windows = planformat::WindowSpec{"Europe/Berlin", {rule}, {}, 2.0};
  plan.stages.push_back({"beta", "preprod", {}, 60, {}, {}});
  plan.steps.push_back({"beta/bake", "beta", "bake", "", "", {}, {}, 60, {}, "", 0});
  std::string text = planformat::writePlan(plan);
  EXPECT_NE(text.find("        \"name\": \"core\",\n"
                      "        \"days\": [\"mon\", \"sun\", \"sat\"],\n"
                      "        \"hours\": {\"from\": \"09:00\", \"to\": \"24:00\"},\n"
                      "        \"dates\": [\n"
                      "          {\"from\": \"2026-12-24\", \"to\": \"2027-01-02\"}\n"),
            std::string::npos)
      << text;
  auto read = planformat::parsePlan(text, "p.json");
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  EXPECT_EQ(planformat::writePlan(*read), text);
}

// Issue 19: a plan written before `analysis.throughput` existed is read (as
// piperun reads it) and written again without one; a plan with one keeps it.
TEST(PlanModel, APlanWithoutThroughputIsReadAndWrittenWithoutIt) {
  fs::path root = PIPE_SOURCE_DIR;
  FrontendOptions options;
  options.inputs = {root / "tests/golden/plan/throughput-windows.pipe"};
  options.root = root;
  auto compilation = Frontend::run(options);
  ASSERT_TRUE(compilation->program && compilation->program->pipelines.size() == 1u);
  planformat::Plan model = plan::buildPlanModel(*compilation->program->pipelines.front());
  ASSERT_TRUE(model.analysis && model.analysis->throughput);
  EXPECT_EQ(model.analysis->throughput->bottleneck, "wave1");
  EXPECT_EQ(model.analysis->throughput->versionsPerWeek, 5.0);
  EXPECT_EQ(model.analysis->throughput->busyTimeToGlobalS, 133800);

  model.analysis->throughput.reset();
  std::string older = planformat::writePlan(model);
  EXPECT_EQ(older.find("throughput"), std::string::npos);
  auto read = planformat::parsePlan(older, "Windowed.plan.json");
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  EXPECT_FALSE(read->analysis->throughput.has_value());
  EXPECT_EQ(planformat::writePlan(*read), older);
}
