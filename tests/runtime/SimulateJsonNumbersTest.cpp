// Numbers in `piperun simulate --format json` (docs/runtime.md "Numbers in
// JSON output"), through the real piperun binary: fractions summed from host
// weights print exactly where they are all hosts, and no double prints with
// llvm's 17 digits of noise.
#include "ProcessHarness.h"

#include <gtest/gtest.h>
#include <llvm/Support/JSON.h>

#include <regex>

using namespace pipelang::runtime::testing;

namespace {

// A number with 16 or more digits after its point: 0.050000000000000003, 1.0000000000001097.
const std::regex kNoisy(R"([0-9]\.[0-9]{16,})");

TEST(SimulateJsonNumbers, AnExposureThatReachesEveryHostPrintsOne) {
  // region30: 30 regions of many hosts; the exposure, summed host by host,
  // ends at 1.0000000000001097.
  Sandbox box;
  ProcessResult sim = box.piperun({"simulate", box.plan("region30"), "--format", "json"});
  ASSERT_EQ(sim.exitCode, 0) << sim.err;
  EXPECT_NE(sim.out.find(R"("max_global_exposure":1,)"), std::string::npos);
  EXPECT_NE(sim.out.find(R"({"global_exposure":1,"message":"3 hosts on v2","stage":"wave5",)"
                         R"("step":"wave5/r27/r27-az6/b4","t_s":288600,"type":"step_done"})"),
            std::string::npos);
  std::smatch noisy;
  EXPECT_FALSE(std::regex_search(sim.out, noisy, kNoisy)) << noisy.str();
  auto parsed = llvm::json::parse(sim.out);
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->getAsObject()->getNumber("max_global_exposure"), 1.0);
}

}  // namespace
