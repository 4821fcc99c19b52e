#include "compiler/syntax/HandLexer.h"

#include <PipeLexer.h>

#include <algorithm>
#include <cstring>

namespace pipelang {

namespace {

using L = pipegen::PipeLexer;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isWordChar(char c) {
  return isLetter(c) || isDigit(c);
}

// The keywords, each its own rule before IDENT: an IDENT of exactly that text is the keyword.
size_t keywordOr(const char* word, size_t length) {
  struct Keyword {
    const char* text;
    size_t type;
  };
  static const Keyword kKeywords[] = {{"import", L::IMPORT},     {"template", L::TEMPLATE}, {"pipeline", L::PIPELINE},
                                      {"topology", L::TOPOLOGY}, {"policy", L::POLICY},     {"extends", L::EXTENDS},
                                      {"final", L::FINAL},       {"super", L::SUPER},       {"true", L::TRUE},
                                      {"false", L::FALSE},       {"and", L::AND},           {"or", L::OR},
                                      {"not", L::NOT},           {"for", L::FOR},           {"of", L::OF},
                                      {"every", L::EVERY},       {"rest", L::REST},         {"none", L::NONE}};
  if (length > 8) return L::IDENT;
  for (const auto& keyword : kKeywords)
    if (std::strlen(keyword.text) == length && std::memcmp(keyword.text, word, length) == 0) return keyword.type;
  return L::IDENT;
}

}  // namespace

bool HandLexer::handles(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

size_t HandLexer::scan(size_t& type, size_t& channel) const {
  const std::string& s = text_;
  const size_t n = s.size();
  size_t i = pos_;
  auto at = [&](size_t k) { return k < n ? s[k] : '\0'; };
  channel = antlr4::Token::DEFAULT_CHANNEL;
  // A one-character token; a token of two when `second` follows, else of one.
  auto single = [&](size_t kind) {
    type = kind;
    return i + 1;
  };
  auto pair = [&](char second, size_t two, size_t one) {
    if (at(i + 1) == second) {
      type = two;
      return i + 2;
    }
    return single(one);
  };
  char c = s[i];
  switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '\f': {
      size_t j = i + 1;
      while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n' || s[j] == '\f')) ++j;
      type = L::WS;
      channel = antlr4::Token::HIDDEN_CHANNEL;
      return j;
    }
    case '/':
      if (at(i + 1) == '/') {
        size_t j = i + 2;
        while (j < n && s[j] != '\r' && s[j] != '\n') ++j;
        type = L::LINE_COMMENT;
        channel = antlr4::Token::HIDDEN_CHANNEL;
        return j;
      }
      if (at(i + 1) == '*') {
        size_t close = s.find("*/", i + 2);
        channel = antlr4::Token::HIDDEN_CHANNEL;
        if (close == std::string::npos) {
          type = L::UNTERMINATED_COMMENT;  // to the end of the file
          return n;
        }
        type = L::BLOCK_COMMENT;
        return close + 2;
      }
      break;
    case '"': {
      // STRING when a closing quote comes before a line end; else
      // UNTERMINATED_STRING up to it (a backslash before a line end or the
      // end of the file cannot be an escape and is not part of it).
      size_t j = i + 1;
      for (;;) {
        if (j >= n || s[j] == '\r' || s[j] == '\n') {
          type = L::UNTERMINATED_STRING;
          return j;
        }
        if (s[j] == '"') {
          type = L::STRING;
          return j + 1;
        }
        if (s[j] == '\\') {
          if (j + 1 >= n || s[j + 1] == '\r' || s[j + 1] == '\n') {
            type = L::UNTERMINATED_STRING;
            return j;
          }
          j += 2;
        } else {
          ++j;
        }
      }
    }
    case '{':
      return single(L::LBRACE);
    case '}':
      return single(L::RBRACE);
    case '[':
      return single(L::LBRACK);
    case ']':
      return single(L::RBRACK);
    case '(':
      return single(L::LPAREN);
    case ')':
      return single(L::RPAREN);
    case ',':
      return single(L::COMMA);
    case '.':
      return pair('.', L::DOTDOT, L::DOT);
    case '=':
      return pair('=', L::EQ, L::ASSIGN);
    case '>':
      return pair('=', L::GE, L::GT);
    case '<':
      return pair('=', L::LE, L::LT);
    case '!':
      return pair('=', L::NE, L::ERROR_CHAR);  // a lone `!` is no token of the grammar
    default:
      break;
  }
  if (isDigit(c)) {
    size_t j = i + 1;
    while (isDigit(at(j))) ++j;
    if (at(j) == '.' && isDigit(at(j + 1))) {  // NUMBER, or PERCENT with a fraction
      size_t k = j + 2;
      while (isDigit(at(k))) ++k;
      if (at(k) == '%') {
        type = L::PERCENT;
        return k + 1;
      }
      type = L::NUMBER;
      return k;
    }
    if (at(j) == '%') {
      type = L::PERCENT;
      return j + 1;
    }
    if (isLetter(at(j))) {  // any digits-then-letters word
      size_t k = j + 1;
      while (isWordChar(at(k))) ++k;
      type = L::DURATION;
      return k;
    }
    if (at(j) == ':' && isDigit(at(j + 1))) {
      size_t k = j + 2;
      while (isDigit(at(k))) ++k;
      type = L::TIME;
      return k;
    }
    type = L::INTEGER;
    return j;
  }
  if (isLetter(c)) {
    size_t j = i + 1;
    while (isWordChar(at(j)) || at(j) == '-') ++j;
    type = keywordOr(s.data() + i, j - i);
    return j;
  }
  type = L::ERROR_CHAR;  // one character (ASCII only here)
  return i + 1;
}

void HandLexer::advanceTo(size_t end) {
  for (; pos_ < end; ++pos_) {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 0;
    } else {
      ++column_;
    }
  }
}

std::unique_ptr<antlr4::Token> HandLexer::nextToken() {
  size_t line = line_, column = column_, start = pos_;
  auto token = [&](size_t type, size_t channel, size_t stop) {
    auto made = std::make_unique<antlr4::CommonToken>(
        std::make_pair<antlr4::TokenSource*, antlr4::CharStream*>(this, static_cast<antlr4::CharStream*>(input_)), type,
        channel, start, stop);
    made->setLine(line);
    made->setCharPositionInLine(column);
    return made;
  };
  if (pos_ >= text_.size()) return token(antlr4::Token::EOF, antlr4::Token::DEFAULT_CHANNEL, pos_ - 1);
  size_t type = 0, channel = 0;
  size_t end = scan(type, channel);
  advanceTo(end);
  auto made = token(type, channel, end - 1);
  // Its text now, from the bytes (ASCII: the same as the CharStream's), not
  // decoded again from the CharStream each time the AST builder asks.
  made->setText(text_.substr(start, end - start));
  return made;
}

}  // namespace pipelang
