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

// The loop reloads every second; a folder nothing happened in is not looked
// at (no stat per file) until an inotify event, or the full look's time.
TEST(PlanCatalog, AFolderIsLookedAtAgainOnlyWhenSomethingInItChanged) {
  fs::path dir = fs::temp_directory_path() / ("piperun-watch-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path plans = fs::path(PIPE_RUNTIME_FIXTURES) / "plans";
  fs::copy_file(plans / "quiet.plan.json", dir / "Quiet.plan.json");
  PlanCatalog catalog(dir.string(), std::chrono::hours(1));
  ASSERT_EQ(catalog.reload().size(), 1u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(catalog.reload().empty());
  EXPECT_EQ(catalog.folderScans(), 1);

  fs::copy_file(plans / "crash.plan.json", dir / "Crash.plan.json");
  auto added = catalog.reload();
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].pipeline, "CrashLab");
  EXPECT_TRUE(catalog.reload().empty());
  EXPECT_EQ(catalog.folderScans(), 2);

  fs::remove(dir / "Crash.plan.json");
  auto removed = catalog.reload();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_TRUE(removed[0].removed);

  // The folder itself gone: looked at every time (and said once) until it is back.
  fs::remove_all(dir);
  auto missing = catalog.reload();
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].error.find("cannot read the plans folder"), std::string::npos) << missing[0].error;
  EXPECT_TRUE(catalog.reload().empty());
  int scans = catalog.folderScans();
  fs::create_directories(dir);
  fs::copy_file(plans / "crash.plan.json", dir / "Crash.plan.json");
  auto back = catalog.reload();  // CrashLab's plan; QuietService's file is gone
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].pipeline, "CrashLab");
  EXPECT_FALSE(back[0].removed);
  EXPECT_EQ(back[1].pipeline, "QuietService");
  EXPECT_TRUE(back[1].removed);
  EXPECT_EQ(catalog.folderScans(), scans + 1);
  EXPECT_TRUE(catalog.reload().empty());
  EXPECT_EQ(catalog.folderScans(), scans + 1);
  fs::remove_all(dir);
}

// With no time between full looks, every reload looks (what a folder inotify
// cannot watch gets: the files' names, sizes and times each second).
TEST(PlanCatalog, TheFullLookComesEvenWithoutAnEvent) {
  fs::path dir = fs::temp_directory_path() / ("piperun-look-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(fs::path(PIPE_RUNTIME_FIXTURES) / "plans" / "quiet.plan.json", dir / "Quiet.plan.json");
  PlanCatalog catalog(dir.string(), std::chrono::seconds(0));
  ASSERT_EQ(catalog.reload().size(), 1u);
  EXPECT_TRUE(catalog.reload().empty());
  EXPECT_TRUE(catalog.reload().empty());
  EXPECT_EQ(catalog.folderScans(), 3);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pipelang::runtime::service
