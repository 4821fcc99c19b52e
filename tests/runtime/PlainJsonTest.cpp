// The plain JSON parser (plan/PlainJson.h, issue 18) makes what llvm::json::parse
// makes, and every input it does not know is left to llvm::json with its
// messages: parseBoundedJson gives the same value or the same error as before.
#include "plan/BoundedJson.h"
#include "plan/PlainJson.h"
#include "plan/PlanDigest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace json = llvm::json;
using pipelang::planformat::parseBoundedJson;
using pipelang::planformat::parsePlainJson;

namespace {

// The value as its objects iterate (not sorted): the order a reader that
// walks an object meets its keys in, and numbers with their kind.
void iterationOrder(const json::Value& value, std::string& out) {
  switch (value.kind()) {
    case json::Value::Object:
      out += '{';
      for (const auto& [key, member] : *value.getAsObject()) {
        out += key.str() + ':';
        iterationOrder(member, out);
        out += ',';
      }
      out += '}';
      return;
    case json::Value::Array:
      out += '[';
      for (const auto& element : *value.getAsArray()) {
        iterationOrder(element, out);
        out += ',';
      }
      out += ']';
      return;
    case json::Value::Number: {
      // An int64 holds integers past 2^53 exactly; a double does not.
      auto integer = value.getAsInteger();
      out += integer ? "i" + std::to_string(*integer) : "d";
      pipelang::planformat::appendCompactJson(out, value);
      return;
    }
    default:
      pipelang::planformat::appendCompactJson(out, value);
  }
}

// parseBoundedJson (with the plain parser) against llvm::json::parse alone.
void expectSameAsLlvm(const std::string& text) {
  SCOPED_TRACE(text.size() < 200 ? text : text.substr(0, 200) + "...");
  auto ours = parseBoundedJson(text);
  auto reference = json::parse(text);
  ASSERT_EQ(bool(ours), bool(reference));
  if (!reference) {
    EXPECT_EQ(llvm::toString(ours.takeError()), llvm::toString(reference.takeError()));
    return;
  }
  std::string a, b;
  pipelang::planformat::appendCompactJson(a, *ours);
  pipelang::planformat::appendCompactJson(b, *reference);
  EXPECT_EQ(a, b);
  a.clear();
  b.clear();
  iterationOrder(*ours, a);
  iterationOrder(*reference, b);
  EXPECT_EQ(a, b);
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(PlainJson, EveryRuntimeFixtureParsesAsWithLlvmJsonAndOnTheFastPath) {
  size_t files = 0;
  for (const char* folder : {"plans", "scenarios"})
    for (const auto& entry : std::filesystem::directory_iterator(std::string(PIPE_RUNTIME_FIXTURES) + "/" + folder)) {
      if (entry.path().extension() != ".json") continue;
      std::string text = readFile(entry.path());
      expectSameAsLlvm(text);
      // pipec's plans and the scenarios are in the plain subset: none falls back.
      EXPECT_TRUE(parsePlainJson(text, {}).has_value()) << entry.path().filename();
      ++files;
    }
  EXPECT_GE(files, 20u);
}

TEST(PlainJson, ValuesOfEveryKindAreTheSame) {
  for (const char* text : {
           "null",
           "true",
           "false",
           " \t\r\n 0 \n",
           "-0",
           "7",
           "-12",
           "007",
           "123456789012345678",
           "-123456789012345678",
           "1234567890123456789",
           "9223372036854775807",
           "9223372036854775808",
           "18446744073709551616",
           "-9223372036854775809",
           "1.5",
           "-0.0",
           "1e5",
           "1E-3",
           "2.5e+10",
           "1e400",
           "+5",
           "1.",
           ".5",
           "1e",
           "--1",
           "1-2",
           "0x10",
           "\"\"",
           "\"plain\"",
           R"("a\"b\\c\/d\b\f\n\r\t")",
           R"("\u00e9\ud83d\ude00")",
           R"("\x")",
           "\"caf\xc3\xa9\"",
           "[]",
           "[ ]",
           "[1,2,3]",
           "[[],[[]],{}]",
           R"({"b":1,"a":[true,null],"c":{"d":"e"}})",
           R"({"a":1,"a":2})",
           R"({"a":[1,2],"a":{"x":1}})",
           R"({ "k" : [ 1 , "x" , { } ] , "z" : -3.25 })",
           "[1,]",
           "[,1]",
           "{\"a\"}",
           "{\"a\":}",
           "{a:1}",
           "[1 2]",
           "{\"a\":1,}",
           "[1] x",
           "",
           "   ",
           "nul",
           "tru",
           "nulll",
           "[\"unterminated]",
           "\"ctl\x01\"",
           "\"bad\xff\"",
           "[1.5e3, -2E2, 3.0, 1e-7, 6.02214076e23]",
       })
    expectSameAsLlvm(text);
}

TEST(PlainJson, ObjectsIterateInLlvmJsonsOrderWhateverTheirSize) {
  // json::Object is a hash table: its order depends on every insertion, growth included.
  std::string text = "{";
  for (int i = 0; i < 300; ++i)
    text += (i ? ",\"" : "\"") + std::to_string(i * 7919 % 1000) + "k\":[" + std::to_string(i) + "]";
  text += "}";
  expectSameAsLlvm(text);
}

TEST(PlainJson, WrongArraySizesCostTimeNotCorrectness) {
  auto value = parsePlainJson("[[1,2,3],[4]]", {0, 0, 7});
  ASSERT_TRUE(value.has_value());
  std::string out;
  pipelang::planformat::appendCompactJson(out, *value);
  EXPECT_EQ(out, "[[1,2,3],[4]]");
}

}  // namespace
