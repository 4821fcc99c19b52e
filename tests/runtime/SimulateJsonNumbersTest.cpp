// Numbers in `piperun simulate --format json` (docs/runtime.md "Numbers in
// JSON output"), through the real piperun binary: fractions summed from host
// weights print exactly where they are all hosts, and no double prints with
// llvm's 17 digits of noise.
#include "ProcessHarness.h"

#include <gtest/gtest.h>
#include <llvm/Support/FormatVariadic.h>
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

TEST(SimulateJsonNumbers, EachVersionInFlightThatReachesEveryHostPrintsOne) {
  // The global plan with three versions: v2 and v4 reach every host, summed to 1.000000000000004.
  Sandbox box;
  ProcessResult sim = box.piperun({"simulate", box.plan("global"), "--scenario",
                                   PIPE_RUNTIME_FIXTURES "/scenarios/three-versions.json", "--format", "json"});
  ASSERT_EQ(sim.exitCode, 3) << sim.err;  // v3 rolled back
  auto parsed = llvm::json::parse(sim.out);
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  std::vector<std::string> exposures;
  for (const llvm::json::Value& version : *parsed->getAsObject()->getArray("versions")) {
    const llvm::json::Object* o = version.getAsObject();
    std::string text = llvm::formatv("{0}", *o->get("max_global_exposure")).str();
    exposures.push_back(o->getString("version")->str() + " " + o->getString("outcome")->str() + " " + text);
  }
  EXPECT_EQ(exposures, (std::vector<std::string>{"v2 deployed 1", "v3 rolled_back 0", "v4 deployed 1"}));
  std::smatch noisy;
  EXPECT_FALSE(std::regex_search(sim.out, noisy, kNoisy)) << noisy.str();
}

}  // namespace
