// The tokens of a text by each of the two lexers, as plain values, so that a
// test can compare HandLexer with the generated PipeLexer without including
// ANTLR (compiler/syntax/ is the only place that does).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pipelang {

struct LexedToken {
  size_t type = 0, channel = 0;
  size_t start = 0, stop = 0;   // indexes of the first and last character (stop = start - 1 for EOF)
  size_t line = 0, column = 0;  // line from 1, column from 0, as ANTLR counts
  std::string text;             // getText(): "<EOF>" for the end
  bool operator==(const LexedToken&) const = default;
};

// Every token through EOF, hidden channel included.
std::vector<LexedToken> tokensOfGeneratedLexer(const std::string& text);
// The same by HandLexer; `text` must be ASCII (HandLexer::handles).
std::vector<LexedToken> tokensOfHandLexer(const std::string& text);
// A token type's name in the grammar ("IDENT", "EOF"), for messages.
std::string tokenTypeName(size_t type);

}  // namespace pipelang
