// Plan building: host naming, batching, the DAG, determinism and the digest.
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanDigest.h"
#include "compiler/plan/PlanWriter.h"
#include "tests/compiler/PlanFixtures.h"

#include <gtest/gtest.h>

#include <set>

using namespace pipelang;
using namespace pipelang::plan;

namespace {

const llvm::json::Object* findStep(const llvm::json::Value& plan, const std::string& id) {
  for (const auto& step : *plan.getAsObject()->getArray("steps"))
    if (step.getAsObject()->getString("id") == llvm::StringRef(id)) return step.getAsObject();
  return nullptr;
}

std::vector<std::string> strings(const llvm::json::Array* array) {
  std::vector<std::string> result;
  for (const auto& item : *array) result.push_back(item.getAsString()->str());
  return result;
}

}  // namespace

TEST(PlanHostNames, ZeroPaddedToTheCountWithTwoDigitsAtLeast) {
  EXPECT_EQ(hostName("usw1-az1", 1, 10), "usw1-az1-h01");
  EXPECT_EQ(hostName("a", 3, 9), "a-h03");
  EXPECT_EQ(hostName("a", 99, 99), "a-h99");
  EXPECT_EQ(hostName("a", 5, 100), "a-h005");
  EXPECT_EQ(hostName("a", 1000, 1000), "a-h1000");
}

TEST(PlanBatches, OneboxZoneBatchesCoverTheRest) {
  plantest::TwoWaveFixture f;
  llvm::json::Value plan = buildPlanJson(f.pipeline);
  const auto* onebox = findStep(plan, "wave1/r1/onebox");
  ASSERT_TRUE(onebox);
  EXPECT_EQ(strings(onebox->getArray("hosts")), std::vector<std::string>{"a1-h01"});
  EXPECT_EQ(strings(onebox->getArray("after")), std::vector<std::string>{"gamma/bake"});
  // floor(10 x 33%) = 3 hosts per batch; the one-box zone starts at host 2.
  const auto* b1 = findStep(plan, "wave1/r1/a1/b1");
  ASSERT_TRUE(b1);
  EXPECT_EQ(strings(b1->getArray("hosts")), (std::vector<std::string>{"a1-h02", "a1-h03", "a1-h04"}));
  EXPECT_EQ(strings(b1->getArray("after")), std::vector<std::string>{"wave1/r1/onebox"});
  EXPECT_TRUE(findStep(plan, "wave1/r1/a1/b3"));
  EXPECT_FALSE(findStep(plan, "wave1/r1/a1/b4"));
  const auto* last = findStep(plan, "wave1/r1/a2/b4");
  ASSERT_TRUE(last);
  EXPECT_EQ(strings(last->getArray("hosts")), std::vector<std::string>{"a2-h10"});
  // Zones one after another: a2 starts after a1's last batch.
  EXPECT_EQ(strings(findStep(plan, "wave1/r1/a2/b1")->getArray("after")), std::vector<std::string>{"wave1/r1/a1/b3"});
  EXPECT_EQ(strings(findStep(plan, "wave1/bake")->getArray("after")), std::vector<std::string>{"wave1/r1/a2/b4"});
  // Pre-production: batches, then the test, then the bake; the first stage has no `after`.
  EXPECT_TRUE(findStep(plan, "gamma/r1/a1/b1")->getArray("after")->empty());
  EXPECT_EQ(strings(findStep(plan, "gamma/bake")->getArray("after")),
            std::vector<std::string>{"gamma/test/integration"});
}

TEST(PlanBatches, ParallelZonesAndZoneBakes) {
  plantest::TwoWaveFixture f;
  model::Wave& wave2 = f.pipeline.prod->waves[1];
  wave2.parallelZones.value = 2;
  wave2.zoneBakeMs.value = 1800'000;
  llvm::json::Value plan = buildPlanJson(f.pipeline);
  EXPECT_EQ(strings(findStep(plan, "wave2/r2/b2/b1")->getArray("after")), std::vector<std::string>{"wave2/r2/onebox"});
  EXPECT_EQ(strings(findStep(plan, "wave2/r2/b3/b1")->getArray("after")), std::vector<std::string>{"wave2/r2/b1/bake"});
  EXPECT_EQ(*findStep(plan, "wave2/r2/b1/bake")->getInteger("bake_s"), 1800);
  EXPECT_EQ(strings(findStep(plan, "wave2/bake")->getArray("after")),
            (std::vector<std::string>{"wave2/r2/b2/bake", "wave2/r2/b3/bake"}));
}

TEST(PlanBatches, SmallZonesTakeOneHostPerBatch) {
  plantest::TwoWaveFixture f;
  f.pipeline.hostsPerZone = 2;
  llvm::json::Value plan = buildPlanJson(f.pipeline);
  EXPECT_EQ(strings(findStep(plan, "wave2/r2/b2/b2")->getArray("hosts")), std::vector<std::string>{"b2-h02"});
  EXPECT_FALSE(findStep(plan, "wave2/r2/b2/b3"));
}

TEST(PlanDag, EveryAfterNamesAnEarlierStep) {
  plantest::TwoWaveFixture f;
  llvm::json::Value plan = buildPlanJson(f.pipeline);
  std::set<std::string> seen;
  for (const auto& step : *plan.getAsObject()->getArray("steps")) {
    for (const auto& before : *step.getAsObject()->getArray("after"))
      EXPECT_TRUE(seen.count(before.getAsString()->str()));
    EXPECT_TRUE(seen.insert(step.getAsObject()->getString("id")->str()).second);
  }
}

TEST(PlanCanary, StepsAfterTheOnebox) {
  plantest::TwoWaveFixture f;
  model::Canary canary;
  canary.steps.value = {0.1, 0.5, 1.0};
  canary.bakeMs.value = 7200'000;
  f.pipeline.prod->waves[1].canary = canary;
  llvm::json::Value plan = buildPlanJson(f.pipeline);
  const auto* second = findStep(plan, "wave2/r2/canary2");
  ASSERT_TRUE(second);
  EXPECT_EQ(*second->getNumber("traffic"), 0.5);
  EXPECT_EQ(*second->getInteger("bake_s"), 7200);
  EXPECT_EQ(strings(second->getArray("after")), std::vector<std::string>{"wave2/r2/canary1"});
  EXPECT_EQ(strings(findStep(plan, "wave2/r2/canary1")->getArray("after")),
            std::vector<std::string>{"wave2/r2/onebox"});
  EXPECT_FALSE(findStep(plan, "wave2/r2/b1/b1"));
}

TEST(PlanDeterminism, ByteIdenticalTwiceAndTheDigestVerifies) {
  plantest::TwoWaveFixture f;
  std::string first = writePlanText(buildPlanJson(f.pipeline));
  std::string second = writePlanText(buildPlanJson(f.pipeline));
  EXPECT_EQ(first, second);
  // What the runtime does: parse the file, blank the digest, re-serialise, hash.
  auto parsed = llvm::json::parse(first);
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  std::string digest = parsed->getAsObject()->getString("digest")->str();
  EXPECT_EQ(digest.rfind("sha256:", 0), 0u);
  EXPECT_EQ(planformat::computeDigest(*parsed), digest);
  // Tampering is noticed.
  (*parsed->getAsObject())["artifact"] = "other";
  EXPECT_NE(planformat::computeDigest(*parsed), digest);
}

TEST(PlanFormat, KeysInTheDocumentedOrder) {
  plantest::TwoWaveFixture f;
  std::string text = writePlanText(buildPlanJson(f.pipeline));
  std::vector<std::string> keys = {"\"schema\"",         "\"digest\"",         "\"pipeline\"", "\"artifact\"",
                                   "\"kind\"",           "\"execution_mode\"", "\"policy\"",   "\"topology\"",
                                   "\"prometheus_url\"", "\"deploy\"",         "\"metrics\"",  "\"alarms\"",
                                   "\"rollback_on\"",    "\"block_on\"",       "\"windows\"",  "\"emergency\"",
                                   "\"stages\"",         "\"steps\"",          "\"analysis\""};
  size_t position = 0;
  for (const std::string& key : keys) {
    size_t found = text.find("\n  " + key, position);
    ASSERT_NE(found, std::string::npos) << key;
    position = found;
  }
  EXPECT_NE(
      text.find(
          R"({"id": "wave1/r1/onebox", "stage": "wave1", "type": "onebox", "region": "r1", "zone": "a1", "hosts": ["a1-h01"], "traffic": 0.1, "bake_s": 3600, "after": ["gamma/bake"]})"),
      std::string::npos);
  EXPECT_NE(text.find(R"("windows": {)"), std::string::npos);
  EXPECT_NE(text.find(R"("emergency": null)"), std::string::npos);
  // Always written, so the runtime never guesses: a model that says nothing is `superseded`.
  EXPECT_NE(text.find("\n  \"kind\": \"code\",\n  \"execution_mode\": \"superseded\",\n"), std::string::npos);
}
