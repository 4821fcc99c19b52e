// An event's detail (runtime/engine/EventDetail.h) says what an
// llvm::json::Object with the same fields says: the same journal bytes, the
// first of a key given twice, the same typed answers.
#include "runtime/engine/EventDetail.h"

#include "plan/PlanDigest.h"

#include <gtest/gtest.h>

namespace pipelang::runtime {
namespace {

namespace json = llvm::json;

TEST(EventDetail, WritesTheJournalBytesOfTheSameObject) {
  std::vector<std::string> hosts{"east-a-h01", "east-a-h\"02"};
  EventDetail detail{{"why", "p99 > 0.5\n"}, {"hosts", json::Array(llvm::ArrayRef<std::string>(hosts))},
                     {"bake_s", 3600},       {"global_exposure", 0.05},
                     {"quiet", false},       {"alarm", nullptr}};
  json::Value object = json::Object{{"why", "p99 > 0.5\n"}, {"hosts", json::Array(llvm::ArrayRef<std::string>(hosts))},
                                    {"bake_s", 3600},       {"global_exposure", 0.05},
                                    {"quiet", false},       {"alarm", nullptr}};
  std::string written, expected;
  detail.appendJson(written);
  planformat::appendCompactJson(expected, object);
  EXPECT_EQ(written, expected);
  EXPECT_EQ(written,
            "{\"alarm\":null,\"bake_s\":3600,\"global_exposure\":0.050000000000000003,"
            "\"hosts\":[\"east-a-h01\",\"east-a-h\\\"02\"],\"quiet\":false,\"why\":\"p99 > 0.5\\n\"}");
}

TEST(EventDetail, KeepsItsFieldsInOrderAndTheFirstOfAKey) {
  EventDetail detail{{"trigger", "approval"}, {"by", "ana"}, {"trigger", "blocker"}};
  std::vector<std::string> keys;
  for (const auto& [key, value] : detail) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"trigger", "by"}));
  EXPECT_EQ(detail.getString("trigger").getValueOr(""), "approval");
  std::string written;
  detail.appendJson(written);
  EXPECT_EQ(written, "{\"by\":\"ana\",\"trigger\":\"approval\"}");
}

TEST(EventDetail, AnswersByTypeAsAJsonObjectDoes) {
  EventDetail detail{{"bake_s", 60}, {"quiet", true}, {"scope", "east"}};
  EXPECT_EQ(detail.getInteger("bake_s").getValueOr(-1), 60);
  EXPECT_TRUE(detail.getBoolean("quiet").getValueOr(false));
  EXPECT_FALSE(detail.getBoolean("scope").hasValue()) << "a string is not a boolean";
  EXPECT_FALSE(detail.getString("missing").hasValue());
  EXPECT_EQ(detail.get("missing"), nullptr);
  EXPECT_TRUE(EventDetail{}.empty());
}

}  // namespace
}  // namespace pipelang::runtime
