#include "compiler/plan/PlanDigest.h"
#include "runtime/plan/PlanReader.h"

#include <gtest/gtest.h>
#include <llvm/Support/MemoryBuffer.h>

using namespace pipelang::runtime;

namespace {

std::string fixture(const std::string& name) {
  auto buffer = llvm::MemoryBuffer::getFile(std::string(PIPE_RUNTIME_FIXTURES "/plans/") + name);
  if (!buffer) throw std::runtime_error("missing fixture " + name);
  return (*buffer)->getBuffer().str();
}

// Re-serialises a plan after `edit`, re-signed (or not) with the shared digest.
std::string edited(const std::string& text, const std::function<void(llvm::json::Object&)>& edit, bool resign) {
  auto json = llvm::json::parse(text);
  edit(*json->getAsObject());
  if (resign) (*json->getAsObject())["digest"] = pipelang::planformat::computeDigest(*json);
  std::string out;
  llvm::raw_string_ostream stream(out);
  stream << *json;
  stream.flush();
  return out;
}

TEST(PlanReader, ReadsTheGlobalFixture) {
  auto plan = parsePlan(fixture("global.plan.json"), "global");
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  EXPECT_EQ(plan->pipeline, "OrderService");
  EXPECT_EQ(plan->stages.size(), 6u);
  EXPECT_EQ(plan->steps.size(), 180u);
  EXPECT_TRUE(plan->windows.has_value());
  EXPECT_EQ(plan->windows->timezone, "America/Los_Angeles");
  EXPECT_EQ(plan->alarms.at("high_faults").m, 3);
}

TEST(PlanReader, RefusesATamperedPlan) {
  std::string text = edited(
      fixture("global.plan.json"), [](llvm::json::Object& o) { o["artifact"] = "evil"; }, false);
  auto plan = parsePlan(text, "tampered.json");
  ASSERT_FALSE(bool(plan));
  std::string message = llvm::toString(plan.takeError());
  EXPECT_NE(message.find("tampered.json: digest: digest mismatch"), std::string::npos) << message;
}

// A large plan's digest is hashed on a second thread while it is converted
// (DigestCheck): its error still wins over a shape error found meanwhile, a
// re-signed plan gets the shape error, and a plan returned before its digest
// is known says the digest's error when the caller waits for it.
TEST(PlanReader, ALargePlansDigestErrorWinsOverEveryLaterError) {
  std::string large = fixture("region30.plan.json");
  ASSERT_GE(large.size(), pipelang::planformat::kDigestThreadFrom) << "the fixture no longer takes the thread's path";
  auto badStep = [](llvm::json::Object& o) { (*(*o["steps"].getAsArray())[3].getAsObject())["type"] = "bogus"; };
  auto expectError = [](llvm::Expected<Plan> plan, const std::string& wanted) {
    ASSERT_FALSE(bool(plan));
    std::string message = llvm::toString(plan.takeError());
    EXPECT_NE(message.find(wanted), std::string::npos) << message;
  };
  std::string tamperedShape = edited(large, badStep, false);
  expectError(parsePlan(tamperedShape, "big.json"), "big.json: digest: digest mismatch");
  {
    pipelang::planformat::DigestCheck check;
    expectError(pipelang::planformat::parsePlan(tamperedShape, "big.json", check), "big.json: digest: digest mismatch");
  }
  expectError(parsePlan(edited(large, badStep, true), "big.json"), "big.json: steps[3]: unknown step type 'bogus'");

  std::string tampered = edited(
      large, [](llvm::json::Object& o) { o["artifact"] = "evil"; }, false);
  expectError(parsePlan(tampered, "big.json"), "big.json: digest: digest mismatch");
  pipelang::planformat::DigestCheck check;
  auto early = pipelang::planformat::parsePlan(tampered, "big.json", check);
  ASSERT_TRUE(bool(early)) << llvm::toString(early.takeError());
  EXPECT_EQ(early->artifact, "evil");
  for (int asked = 0; asked < 2; ++asked) {  // the same answer every time
    std::string message = llvm::toString(check.wait());
    EXPECT_NE(message.find("big.json: digest: digest mismatch"), std::string::npos) << message;
  }
  pipelang::planformat::DigestCheck good;
  auto plan = pipelang::planformat::parsePlan(large, "big.json", good);
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  EXPECT_FALSE(bool(good.wait()));
}

TEST(PlanReader, RefusesATruncatedPlan) {
  std::string text = fixture("global.plan.json");
  auto plan = parsePlan(text.substr(0, text.size() / 2), "cut.json");
  ASSERT_FALSE(bool(plan));
  EXPECT_NE(llvm::toString(plan.takeError()).find("not valid JSON"), std::string::npos);
}

TEST(PlanReader, RefusesUnknownMajorSchema) {
  std::string text = edited(
      fixture("global.plan.json"), [](llvm::json::Object& o) { o["schema"] = "pipe.plan/v2"; }, true);
  auto plan = parsePlan(text, "future.json");
  ASSERT_FALSE(bool(plan));
  std::string message = llvm::toString(plan.takeError());
  EXPECT_NE(message.find("major version this piperun does not know"), std::string::npos) << message;
}

TEST(PlanReader, RefusesAStepAfterAnUnknownStep) {
  std::string text = edited(
      fixture("crash.plan.json"),
      [](llvm::json::Object& o) {
        auto* steps = o.getArray("steps");
        (*(*steps)[1].getAsObject())["after"] = llvm::json::Array{"nowhere"};
      },
      true);
  auto plan = parsePlan(text, "dag.json");
  ASSERT_FALSE(bool(plan));
  EXPECT_NE(llvm::toString(plan.takeError()).find("comes after unknown step 'nowhere'"), std::string::npos);
}

std::string refusal(const std::string& fixtureName, const std::function<void(llvm::json::Object&)>& edit) {
  auto plan = parsePlan(edited(fixture(fixtureName), edit, true), "edited.json");
  if (plan) return "accepted";
  return llvm::toString(plan.takeError());
}

// Two stages or steps with one id would both run, or one never finish (case wave-label-01).
TEST(PlanReader, RefusesDuplicateStageAndStepIds) {
  std::string stage = refusal("global.plan.json", [](llvm::json::Object& o) {
    auto* stages = o.getArray("stages");
    stages->push_back(llvm::json::Value((*stages)[1]));
  });
  EXPECT_NE(stage.find("edited.json: stages[6]: duplicate stage id 'wave1'"), std::string::npos) << stage;
  std::string step = refusal("crash.plan.json", [](llvm::json::Object& o) {
    auto* steps = o.getArray("steps");
    steps->push_back(llvm::json::Value((*steps)[0]));
  });
  EXPECT_NE(step.find("duplicate step id"), std::string::npos) << step;
}

// An unknown zone would be walked in UTC by the C library: refused, and TZ is
// never set from a path.
TEST(PlanReader, RefusesAnUnknownTimeZone) {
  for (const char* zone : {"Mars/Olympus_Mons", "../../../../etc/passwd", "/usr/share/zoneinfo/UTC", "", "America"}) {
    std::string message =
        refusal("global.plan.json", [&](llvm::json::Object& o) { (*o.getObject("windows"))["timezone"] = zone; });
    EXPECT_NE(message.find("windows.timezone: unknown time zone '" + std::string(zone) + "'"), std::string::npos)
        << message;
  }
  EXPECT_EQ(refusal("global.plan.json",
                    [](llvm::json::Object& o) { (*o.getObject("windows"))["timezone"] = "Europe/Berlin"; }),
            "accepted");
}

// A plan whose waves leave a region out has a null time to global; it still runs.
TEST(PlanReader, ReadsAPlanThatNeverReachesGlobal) {
  EXPECT_EQ(refusal("global.plan.json",
                    [](llvm::json::Object& o) {
                      auto* analysis = o.getObject("analysis");
                      (*analysis)["time_to_global_s"] = nullptr;
                      (*analysis)["time_to_global_business_days"] = nullptr;
                    }),
            "accepted");
}

// What `piperun serve` does with versions waiting for the first stage. The
// fixtures predate the field: a plan without it means "superseded".
TEST(PlanReader, ReadsTheExecutionModeAndDefaultsOldPlansToSuperseded) {
  auto old = parsePlan(fixture("global.plan.json"), "global");
  ASSERT_TRUE(bool(old)) << llvm::toString(old.takeError());
  EXPECT_EQ(old->executionMode, "superseded");
  for (const char* mode : {"superseded", "queued"}) {
    auto plan =
        parsePlan(edited(
                      fixture("global.plan.json"), [&](llvm::json::Object& o) { o["execution_mode"] = mode; }, true),
                  "edited.json");
    ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
    EXPECT_EQ(plan->executionMode, mode);
  }
}

TEST(PlanReader, RefusesAnUnknownExecutionMode) {
  EXPECT_EQ(refusal("global.plan.json", [](llvm::json::Object& o) { o["execution_mode"] = "Queued"; }),
            "edited.json: execution_mode: unknown execution mode 'Queued' (superseded or queued)");
  EXPECT_EQ(refusal("global.plan.json", [](llvm::json::Object& o) { o["execution_mode"] = ""; }),
            "edited.json: execution_mode: unknown execution mode '' (superseded or queued)");
  // Shown escaped: a plan cannot put a line of its own into piperun's output.
  EXPECT_EQ(refusal("global.plan.json", [](llvm::json::Object& o) { o["execution_mode"] = "queued\npiperun: ok"; }),
            "edited.json: execution_mode: unknown execution mode 'queued\\npiperun: ok' (superseded or queued)");
  for (llvm::json::Value wrong : {llvm::json::Value(nullptr), llvm::json::Value(1), llvm::json::Value(true),
                                  llvm::json::Value(llvm::json::Array{"queued"})})
    EXPECT_EQ(refusal("global.plan.json", [&](llvm::json::Object& o) { o["execution_mode"] = wrong; }),
              "edited.json: execution_mode: must be a string, superseded or queued");
}

}  // namespace
