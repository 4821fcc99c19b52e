// A reader that goes away mid-run (`piperun run ... | head -c 1`) must not end
// the runner: the deployment goes on unwatched-by-nobody, as with no reader.
#include "ProcessHarness.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

using namespace pipelang::runtime::testing;

namespace {

TEST(OutputPipe, AClosedOutputPipeNeitherStopsTheRunNorChangesItsExitStatus) {
  Sandbox box;
  // The shell is the test's, to close the pipe after one byte; piperun gets none.
  box.write("closed-pipe.sh",
            "\"$1\" run \"$2\" --version v2 --previous v1 --state state.db | head -c 1 >/dev/null\n"
            "echo \"${PIPESTATUS[0]}\" > piperun-status\n");
  std::string command = "cd '" + box.dir().string() + "' && timeout 120 bash closed-pipe.sh '" PIPERUN_BINARY "' '" +
                        box.plan("crash") + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(box.read("piperun-status"), "0\n");  // not 141 (SIGPIPE)
  for (const auto& host : {"le-a-h1", "le-a-h2", "le-a-h3", "lw-a-h1"})
    EXPECT_EQ(box.read(std::string("hosts/") + host), "v2\n") << host;
  EXPECT_EQ(box.status().getAsObject()->getString("known_good").getValueOr(""), "v2");
}

}  // namespace
