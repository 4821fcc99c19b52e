// SharedAnalyses (issue 18): `pipec plan -o` analyses each kind of layout
// once. A plan written with a shared analysis must be the plan written
// alone, whether the analysis was shared or not; plans differing only where
// the analysis does not read (traffic floors, tests' names and commands)
// share it, and plans differing in anything it reads, or only in the sign of
// a zero, do not.
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/SharedAnalyses.h"
#include "plan/PlanWriter.h"
#include "tests/compiler/PlanFixtures.h"

#include <gtest/gtest.h>

using namespace pipelang;
using namespace pipelang::plan;

namespace {

// The plan of `pipeline` analysed through `shared`, as `plan -o` writes it.
std::string writtenThrough(SharedAnalyses& shared, const model::Pipeline& pipeline) {
  return planformat::writePlan(analysePlanModel(buildUnanalysedPlanModel(pipeline), nullptr, &shared));
}

std::string writtenAlone(const model::Pipeline& pipeline) {
  return planformat::writePlan(buildPlanModel(pipeline));
}

}  // namespace

TEST(SharedAnalyses, PlansThatDifferOnlyWhereTheAnalysisDoesNotReadShareIt) {
  SharedAnalyses shared;
  plantest::TwoWaveFixture first;
  EXPECT_EQ(writtenThrough(shared, first.pipeline), writtenAlone(first.pipeline));
  plantest::TwoWaveFixture second;  // the same kind a second time: its analysis is kept
  second.pipeline.name = "Second";
  EXPECT_EQ(writtenThrough(shared, second.pipeline), writtenAlone(second.pipeline));
  EXPECT_EQ(shared.reused(), 0u);

  plantest::TwoWaveFixture other;
  other.pipeline.name = "Other";
  other.pipeline.prod->waves[0].minTraffic->value = 250;
  other.pipeline.stages[0].tests[0].run = "tests/other.sh";
  other.pipeline.stages[0].tests[0].name = "other";
  std::string written = writtenThrough(shared, other.pipeline);
  EXPECT_EQ(shared.reused(), 1u);
  EXPECT_EQ(written, writtenAlone(other.pipeline));
  // The floor and the test are still the plan's own.
  EXPECT_NE(written.find("tests/other.sh"), std::string::npos);
  EXPECT_NE(written.find(R"("value": 250)"), std::string::npos) << written;
}

TEST(SharedAnalyses, PlansThatDifferInWhatTheAnalysisReadsDoNotShareIt) {
  SharedAnalyses shared;
  plantest::TwoWaveFixture first;
  writtenThrough(shared, first.pipeline);
  writtenThrough(shared, first.pipeline);  // kept

  plantest::TwoWaveFixture moreHosts;  // other exposures and times
  moreHosts.topology.regions[1].hostsPerZone = 20;
  moreHosts.pipeline.topology = &moreHosts.topology;
  EXPECT_EQ(writtenThrough(shared, moreHosts.pipeline), writtenAlone(moreHosts.pipeline));

  plantest::TwoWaveFixture longerTest;  // the test's timeout moves every later step
  longerTest.pipeline.stages[0].tests[0].timeoutMs *= 2;
  EXPECT_EQ(writtenThrough(shared, longerTest.pipeline), writtenAlone(longerTest.pipeline));

  plantest::TwoWaveFixture nightBakes;  // off-hours bakes longer
  nightBakes.pipeline.windows->offHoursBake = 3.0;
  EXPECT_EQ(writtenThrough(shared, nightBakes.pipeline), writtenAlone(nightBakes.pipeline));
  EXPECT_EQ(shared.reused(), 0u);
}

// Only the sign of a zero differs: `==` calls the layouts equal, but the
// canonical form writes -0 and 0 apart, so they must not share an analysis.
TEST(SharedAnalyses, ASignedZeroIsNotTakenForZero) {
  SharedAnalyses shared;
  plantest::TwoWaveFixture zero;
  zero.pipeline.prod->waves[0].onebox->traffic.value = 0.0;
  plantest::TwoWaveFixture negativeZero;
  negativeZero.pipeline.prod->waves[0].onebox->traffic.value = -0.0;
  writtenThrough(shared, zero.pipeline);
  EXPECT_EQ(writtenThrough(shared, zero.pipeline), writtenAlone(zero.pipeline));  // kept
  EXPECT_EQ(writtenThrough(shared, negativeZero.pipeline), writtenAlone(negativeZero.pipeline));
  EXPECT_EQ(shared.reused(), 0u);
  // Two signs flipped (both waves' one-boxes), which cancel in a hash of the bits: still apart.
  plantest::TwoWaveFixture swapped;
  swapped.pipeline.prod->waves[0].onebox->traffic.value = -0.0;
  swapped.pipeline.prod->waves[1].onebox->traffic.value = 0.0;
  plantest::TwoWaveFixture swappedBack;
  swappedBack.pipeline.prod->waves[0].onebox->traffic.value = 0.0;
  swappedBack.pipeline.prod->waves[1].onebox->traffic.value = -0.0;
  writtenThrough(shared, swapped.pipeline);
  EXPECT_EQ(writtenThrough(shared, swapped.pipeline), writtenAlone(swapped.pipeline));  // kept
  EXPECT_EQ(writtenThrough(shared, swappedBack.pipeline), writtenAlone(swappedBack.pipeline));
  EXPECT_EQ(shared.reused(), 0u);
}

// A kind is kept from its second plan on and reused from its third; at most
// kKept kinds are kept, however many come, and every plan is written as alone.
TEST(SharedAnalyses, KeepsABoundedNumberOfKindsSeenTwice) {
  SharedAnalyses shared;
  auto kind = [](size_t number) {
    auto f = std::make_unique<plantest::TwoWaveFixture>();
    f->topology.regions[1].hostsPerZone = 4 + static_cast<int64_t>(number);
    f->pipeline.topology = &f->topology;
    return f;
  };
  for (int pass = 0; pass < 3; ++pass)
    for (size_t number = 0; number < 3 * SharedAnalyses::kKept; ++number) {
      auto f = kind(number);
      ASSERT_EQ(writtenThrough(shared, f->pipeline), writtenAlone(f->pipeline)) << number;
      ASSERT_LE(shared.kept(), SharedAnalyses::kKept);
    }
  uint64_t before = shared.reused();
  auto f = kind(1000);
  for (int time = 0; time < 3; ++time) EXPECT_EQ(writtenThrough(shared, f->pipeline), writtenAlone(f->pipeline));
  EXPECT_EQ(shared.reused(), before + 1);  // the third time
}
