// The plan's canonical bytes (docs/plan-format.md, "Digest") written by hand
// must equal llvm::json::OStream's, the way they were first defined, or every
// plan written before would fail its digest check in piperun: on every
// example and golden pipeline's plan, and on values that reach each branch
// of the writer (escapes, -0, integers and doubles near 1e17, nesting).
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanDigest.h"
#include "compiler/sema/Model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

namespace fs = std::filesystem;
using namespace pipelang;

TEST(PlanDigest, CanonicalBytesEqualLlvmJsonOnEveryExampleAndGoldenPlan) {
  fs::path root = PIPE_SOURCE_DIR;
  std::vector<std::vector<fs::path>> inputs = {{root / "examples/services", root / "examples/templates"}};
  for (const fs::path& folder : {root / "examples/unsafe", root / "tests/golden"})
    for (const auto& entry : fs::recursive_directory_iterator(folder))
      if (entry.path().extension() == ".pipe") inputs.push_back({entry.path()});
  size_t plans = 0;
  for (const auto& files : inputs) {
    FrontendOptions options;
    options.inputs = files;
    options.root = root;
    auto compilation = Frontend::run(options);
    if (!compilation->program) continue;
    for (const model::Pipeline* pipeline : compilation->program->pipelines) {
      llvm::json::Value plan = plan::buildPlanJson(*pipeline);
      EXPECT_EQ(planformat::canonicalBytes(plan), planformat::canonicalBytesReference(plan)) << pipeline->name;
      ++plans;
    }
  }
  EXPECT_GE(plans, 40u);
}

TEST(PlanDigest, CanonicalBytesEqualLlvmJsonOnEveryKindOfValue) {
  std::string controls;
  for (char c = 1; c < 0x20; ++c) controls += c;
  llvm::json::Array numbers{0,
                            -0.0,
                            5.0,
                            -5,
                            0.1,
                            1.0 / 3,
                            1e300,
                            -2.5e-300,
                            9007199254740992.0,
                            99999999999999999.0,
                            1e17,
                            -1e17,
                            int64_t{99'999'999'999'999'999},
                            int64_t{100'000'000'000'000'000},
                            int64_t{-100'000'000'000'000'000},
                            std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min(),
                            std::nan(""),
                            std::numeric_limits<double>::infinity()};
  llvm::json::Object inner{{"z", 1}, {"a", nullptr}, {"digest", "kept: not the top level"}, {"m", true}};
  llvm::json::Value plan = llvm::json::Object{
      {"schema", "pipe.plan/v1"},
      {"digest", "sha256:replaced"},
      {"text", "quote \" backslash \\ tab \t newline \n return \r " + controls + " \x7f é 日本"},
      {"numbers", std::move(numbers)},
      {"nested", llvm::json::Array{llvm::json::Array{}, llvm::json::Object{}, std::move(inner), false}},
      {"B", "capitals sort first"},
      {"", "the empty key"}};
  EXPECT_EQ(planformat::canonicalBytes(plan), planformat::canonicalBytesReference(plan));
  llvm::json::Value noDigest = llvm::json::Object{{"b", 1}, {"a", 2}};
  EXPECT_EQ(planformat::canonicalBytes(noDigest), "{\"a\":2,\"b\":1,\"digest\":\"\"}");
  EXPECT_EQ(planformat::canonicalBytes(noDigest), planformat::canonicalBytesReference(noDigest));
  llvm::json::Value notAnObject = llvm::json::Array{1, "x"};
  EXPECT_EQ(planformat::canonicalBytes(notAnObject), planformat::canonicalBytesReference(notAnObject));
}

// The engine writes its events' details with appendCompactJson (issue 18): the
// same bytes as `raw_ostream << json::Value`, which it used before, "digest"
// keys included at every level.
TEST(PlanDigest, AppendCompactJsonWritesWhatTheStreamWrites) {
  auto stream = [](const llvm::json::Value& value) {
    std::string text;
    llvm::raw_string_ostream out(text);
    out << value;
    out.flush();
    return text;
  };
  std::vector<llvm::json::Value> values;
  values.push_back(llvm::json::Object{{"hosts", llvm::json::Array{"r00-az1-h01", "r00-az1-h02"}}, {"quiet", true}});
  values.push_back(llvm::json::Object{{"global_exposure", 0.10000000000000002}});
  values.push_back(llvm::json::Object{{"bake_s", 43200}, {"base_s", int64_t{-7}}, {"digest", "sha256:kept"}});
  values.push_back(llvm::json::Object{{"waiting_for", "min_traffic"}, {"z", nullptr}, {"a", -0.0}, {"m", 1e17}});
  values.push_back(llvm::json::Array{"quote \" backslash \\ tab \t \x01 é", 1.0 / 3, std::nan(""),
                                     std::numeric_limits<int64_t>::min(), llvm::json::Object{}});
  for (const auto& value : values) {
    std::string compact;
    planformat::appendCompactJson(compact, value);
    EXPECT_EQ(compact, stream(value));
  }
  std::string appended = "prefix:";
  planformat::appendCompactJson(appended, llvm::json::Value("x"));
  EXPECT_EQ(appended, "prefix:\"x\"");
}
