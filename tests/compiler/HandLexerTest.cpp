// compiler/syntax/HandLexer gives the generated PipeLexer's tokens exactly
// (type, channel, indexes, line, column, text): on every .pipe file of the
// source tree and on random texts made of the characters where the rules
// meet (digits, dots, quotes, escapes, comment marks, line ends).
#include "compiler/syntax/LexerCheck.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace pipelang {
namespace {

std::string describe(const std::vector<LexedToken>& tokens, size_t at) {
  if (at >= tokens.size()) return "(none)";
  const LexedToken& t = tokens[at];
  return fmt::format("{} channel {} [{}..{}] line {} column {} '{}'", tokenTypeName(t.type), t.channel, t.start, t.stop,
                     t.line, t.column, t.text);
}

// The first token where the two lexers differ, or "" when they agree.
std::string firstDifference(const std::string& text) {
  auto generated = tokensOfGeneratedLexer(text);
  auto hand = tokensOfHandLexer(text);
  for (size_t i = 0; i < std::max(generated.size(), hand.size()); ++i)
    if (i >= generated.size() || i >= hand.size() || !(generated[i] == hand[i]))
      return fmt::format("token {}: generated {}, hand {}", i, describe(generated, i), describe(hand, i));
  return "";
}

TEST(HandLexer, GivesTheGeneratedLexersTokensForEverySourceInTheTree) {
  namespace fs = std::filesystem;
  int files = 0;
  for (const char* folder : {"examples", "tests", "std", "bench", "editors"}) {
    fs::path root = fs::path(PIPE_SOURCE_DIR) / folder;
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".pipe") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
      if (!ascii) continue;  // the generated lexer reads those
      ++files;
      EXPECT_EQ(firstDifference(text), "") << entry.path();
    }
  }
  EXPECT_GT(files, 100);
}

TEST(HandLexer, GivesTheGeneratedLexersTokensWhereRulesMeet) {
  for (const char* text : {"",       "1",        "1.5",           "1.5%",       "5%",      "1.%",
                           "1..5",   "1.5.3",    "10h30",         "1_000",      "1e5",     "12:30",
                           "12:",    "1:2.5",    "a-b",           "import",     "imports", "_",
                           "-a",     "\"a\\\"",  "\"a\\",         "\"a\\\nb\"", "\"a\nb",  "\"\\\\\"",
                           "/",      "//x\r\ny", "/* a */",       "/* a",       "/*/",     "/* * / **/",
                           "/* ***", "a=b",      "a==b",          "!",          "!=",      ">=<=<>",
                           "..",     "...",      "\r\n\t\f ",     "{[()]},",    "x.y",     "09:00..10:00",
                           "$",      "\x01\x7f", "\"tab\there\"", "a\n\n  b"}) {
    EXPECT_EQ(firstDifference(text), "") << fmt::format("{:?}", text);
  }
}

TEST(HandLexer, GivesTheGeneratedLexersTokensOnRandomTexts) {
  const std::string alphabet = "0123456789..%:\"\"\\/**\n\r\t -_abzAZ=<>!{}[](),#e h";
  std::mt19937 random(20261130);
  for (int round = 0; round < 20000; ++round) {
    std::string text(random() % 24, ' ');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    std::string difference = firstDifference(text);
    ASSERT_EQ(difference, "") << fmt::format("{:?}", text);
  }
}

}  // namespace
}  // namespace pipelang
