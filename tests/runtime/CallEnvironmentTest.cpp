// A call's environment (runtime/deploy/ChildProcess): piperun's own, with the
// call's variables over it (docs/runtime.md: PIPE_VERSION and the others),
// each name once, sorted by name; the program is found on PATH.
#include "runtime/deploy/ChildProcess.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace pipelang::runtime {
namespace {

TEST(CallEnvironment, PiperunsEnvironmentWithTheCallsVariablesOverItEachNameOnceSorted) {
  setenv("PIPE_TEST_OUTER", "kept", 1);
  setenv("PIPE_VERSION", "from-outside", 1);
  CommandOutcome outcome = runCommand({"env"}, {{"PIPE_VERSION", "v2"}, {"PIPE_ADDED", "yes"}}, 10000);
  unsetenv("PIPE_TEST_OUTER");
  unsetenv("PIPE_VERSION");
  std::vector<std::string> lines, names;
  std::istringstream in(outcome.output);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    names.push_back(line.substr(0, line.find('=')));
  }
  auto has = [&](const std::string& line) { return std::count(lines.begin(), lines.end(), line) == 1; };
  EXPECT_TRUE(has("PIPE_TEST_OUTER=kept")) << outcome.output;
  EXPECT_TRUE(has("PIPE_VERSION=v2")) << outcome.output;
  EXPECT_TRUE(has("PIPE_ADDED=yes")) << outcome.output;
  EXPECT_EQ(std::count(names.begin(), names.end(), "PIPE_VERSION"), 1) << outcome.output;
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end())) << outcome.output;
  EXPECT_TRUE(std::adjacent_find(names.begin(), names.end()) == names.end()) << outcome.output;
  EXPECT_TRUE(std::find(names.begin(), names.end(), "PATH") != names.end()) << outcome.output;
}

}  // namespace
}  // namespace pipelang::runtime
