#include "compiler/syntax/Parse.h"

#include "compiler/syntax/AstBuilder.h"
#include "compiler/syntax/HandLexer.h"

#include <PipeLexer.h>
#include <PipeParser.h>
#include <antlr4-runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>

namespace pipelang {

using pipegen::PipeLexer;
using pipegen::PipeParser;

namespace {

struct UnclosedBrace {
  SourceRange range;
  bool byIndentation = false;  // found by indentation, not as the innermost open `{`
  size_t closedByLine = 0;     // the line of the `}` that lines up with an outer block
};

SourceRange tokenRange(FileId file, antlr4::Token* token) {
  SourceRange range;
  range.file = file;
  range.begin = {static_cast<uint32_t>(token->getLine()), static_cast<uint32_t>(token->getCharPositionInLine() + 1)};
  range.end = range.begin;
  if (token->getType() != antlr4::Token::EOF && token->getTokenIndex() != INVALID_INDEX) {
    std::string text = token->getText();
    size_t newline = text.find('\n');
    range.end.column += codePointCount(std::string_view(text).substr(0, newline));
  }
  return range;
}

// What a token is, in words, for "expected ..." messages.
std::string describeTokenType(size_t type, const antlr4::dfa::Vocabulary& vocabulary) {
  switch (type) {
    case antlr4::Token::EOF:
      return "end of file";
    case PipeParser::IDENT:
      return "a name";
    case PipeParser::STRING:
      return "a string";
    case PipeParser::INTEGER:
      return "a whole number";
    case PipeParser::NUMBER:
      return "a number";
    case PipeParser::PERCENT:
      return "a percentage";
    case PipeParser::DURATION:
      return "a duration";
    case PipeParser::TIME:
      return "a time of day";
    default:
      break;
  }
  std::string literal(vocabulary.getLiteralName(type));
  if (literal.size() >= 2 && literal.front() == '\'') return "`" + literal.substr(1, literal.size() - 2) + "`";
  return std::string(vocabulary.getSymbolicName(type));
}

std::string describeToken(antlr4::Token* token) {
  if (token->getType() == antlr4::Token::EOF) return "end of file";
  std::string text = token->getText();
  if (codePointCount(text) > 24) {
    size_t cut = 0;
    for (int i = 0; i < 24 && cut < text.size(); ++i) {
      ++cut;
      while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
    }
    text = text.substr(0, cut) + "…";
  }
  return "`" + text + "`";
}

std::string joinWords(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// Turns ANTLR's expected-token set into words a user understands.
std::string describeExpected(const antlr4::misc::IntervalSet& expected, const antlr4::dfa::Vocabulary& vocabulary) {
  std::set<size_t> types;
  for (size_t type : expected.toList()) types.insert(type);
  auto has = [&](size_t t) { return types.count(t) > 0; };
  std::vector<std::string> words;
  // Operators that could continue an expression are never what the user missed.
  for (size_t op :
       {PipeParser::OR, PipeParser::AND, PipeParser::GT, PipeParser::GE, PipeParser::LT, PipeParser::LE, PipeParser::EQ,
        PipeParser::NE, PipeParser::FOR, PipeParser::EVERY, PipeParser::DOTDOT, PipeParser::DOT, PipeParser::LPAREN})
    if (types.size() > 1 && !(op == PipeParser::LPAREN && has(PipeParser::STRING))) types.erase(op);
  if (has(PipeParser::IMPORT) || (has(PipeParser::TEMPLATE) && has(antlr4::Token::EOF) && !has(PipeParser::IDENT))) {
    words.push_back("a declaration (`template`, `pipeline`, `topology` or `policy`)");
    for (size_t t :
         {PipeParser::IMPORT, PipeParser::TEMPLATE, PipeParser::PIPELINE, PipeParser::TOPOLOGY, PipeParser::POLICY})
      types.erase(t);
  }
  if (has(PipeParser::STRING) && has(PipeParser::INTEGER) && has(PipeParser::LBRACK)) {
    words.push_back("a value");
    for (size_t t : {PipeParser::STRING,   PipeParser::UNTERMINATED_STRING,
                     PipeParser::INTEGER,  PipeParser::NUMBER,
                     PipeParser::PERCENT,  PipeParser::DURATION,
                     PipeParser::TIME,     PipeParser::TRUE,
                     PipeParser::FALSE,    PipeParser::REST,
                     PipeParser::NONE,     PipeParser::IDENT,
                     PipeParser::LBRACK,   PipeParser::LPAREN,
                     PipeParser::NOT,      PipeParser::SUPER,
                     PipeParser::TEMPLATE, PipeParser::PIPELINE,
                     PipeParser::TOPOLOGY, PipeParser::POLICY})
      types.erase(t);
  }
  if (has(PipeParser::FINAL) && has(PipeParser::IDENT)) {
    words.push_back(has(PipeParser::RBRACE) ? "an attribute or a block" : "an attribute or a block");
    for (size_t t : {PipeParser::FINAL, PipeParser::IDENT, PipeParser::TEMPLATE, PipeParser::PIPELINE,
                     PipeParser::TOPOLOGY, PipeParser::POLICY})
      types.erase(t);
  }
  if (has(PipeParser::IDENT) && has(PipeParser::TEMPLATE)) {
    words.push_back("a name");
    for (size_t t :
         {PipeParser::IDENT, PipeParser::TEMPLATE, PipeParser::PIPELINE, PipeParser::TOPOLOGY, PipeParser::POLICY})
      types.erase(t);
  }
  if (has(PipeParser::STRING)) types.erase(PipeParser::UNTERMINATED_STRING);
  for (size_t type : types) words.push_back(describeTokenType(type, vocabulary));
  return joinWords(words);
}

// Reports syntax errors as P001 in the project's words and keeps ANTLR's
// recovery (single-token insertion/deletion, resynchronisation).
class SyntaxErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  SyntaxErrorStrategy(FileId file, DiagnosticSink& sink) : file_(file), sink_(sink) {}
  int errors = 0;
  // The `{` that a `}` missing at the end of the file would close (checkTokens).
  std::optional<UnclosedBrace> unclosed;

 protected:
  void reportNoViableAlternative(antlr4::Parser* parser, const antlr4::NoViableAltException& e) override {
    if (missingAssign(parser, e.getOffendingToken())) return;
    report(e.getOffendingToken(), fmt::format("unexpected {}; expected {}", describeToken(e.getOffendingToken()),
                                              describeExpected(parser->getExpectedTokens(), parser->getVocabulary())));
  }
  void reportInputMismatch(antlr4::Parser* parser, const antlr4::InputMismatchException& e) override {
    if (missingAssign(parser, e.getOffendingToken())) return;
    report(e.getOffendingToken(), fmt::format("unexpected {}; expected {}", describeToken(e.getOffendingToken()),
                                              describeExpected(e.getExpectedTokens(), parser->getVocabulary())));
  }
  void reportFailedPredicate(antlr4::Parser*, const antlr4::FailedPredicateException& e) override {
    report(e.getOffendingToken(), fmt::format("unexpected {}", describeToken(e.getOffendingToken())));
  }
  void reportUnwantedToken(antlr4::Parser* parser) override {
    if (inErrorRecoveryMode(parser)) return;
    beginErrorCondition(parser);
    antlr4::Token* token = parser->getCurrentToken();
    if (missingAssign(parser, token)) return;
    report(token, fmt::format("unexpected {}; expected {}", describeToken(token),
                              describeExpected(getExpectedTokens(parser), parser->getVocabulary())));
  }
  // Deleting a closing bracket to make the next token fit (ANTLR's default)
  // swallows the rest of the block: `bake = }` would take the next line's
  // name as its value. Resynchronise at the bracket instead.
  antlr4::Token* singleTokenDeletion(antlr4::Parser* parser) override {
    size_t next = parser->getInputStream()->LA(1);
    if (next == PipeParser::RBRACE || next == PipeParser::RBRACK || next == PipeParser::RPAREN) return nullptr;
    return DefaultErrorStrategy::singleTokenDeletion(parser);
  }

  void reportMissingToken(antlr4::Parser* parser) override {
    if (inErrorRecoveryMode(parser)) return;
    beginErrorCondition(parser);
    antlr4::Token* token = parser->getCurrentToken();
    if (missingAssign(parser, token)) return;
    report(token,
           fmt::format("expected {} before {}", describeExpected(getExpectedTokens(parser), parser->getVocabulary()),
                       describeToken(token)));
  }

 private:
  Diagnostic* report(antlr4::Token* token, std::string message) {
    // Every `{` has its `}`: a `}` wanted at the end of the file is the
    // recovery from an earlier error (which was reported), not a mistake.
    if (token->getType() == antlr4::Token::EOF && !unclosed && reported_ > 0) return nullptr;
    ++reported_;
    if (++errors > kMaxSyntaxErrorsPerFile) return nullptr;
    if (errors == kMaxSyntaxErrorsPerFile)
      message += " (too many syntax errors: the rest of this file is not reported)";
    Diagnostic& d = sink_.report(DiagCode::P001, tokenRange(file_, token), std::move(message));
    // A `}` missing at the end: say which `{` it would close.
    if (token->getType() == antlr4::Token::EOF && unclosed) {
      d.notes.push_back({unclosed->byIndentation
                             ? "this `{` seems to be the one left open: the `}` on line " +
                                   std::to_string(unclosed->closedByLine) + " lines up with an outer block"
                             : "this `{` is never closed",
                         unclosed->range});
    }
    return &d;
  }

  // `NAME VALUE` where `NAME = VALUE` was meant: the parser took VALUE for a
  // block's label and wants a `{`, or finds no rule for a value after a
  // name. Reported where the `=` is missing, right after the name.
  bool missingAssign(antlr4::Parser* parser, antlr4::Token* offending) {
    antlr4::Token* name = nullptr;
    antlr4::Token* value = nullptr;
    if (auto* block = dynamic_cast<PipeParser::BlockContext*>(parser->getContext());
        block && block->name() && block->label() && !block->LBRACE() && offending->getType() != PipeParser::LBRACE) {
      name = block->name()->getStart();
      value = block->label()->getStart();
      // `wave 1` or `stage gamma` (the labelled blocks of language.md §5) lacks its `{`, not an `=`.
      static const std::set<std::string> kLabelled{"stage", "region", "allow", "deny", "test", "wave"};
      if (value->getType() != PipeParser::STRING && kLabelled.count(name->getText())) return false;
    } else if (isValueStart(offending->getType()) && offending->getTokenIndex() > 0 &&
               (dynamic_cast<PipeParser::MemberContext*>(parser->getContext()) ||
                dynamic_cast<PipeParser::BodyContext*>(parser->getContext()))) {
      antlr4::TokenStream* tokens = parser->getTokenStream();
      for (ssize_t i = static_cast<ssize_t>(offending->getTokenIndex()) - 1; i >= 0; --i) {
        antlr4::Token* before = tokens->get(static_cast<size_t>(i));
        if (before->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
        if (before->getType() == PipeParser::IDENT && before->getLine() == offending->getLine()) name = before;
        break;
      }
      value = offending;
    }
    if (!name || !value) return false;
    SourceRange at = tokenRange(file_, name);
    at.begin = at.end;  // right after the name
    at.end.column = at.begin.column + 1;
    ++reported_;
    if (++errors > kMaxSyntaxErrorsPerFile) return true;
    Diagnostic& d = sink_.report(DiagCode::P001, at,
                                 fmt::format("missing `=` between `{}` and {}", name->getText(), describeToken(value)));
    d.help = fmt::format("an attribute is written `{} = {}`; a block is `NAME [LABEL] {{ ... }}`", name->getText(),
                         value->getText());
    d.fixes.push_back({"insert `=`", SourceRange{file_, at.begin, at.begin}, " ="});
    return true;
  }

  static bool isValueStart(size_t type) {
    switch (type) {
      case PipeParser::STRING:
      case PipeParser::INTEGER:
      case PipeParser::NUMBER:
      case PipeParser::PERCENT:
      case PipeParser::DURATION:
      case PipeParser::TIME:
      case PipeParser::TRUE:
      case PipeParser::FALSE:
      case PipeParser::LBRACK:
      case PipeParser::NONE:
      case PipeParser::REST:
        return true;
      default:
        return false;
    }
  }
  FileId file_;
  DiagnosticSink& sink_;
  int reported_ = 0;  // by the parser (errors also counts the token checks)
};

class SilentListener : public antlr4::BaseErrorListener {};

// Reports lexical problems and hides the offending tokens from the parser, so
// that one stray character is one diagnostic, not a cascade. Returns false
// when nesting is too deep to parse safely.
bool checkTokens(FileId file, antlr4::CommonTokenStream& tokens, DiagnosticSink& sink, int& errors,
                 std::optional<UnclosedBrace>& unclosed) {
  int depth = 0, notRun = 0;
  // Open `{` with the indentation of their line; the first `}` that lines up
  // with an outer block than the `{` it closes marks that `{` as suspect.
  struct Open {
    antlr4::Token* token;
    size_t indent;
  };
  std::vector<Open> braces;
  std::optional<UnclosedBrace> suspect;
  size_t lastLine = 0, lineIndent = 0;
  antlr4::Token* runStart = nullptr;
  std::string runText;
  auto flushRun = [&]() {
    if (!runStart) return;
    if (++errors <= kMaxSyntaxErrorsPerFile) {
      SourceRange range = tokenRange(file, runStart);
      range.end.column = range.begin.column + codePointCount(runText);
      bool printable =
          std::all_of(runText.begin(), runText.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7F; });
      std::string shown = printable && runText.size() <= 24 ? "`" + runText + "`" : "characters";
      sink.report(DiagCode::P001, range,
                  runText.size() == 1 || (printable && codePointCount(runText) == 1)
                      ? fmt::format("unexpected character {}", printable ? shown : "(a control character)")
                      : fmt::format("unexpected {}", shown));
    }
    runStart = nullptr;
    runText.clear();
  };
  for (antlr4::Token* token : tokens.getTokens()) {
    size_t type = token->getType();
    auto* writable = dynamic_cast<antlr4::WritableToken*>(token);
    if (type == PipeParser::ERROR_CHAR) {
      // Adjacent stray characters on one line make one diagnostic.
      if (runStart && (token->getLine() != runStart->getLine())) flushRun();
      if (!runStart) runStart = token;
      runText += token->getText();
      if (writable) writable->setChannel(antlr4::Token::HIDDEN_CHANNEL);
      continue;
    }
    if (token->getChannel() == antlr4::Token::DEFAULT_CHANNEL || type == PipeParser::UNTERMINATED_COMMENT) flushRun();
    if (type == PipeParser::UNTERMINATED_STRING) {
      if (++errors <= kMaxSyntaxErrorsPerFile)
        sink.report(DiagCode::P002, tokenRange(file, token),
                    "unterminated string: add the closing `\"` on the same line");
    } else if (type == PipeParser::UNTERMINATED_COMMENT) {
      SourceRange range = tokenRange(file, token);
      range.end.column = range.begin.column + 2;
      sink.report(DiagCode::P002, range, "unterminated comment: `/*` has no closing `*/`");
      if (writable) writable->setChannel(antlr4::Token::HIDDEN_CHANNEL);
    } else if (type == PipeParser::LBRACE || type == PipeParser::LBRACK || type == PipeParser::LPAREN) {
      ++depth;
    } else if (type == PipeParser::RBRACE || type == PipeParser::RBRACK || type == PipeParser::RPAREN) {
      depth = std::max(0, depth - 1);
    }
    if (token->getChannel() == antlr4::Token::DEFAULT_CHANNEL && type != antlr4::Token::EOF) {
      bool firstOnLine = token->getLine() != lastLine;
      if (firstOnLine) {
        lastLine = token->getLine();
        lineIndent = token->getCharPositionInLine();
      }
      if (type == PipeParser::LBRACE) braces.push_back({token, lineIndent});
      if (type == PipeParser::RBRACE && !braces.empty()) {
        Open open = braces.back();
        braces.pop_back();
        if (!suspect && firstOnLine && token->getLine() != open.token->getLine() && lineIndent < open.indent)
          suspect = UnclosedBrace{tokenRange(file, open.token), true, token->getLine()};
      }
    }
    if (token->getChannel() == antlr4::Token::DEFAULT_CHANNEL) notRun = type == PipeParser::NOT ? notRun + 1 : 0;
    if (depth + notRun > kMaxNesting) {
      flushRun();
      sink.report(DiagCode::P001, tokenRange(file, token),
                  fmt::format("nesting is deeper than {} levels; this file is not parsed further", kMaxNesting));
      return false;
    }
  }
  flushRun();
  if (!braces.empty()) unclosed = suspect ? suspect : UnclosedBrace{tokenRange(file, braces.back().token), false, 0};
  return true;
}

}  // namespace

std::unique_ptr<ast::File> parseFile(const SourceManager& sources, FileId file, DiagnosticSink& sink) {
  return parseText(sources.file(file).text, file, sink);
}

std::unique_ptr<ast::File> parseText(const std::string& text, FileId file, DiagnosticSink& sink) {
  antlr4::ANTLRInputStream input(text);
  SilentListener silent;
  // The same tokens either way (HandLexer.h); the hand-written one is about
  // ten times faster, the generated one counts non-ASCII text in code points.
  std::unique_ptr<antlr4::TokenSource> lexer;
  if (HandLexer::handles(text)) {
    lexer = std::make_unique<HandLexer>(text, &input);
  } else {
    auto generated = std::make_unique<PipeLexer>(&input);
    generated->removeErrorListeners();
    generated->addErrorListener(&silent);
    lexer = std::move(generated);
  }
  antlr4::CommonTokenStream tokens(lexer.get());
  tokens.fill();

  size_t before = sink.errorCount();
  int errors = 0;
  std::optional<UnclosedBrace> unclosed;
  if (!checkTokens(file, tokens, sink, errors, unclosed)) {
    auto result = std::make_unique<ast::File>();
    result->file = file;
    result->hasSyntaxErrors = true;
    return result;
  }

  PipeParser parser(&tokens);
  parser.removeErrorListeners();
  parser.addErrorListener(&silent);
  auto strategy = std::make_shared<SyntaxErrorStrategy>(file, sink);
  strategy->errors = errors;
  strategy->unclosed = unclosed;
  parser.setErrorHandler(strategy);
  // SLL is enough for this LL(2) grammar and much faster than full LL.
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  PipeParser::FileContext* tree = parser.file();

  AstBuilder builder(file, tokens, sink);
  std::unique_ptr<ast::File> result = builder.build(tree);
  result->hasSyntaxErrors = sink.errorCount() > before;
  return result;
}

// ANTLR 4.9's C++ runtime shares one prediction DFA per grammar between all
// parsers and guards its states and edges with locks, but sets each DFA's
// start state (`s0`, one per parser decision and lexer mode) without one and
// reads it without one. Setting them all here, on one thread, before any
// parser runs on another, leaves only locked writes for the threads.
void prepareParsingOnThreads() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Every token once: the lexer's one mode gets its start state, and each
    // decision below has a token stream to predict on.
    antlr4::ANTLRInputStream input(
        "import \"x\" template A extends B { final a = not (1 < 2) and [x.y, f(1s, 09:00..10:00)] "
        "or 5% for 2 of 3 every 1m b = super.c d = 1.5 e = true f = false g = rest h = none i { } } $");
    PipeLexer lexer(&input);
    SilentListener silent;
    lexer.removeErrorListeners();
    lexer.addErrorListener(&silent);
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    PipeParser parser(&tokens);
    parser.removeErrorListeners();
    parser.addErrorListener(&silent);
    auto* simulator = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
    simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    for (size_t decision = 0; decision < parser.getATN().getNumberOfDecisions(); ++decision) {
      tokens.seek(0);
      try {
        simulator->adaptivePredict(&tokens, decision, &antlr4::ParserRuleContext::EMPTY);
      } catch (...) {
        // No viable alternative on this input: the start state is set all the same.
      }
    }
  });
}

namespace {

void retarget(SourceRange& range, FileId to) {
  if (range.file != kNoFile) range.file = to;
}

void retarget(ast::Expr& expr, FileId to) {
  retarget(expr.range, to);
  retarget(expr.periodRange, to);
  for (SourceRange& range : expr.pathRanges) retarget(range, to);
  for (ast::ExprPtr& arg : expr.args)
    if (arg) retarget(*arg, to);
}

void retarget(ast::Body& body, FileId to) {
  retarget(body.range, to);
  for (ast::Member& member : body.members) {
    if (ast::Attribute* attribute = member.attribute.get()) {
      retarget(attribute->finalRange, to);
      retarget(attribute->nameRange, to);
      retarget(attribute->range, to);
      if (attribute->value) retarget(*attribute->value, to);
    }
    if (ast::Block* block = member.block.get()) {
      retarget(block->finalRange, to);
      retarget(block->typeRange, to);
      retarget(block->label.range, to);
      retarget(block->range, to);
      retarget(block->body, to);
    }
  }
}

}  // namespace

void retargetFile(ast::File& file, FileId to) {
  file.file = to;
  for (ast::Import& import : file.imports) retarget(import.range, to);
  for (ast::Comment& comment : file.comments) retarget(comment.range, to);
  for (std::unique_ptr<ast::Declaration>& declaration : file.declarations) {
    retarget(declaration->kindRange, to);
    retarget(declaration->nameRange, to);
    retarget(declaration->extendsRange, to);
    retarget(declaration->range, to);
    retarget(declaration->body, to);
  }
}

void retargetDiagnostic(Diagnostic& diagnostic, FileId to) {
  retarget(diagnostic.range, to);
  for (DiagNote& note : diagnostic.notes) retarget(note.range, to);
  for (FixIt& fix : diagnostic.fixes) retarget(fix.range, to);
}

}  // namespace pipelang
