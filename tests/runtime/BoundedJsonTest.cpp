// Deep JSON is an error, never a stack overflow (issue 11 §4, case deep-json).
#include "compiler/plan/BoundedJson.h"
#include "runtime/plan/PlanReader.h"
#include "runtime/sim/Scenario.h"

#include <gtest/gtest.h>

#include <string>

using pipelang::planformat::parseBoundedJson;

namespace {

std::string nested(unsigned depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(BoundedJson, AcceptsNestingUpToTheLimit) {
  auto value = parseBoundedJson(nested(512));
  ASSERT_TRUE(bool(value)) << llvm::toString(value.takeError());
}

TEST(BoundedJson, RefusesNestingBeyondTheLimit) {
  auto value = parseBoundedJson(nested(513));
  ASSERT_FALSE(bool(value));
  EXPECT_EQ(llvm::toString(value.takeError()), "JSON nests deeper than 512 levels");
}

TEST(BoundedJson, BracketsInsideStringsDoNotCount) {
  std::string text = "{\"a\": \"" + std::string(2000, '[') + "\\\"" + std::string(2000, '{') + "\"}";
  auto value = parseBoundedJson(text);
  ASSERT_TRUE(bool(value)) << llvm::toString(value.takeError());
}

TEST(BoundedJson, AMillionLevelsAreRefusedNotACrash) {
  std::string text;
  for (int i = 0; i < 1000000; ++i) text += "{\"a\":";
  auto value = parseBoundedJson(text);
  ASSERT_FALSE(bool(value));
  EXPECT_EQ(llvm::toString(value.takeError()), "JSON nests deeper than 512 levels");
}

TEST(BoundedJson, PlanReaderRefusesDeepInputWithAShapeError) {
  auto plan = pipelang::runtime::parsePlan("{\"schema\": " + nested(100000) + "}", "deep.json");
  ASSERT_FALSE(bool(plan));
  EXPECT_EQ(llvm::toString(plan.takeError()), "deep.json: plan: not valid JSON: JSON nests deeper than 512 levels");
}

}  // namespace
