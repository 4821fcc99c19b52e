// The lexer of Pipe.g4 written out by hand for ASCII sources: the same tokens
// (type, channel, start and stop index, line, column, text) as the generated
// PipeLexer, which spends about 1,200 instructions a token in ANTLR 4.9's
// lexer simulator, a quarter of `pipec check` (issue 18). Sources with any
// byte above 0x7F (whose indexes ANTLR counts in code points) keep the
// generated lexer. tests/compiler/HandLexerTest.cpp compares the two on every
// .pipe file of the source tree and on random texts.
#pragma once

#include <antlr4-runtime.h>

#include <string>

namespace pipelang {

class HandLexer : public antlr4::TokenSource {
 public:
  // Whether `text` is one HandLexer reads (ASCII only).
  static bool handles(const std::string& text);

  // `text` must outlive the lexer; `input` is the same text as a CharStream,
  // named as each token's source (tokens without text set read it from there).
  HandLexer(const std::string& text, antlr4::CharStream* input) : text_(text), input_(input) {}

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return line_; }
  size_t getCharPositionInLine() override { return column_; }
  antlr4::CharStream* getInputStream() override { return input_; }
  std::string getSourceName() override { return input_->getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

 private:
  // The end (one past) of the token starting at pos_, and its type and channel.
  size_t scan(size_t& type, size_t& channel) const;
  void advanceTo(size_t end);  // moves pos_, counting lines and columns as ANTLR does

  const std::string& text_;
  antlr4::CharStream* input_;
  size_t pos_ = 0, line_ = 1, column_ = 0;
};

}  // namespace pipelang
