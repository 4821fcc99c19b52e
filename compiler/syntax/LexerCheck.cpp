#include "compiler/syntax/LexerCheck.h"

#include "compiler/syntax/HandLexer.h"

#include <PipeLexer.h>
#include <antlr4-runtime.h>

namespace pipelang {

namespace {

std::vector<LexedToken> drain(antlr4::TokenSource& source) {
  antlr4::CommonTokenStream tokens(&source);
  tokens.fill();
  std::vector<LexedToken> out;
  for (antlr4::Token* token : tokens.getTokens())
    out.push_back({token->getType(), token->getChannel(), token->getStartIndex(), token->getStopIndex(),
                   token->getLine(), token->getCharPositionInLine(), token->getText()});
  return out;
}

class Silent : public antlr4::BaseErrorListener {};

}  // namespace

std::vector<LexedToken> tokensOfGeneratedLexer(const std::string& text) {
  antlr4::ANTLRInputStream input(text);
  pipegen::PipeLexer lexer(&input);
  Silent silent;
  lexer.removeErrorListeners();
  lexer.addErrorListener(&silent);
  return drain(lexer);
}

std::vector<LexedToken> tokensOfHandLexer(const std::string& text) {
  antlr4::ANTLRInputStream input(text);
  HandLexer lexer(text, &input);
  return drain(lexer);
}

std::string tokenTypeName(size_t type) {
  if (type == antlr4::Token::EOF) return "EOF";
  antlr4::ANTLRInputStream empty("");
  return std::string(pipegen::PipeLexer(&empty).getVocabulary().getSymbolicName(type));
}

}  // namespace pipelang
