// The plans folder of `piperun serve` (docs/service.md "Plans and reloads"):
// one plan per pipeline; a second file for a pipeline that already has one is
// refused and named, whatever its name, and the pipeline keeps its plan.
#include "runtime/service/PlanCatalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace pipelang::runtime::service {
namespace {
namespace fs = std::filesystem;

TEST(PlanCatalog, ASecondFileForAPlannedPipelineIsTheOneRefusedWhereverItsNameSorts) {
  fs::path dir = fs::temp_directory_path() / ("piperun-catalog-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path quiet = fs::path(PIPE_RUNTIME_FIXTURES) / "plans" / "quiet.plan.json";
  fs::copy_file(quiet, dir / "Quiet.plan.json");
  PlanCatalog catalog(dir.string());
  auto first = catalog.reload();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].file, "Quiet.plan.json");
  EXPECT_EQ(first[0].error, "");
  ASSERT_TRUE(catalog.current("QuietService"));
  std::string digest = catalog.current("QuietService")->digest;

  fs::copy_file(quiet, dir / "A-second.plan.json");  // sorts before the file that planned it
  auto second = catalog.reload();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].file, "A-second.plan.json");
  EXPECT_EQ(second[0].error, "pipeline QuietService is already planned by Quiet.plan.json; ignored");
  EXPECT_EQ(catalog.current("QuietService")->digest, digest);

  // Once the first file is gone, the second gives the plan (the same one: nothing to announce).
  fs::remove(dir / "Quiet.plan.json");
  EXPECT_TRUE(catalog.reload().empty());
  ASSERT_TRUE(catalog.current("QuietService"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pipelang::runtime::service
