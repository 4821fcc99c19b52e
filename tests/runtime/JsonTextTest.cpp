// The one JSON writer of piperun's outputs (docs/runtime.md "Numbers in JSON
// output").
#include "runtime/text/JsonText.h"

#include <gtest/gtest.h>
#include <llvm/Support/raw_ostream.h>

#include <cmath>
#include <limits>

using pipelang::runtime::jsonText;
namespace json = llvm::json;

namespace {

std::string llvmText(const json::Value& value) {
  std::string text;
  llvm::raw_string_ostream out(text);
  out << value;
  out.flush();
  return text;
}

TEST(JsonText, WritesWhatLlvmWritesForEverythingButDoubles) {
  json::Value value = json::Object{
      {"zeta", "last key"},
      {"Alpha", "upper case sorts first"},
      {"controls", "tab\there\nnew line\r\x01\x1f\x7f \"quoted\" back\\slash"},
      {"unicode", "déploiement ✓ 🚀"},
      {"nested", json::Object{{"b", json::Array{1, -2, nullptr, true, false, json::Object{}, json::Array{}}},
                              {"a", json::Object{{"deep", json::Array{json::Object{{"x", "y"}}}}}}}},
      {"integers", json::Array{0, -1, std::numeric_limits<std::int64_t>::max(),
                               std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::uint64_t>::max(),
                               std::int64_t{100'000'000'000'000'000}, std::int64_t{-123'456'789'012'345'678}}},
      {"integral doubles", json::Array{3600.0, 1e6, 1e16, -42.0, 0.0}},
      {"\x01key \xc3\xa9", 1},
      {"", "empty key"}};
  EXPECT_EQ(jsonText(value), llvmText(value));
  EXPECT_EQ(jsonText(value).substr(0, 25), R"({"":"empty key","\u0001ke)");
}

TEST(JsonText, DoublesAreTheShortestTextThatReadsBackTheSame) {
  auto text = [](double d) { return jsonText(json::Value(d)); };
  EXPECT_EQ(llvmText(json::Value(0.05)), "0.050000000000000003");  // what users saw
  EXPECT_EQ(text(0.05), "0.05");
  EXPECT_EQ(text(0.1), "0.1");
  EXPECT_EQ(text(1e-7), "1e-07");
  EXPECT_EQ(text(1e21), "1e+21");
  EXPECT_EQ(text(1e17), "1e+17");
  EXPECT_EQ(text(-0.0), "-0");
  EXPECT_EQ(text(123456789.125), "123456789.125");
  EXPECT_EQ(text(0.9999999999999872), "0.9999999999999872");  // the writer does not round: values stay values
  EXPECT_EQ(text(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(text(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(text(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(text(-std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(jsonText(json::Object{{"value", 0.05}, {"t", std::int64_t{1764400000}}, {"w", json::Array{0.3, 2.5}}}),
            R"({"t":1764400000,"value":0.05,"w":[0.3,2.5]})");
  // Every one reads back as the same double.
  for (double d : {0.05, 0.1, 1e-7, 1e21, 123456789.125, 2.0 / 3, 5e-324, 1.7976931348623157e308, 0.001 * 3}) {
    auto parsed = json::parse(text(d));
    ASSERT_TRUE(bool(parsed)) << text(d);
    EXPECT_EQ(*parsed->getAsNumber(), d) << text(d);
  }
}

}  // namespace
