#include "compiler/syntax/AstBuilder.h"

#include "compiler/syntax/Literals.h"

#include <antlr4-runtime.h>

namespace pipelang {

using pipegen::PipeParser;

namespace {

// Tokens conjured by ANTLR's error recovery have no place in the source.
bool isReal(antlr4::Token* token) {
  return token && token->getTokenIndex() != INVALID_INDEX && token->getType() != antlr4::Token::EOF;
}

std::string textOf(antlr4::Token* token) {
  return isReal(token) ? token->getText() : std::string();
}

// The first child that is a rule context, or null. The generated accessors
// (`literal()`, `call()`, `NOT()`...) each scan the children with a
// dynamic_cast per child; a value's chain of rules asked a dozen of them per
// literal, a tenth of `pipec check`'s parse (docs/performance.md, session 8).
antlr4::ParserRuleContext* firstRuleChild(antlr4::ParserRuleContext* context) {
  for (antlr4::tree::ParseTree* child : context->children)
    if (auto* rule = dynamic_cast<antlr4::ParserRuleContext*>(child)) return rule;
  return nullptr;
}

// The children of a declaration, attribute or block, found in one pass as
// the generated accessors would return them (the first rule child of each
// rule, the first token of each type): each accessor scans every child with
// a cross-cast, and these contexts asked up to ten of them, the parse's
// largest share of `__dynamic_cast` (docs/performance.md, session 8).
struct Parts {
  PipeParser::DeclKindContext* declKind = nullptr;
  PipeParser::NameContext* name = nullptr;
  PipeParser::RefContext* ref = nullptr;
  PipeParser::LabelContext* label = nullptr;
  PipeParser::BodyContext* body = nullptr;
  PipeParser::ExprContext* expr = nullptr;
  antlr4::tree::TerminalNode* finalToken = nullptr;
  antlr4::tree::TerminalNode* extendsToken = nullptr;
  antlr4::tree::TerminalNode* lbrace = nullptr;
};

template <typename T>
void keepFirst(T*& slot, antlr4::ParserRuleContext* rule) {
  if (!slot) slot = static_cast<T*>(rule);
}

void keepFirst(antlr4::tree::TerminalNode*& slot, antlr4::tree::TerminalNode* terminal) {
  if (!slot) slot = terminal;
}

Parts partsOf(antlr4::ParserRuleContext* context) {
  Parts parts;
  for (antlr4::tree::ParseTree* child : context->children) {
    if (auto* rule = dynamic_cast<antlr4::ParserRuleContext*>(child)) {
      switch (rule->getRuleIndex()) {
        case PipeParser::RuleDeclKind:
          keepFirst(parts.declKind, rule);
          break;
        case PipeParser::RuleName:
          keepFirst(parts.name, rule);
          break;
        case PipeParser::RuleRef:
          keepFirst(parts.ref, rule);
          break;
        case PipeParser::RuleLabel:
          keepFirst(parts.label, rule);
          break;
        case PipeParser::RuleBody:
          keepFirst(parts.body, rule);
          break;
        case PipeParser::RuleExpr:
          keepFirst(parts.expr, rule);
          break;
        default:
          break;
      }
    } else if (auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
      switch (terminal->getSymbol()->getType()) {
        case PipeParser::FINAL:
          keepFirst(parts.finalToken, terminal);
          break;
        case PipeParser::EXTENDS:
          keepFirst(parts.extendsToken, terminal);
          break;
        case PipeParser::LBRACE:
          keepFirst(parts.lbrace, terminal);
          break;
        default:
          break;
      }
    }
  }
  return parts;
}

ast::ExprPtr makeExpr(ast::ExprKind kind, SourceRange range) {
  auto expr = std::make_unique<ast::Expr>();
  expr->kind = kind;
  expr->range = range;
  return expr;
}

}  // namespace

const char* ast::declKindName(DeclKind kind) {
  switch (kind) {
    case DeclKind::Template:
      return "template";
    case DeclKind::Pipeline:
      return "pipeline";
    case DeclKind::Topology:
      return "topology";
    case DeclKind::Policy:
      return "policy";
  }
  return "";
}

SourceRange AstBuilder::rangeOf(antlr4::Token* token) const {
  if (!token) return {};
  SourceRange range;
  range.file = file_;
  range.begin = {static_cast<uint32_t>(token->getLine()), static_cast<uint32_t>(token->getCharPositionInLine() + 1)};
  range.end = range.begin;
  if (!isReal(token)) return range;
  // getText() converts the token from UTF-32 each time it is called, and every
  // node asks for the ranges of its first and last tokens: a token on one
  // line ends its length in code points (the stream's indices) further on.
  size_t type = token->getType();
  if (type != PipeParser::BLOCK_COMMENT && type != PipeParser::UNTERMINATED_COMMENT && type != PipeParser::WS) {
    range.end.column += static_cast<uint32_t>(token->getStopIndex() + 1 - token->getStartIndex());
    return range;
  }
  // Walk the text of a token that may span lines (block comments).
  for (unsigned char c : token->getText()) {
    if (c == '\n') {
      ++range.end.line;
      range.end.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++range.end.column;
    }
  }
  return range;
}

SourceRange AstBuilder::rangeOf(antlr4::ParserRuleContext* context) const {
  if (!context) return {};
  SourceRange begin = rangeOf(context->getStart());
  antlr4::Token* stop = context->getStop();
  if (!stop || stop->getTokenIndex() < context->getStart()->getTokenIndex() || !isReal(stop)) return begin;
  begin.end = rangeOf(stop).end;
  return begin;
}

void AstBuilder::malformed(antlr4::Token* token, const std::string& message) {
  sink_.report(DiagCode::P003, rangeOf(token), message);
}

std::unique_ptr<ast::File> AstBuilder::build(PipeParser::FileContext* context) {
  auto file = std::make_unique<ast::File>();
  file->file = file_;
  for (auto* import : context->importDecl()) {
    antlr4::Token* token = import->STRING() ? import->STRING()->getSymbol() : nullptr;
    if (!isReal(token)) continue;
    LiteralResult<std::string> path = unescapeString(token->getText());
    if (!path.ok()) malformed(token, path.error);
    file->imports.push_back({path.value, rangeOf(token)});
  }
  for (auto* declaration : context->declaration())
    if (auto decl = this->declaration(declaration)) file->declarations.push_back(std::move(decl));
  for (antlr4::Token* token : tokens_.getTokens()) {
    size_t type = token->getType();
    if (type == PipeParser::LINE_COMMENT || type == PipeParser::BLOCK_COMMENT)
      file->comments.push_back({token->getText(), rangeOf(token)});
  }
  return file;
}

std::unique_ptr<ast::Declaration> AstBuilder::declaration(PipeParser::DeclarationContext* context) {
  Parts parts = partsOf(context);
  if (!parts.declKind || !parts.name) return nullptr;
  auto decl = std::make_unique<ast::Declaration>();
  auto* kind = parts.declKind;
  if (kind->TEMPLATE())
    decl->kind = ast::DeclKind::Template;
  else if (kind->PIPELINE())
    decl->kind = ast::DeclKind::Pipeline;
  else if (kind->TOPOLOGY())
    decl->kind = ast::DeclKind::Topology;
  else
    decl->kind = ast::DeclKind::Policy;
  decl->kindRange = rangeOf(kind);
  decl->name = textOf(parts.name->getStart());
  decl->nameRange = rangeOf(parts.name);
  if (decl->name.empty()) return nullptr;
  if (parts.extendsToken && parts.ref) {
    decl->hasExtends = true;
    for (auto* name : parts.ref->name()) decl->extendsPath.push_back(textOf(name->getStart()));
    decl->extendsRange = rangeOf(parts.ref);
  }
  decl->body.range = rangeOf(context);
  if (parts.lbrace) decl->body.range.begin = rangeOf(parts.lbrace->getSymbol()).begin;
  if (parts.body) body(parts.body, decl->body);
  decl->range = rangeOf(context);
  return decl;
}

void AstBuilder::body(PipeParser::BodyContext* context, ast::Body& out) {
  for (auto* member : context->member()) {
    ast::Member item;
    if (member->attribute())
      item.attribute = attribute(member->attribute());
    else if (member->block())
      item.block = block(member->block());
    if (item.attribute || item.block) out.members.push_back(std::move(item));
  }
}

std::unique_ptr<ast::Attribute> AstBuilder::attribute(PipeParser::AttributeContext* context) {
  Parts parts = partsOf(context);
  if (!parts.name) return nullptr;
  auto attribute = std::make_unique<ast::Attribute>();
  if (parts.finalToken) {
    attribute->isFinal = true;
    attribute->finalRange = rangeOf(parts.finalToken->getSymbol());
  }
  attribute->name = textOf(parts.name->getStart());
  if (attribute->name.empty()) return nullptr;
  attribute->nameRange = rangeOf(parts.name);
  attribute->value = parts.expr ? expr(parts.expr) : errorExpr(context);
  attribute->range = rangeOf(context);
  return attribute;
}

std::unique_ptr<ast::Block> AstBuilder::block(PipeParser::BlockContext* context) {
  Parts parts = partsOf(context);
  if (!parts.name) return nullptr;
  auto block = std::make_unique<ast::Block>();
  if (parts.finalToken) {
    block->isFinal = true;
    block->finalRange = rangeOf(parts.finalToken->getSymbol());
  }
  block->type = textOf(parts.name->getStart());
  if (block->type.empty()) return nullptr;
  block->typeRange = rangeOf(parts.name);
  if (auto* label = parts.label) {
    antlr4::Token* token = label->getStart();
    if (isReal(token)) {
      block->label.range = rangeOf(token);
      if (label->STRING()) {
        block->label.kind = ast::LabelKind::String;
        LiteralResult<std::string> text = unescapeString(token->getText());
        if (!text.ok()) malformed(token, text.error);
        block->label.text = text.value;
      } else {
        block->label.kind = label->INTEGER() ? ast::LabelKind::Integer : ast::LabelKind::Ident;
        block->label.text = token->getText();
        // One identity per number: `wave 01` is `wave 1` to the merge, the checks and the plan.
        if (label->INTEGER()) {
          size_t zeros = block->label.text.find_first_not_of('0');
          block->label.text = zeros == std::string::npos ? "0" : block->label.text.substr(zeros);
        }
      }
    }
  }
  if (parts.body) body(parts.body, block->body);
  block->range = rangeOf(context);
  block->body.range = block->range;
  if (parts.lbrace) block->body.range.begin = rangeOf(parts.lbrace->getSymbol()).begin;
  return block;
}

ast::ExprPtr AstBuilder::errorExpr(antlr4::ParserRuleContext* context) {
  return makeExpr(ast::ExprKind::Error, rangeOf(context));
}

ast::ExprPtr AstBuilder::expr(PipeParser::ExprContext* context) {
  auto* first = context->orExpr();
  if (!first) return errorExpr(context);
  ast::ExprPtr inner = orExpr(first);
  auto* suffix = context->conditionSuffix();
  if (!suffix) return inner;
  auto condition = makeExpr(ast::ExprKind::Condition, rangeOf(context));
  auto integerOf = [&](antlr4::tree::TerminalNode* node) -> int64_t {
    antlr4::Token* token = node ? node->getSymbol() : nullptr;
    if (!isReal(token)) return 0;
    LiteralResult<int64_t> value = parseInteger(token->getText());
    if (!value.ok()) malformed(token, value.error);
    return value.value;
  };
  condition->m = integerOf(suffix->INTEGER(0));
  condition->n = integerOf(suffix->INTEGER(1));
  if (suffix->DURATION() && isReal(suffix->DURATION()->getSymbol())) {
    antlr4::Token* token = suffix->DURATION()->getSymbol();
    LiteralResult<int64_t> period = parseDurationMillis(token->getText());
    if (!period.ok()) malformed(token, period.error);
    condition->periodMillis = period.value;
    condition->periodWritten = period.ok();
    condition->periodRange = rangeOf(token);
  }
  condition->args.push_back(std::move(inner));
  return condition;
}

ast::ExprPtr AstBuilder::orExpr(PipeParser::OrExprContext* context) {
  auto operands = context->andExpr();
  if (operands.size() == 1) return andExpr(operands[0]);
  auto result = makeExpr(ast::ExprKind::Or, rangeOf(context));
  for (auto* operand : operands) result->args.push_back(andExpr(operand));
  return result;
}

ast::ExprPtr AstBuilder::andExpr(PipeParser::AndExprContext* context) {
  auto operands = context->notExpr();
  if (operands.size() == 1) return notExpr(operands[0]);
  auto result = makeExpr(ast::ExprKind::And, rangeOf(context));
  for (auto* operand : operands) result->args.push_back(notExpr(operand));
  return result;
}

ast::ExprPtr AstBuilder::notExpr(PipeParser::NotExprContext* context) {
  // `compare` is the second alternative's only child: no NOT to look for.
  antlr4::ParserRuleContext* only = firstRuleChild(context);
  if (only && only->getRuleIndex() == PipeParser::RuleCompare)
    return compare(static_cast<PipeParser::CompareContext*>(only));
  if (context->NOT()) {
    auto result = makeExpr(ast::ExprKind::Not, rangeOf(context));
    result->args.push_back(context->notExpr() ? notExpr(context->notExpr()) : errorExpr(context));
    return result;
  }
  return context->compare() ? compare(context->compare()) : errorExpr(context);
}

ast::ExprPtr AstBuilder::compare(PipeParser::CompareContext* context) {
  auto sides = context->rangeExpr();
  if (sides.empty()) return errorExpr(context);
  if (!context->cmpOp() || sides.size() < 2) return rangeExpr(sides[0]);
  auto result = makeExpr(ast::ExprKind::Compare, rangeOf(context));
  result->text = context->cmpOp()->getText();
  result->args.push_back(rangeExpr(sides[0]));
  result->args.push_back(rangeExpr(sides[1]));
  return result;
}

ast::ExprPtr AstBuilder::rangeExpr(PipeParser::RangeExprContext* context) {
  auto ends = context->primary();
  if (ends.empty()) return errorExpr(context);
  if (!context->DOTDOT() || ends.size() < 2) return primary(ends[0]);
  auto result = makeExpr(ast::ExprKind::Range, rangeOf(context));
  result->args.push_back(primary(ends[0]));
  result->args.push_back(primary(ends[1]));
  return result;
}

ast::ExprPtr AstBuilder::primary(PipeParser::PrimaryContext* context) {
  // Each alternative has one rule child, which says which alternative it is.
  antlr4::ParserRuleContext* only = firstRuleChild(context);
  switch (only ? only->getRuleIndex() : INVALID_INDEX) {
    case PipeParser::RuleLiteral:
      return literal(static_cast<PipeParser::LiteralContext*>(only));
    case PipeParser::RuleCall:
      return call(static_cast<PipeParser::CallContext*>(only));
    case PipeParser::RuleRef:
      return ref(static_cast<PipeParser::RefContext*>(only));
    case PipeParser::RuleList:
      return list(static_cast<PipeParser::ListContext*>(only));
    case PipeParser::RuleExpr: {
      ast::ExprPtr inner = expr(static_cast<PipeParser::ExprContext*>(only));
      inner->parenthesized = true;
      return inner;
    }
    default:
      return errorExpr(context);
  }
}

ast::ExprPtr AstBuilder::literal(PipeParser::LiteralContext* context) {
  antlr4::Token* token = context->getStart();
  if (!isReal(token)) return errorExpr(context);
  std::string text = token->getText();
  auto result = makeExpr(ast::ExprKind::Error, rangeOf(token));
  result->spelling = text;
  switch (token->getType()) {
    case PipeParser::STRING:
    case PipeParser::UNTERMINATED_STRING: {  // P002 was reported by the lexer check
      LiteralResult<std::string> value = unescapeString(text);
      if (!value.ok()) malformed(token, value.error);
      result->kind = ast::ExprKind::String;
      result->text = value.value;
      break;
    }
    case PipeParser::INTEGER: {
      LiteralResult<int64_t> value = parseInteger(text);
      if (!value.ok()) {
        malformed(token, value.error);
        return result;
      }
      result->kind = ast::ExprKind::Integer;
      result->integer = value.value;
      break;
    }
    case PipeParser::NUMBER: {
      LiteralResult<double> value = parseNumber(text);
      if (!value.ok()) {
        malformed(token, value.error);
        return result;
      }
      result->kind = ast::ExprKind::Number;
      result->number = value.value;
      break;
    }
    case PipeParser::PERCENT: {
      LiteralResult<double> value = parsePercent(text);
      if (!value.ok()) {
        malformed(token, value.error);
        return result;
      }
      result->kind = ast::ExprKind::Percent;
      result->number = value.value;
      break;
    }
    case PipeParser::DURATION: {
      LiteralResult<int64_t> value = parseDurationMillis(text);
      if (!value.ok()) {
        malformed(token, value.error);
        return result;
      }
      result->kind = ast::ExprKind::Duration;
      result->millis = value.value;
      break;
    }
    case PipeParser::TIME: {
      LiteralResult<int> value = parseTimeOfDay(text);
      if (!value.ok()) {
        malformed(token, value.error);
        return result;
      }
      result->kind = ast::ExprKind::Time;
      result->minutes = value.value;
      break;
    }
    case PipeParser::TRUE:
    case PipeParser::FALSE:
      result->kind = ast::ExprKind::Bool;
      result->boolean = token->getType() == PipeParser::TRUE;
      break;
    case PipeParser::REST:
      result->kind = ast::ExprKind::Rest;
      break;
    case PipeParser::NONE:
      result->kind = ast::ExprKind::None;
      break;
    default:
      break;
  }
  return result;
}

ast::ExprPtr AstBuilder::call(PipeParser::CallContext* context) {
  auto result = makeExpr(ast::ExprKind::Call, rangeOf(context));
  result->text = context->name() ? textOf(context->name()->getStart()) : "";
  result->pathRanges.push_back(rangeOf(context->name()));
  for (auto* argument : context->expr()) result->args.push_back(expr(argument));
  return result;
}

ast::ExprPtr AstBuilder::ref(PipeParser::RefContext* context) {
  auto result = makeExpr(ast::ExprKind::Ref, rangeOf(context));
  result->isSuper = context->SUPER() != nullptr;
  for (auto* name : context->name()) {
    std::string text = textOf(name->getStart());
    if (text.empty()) return errorExpr(context);
    result->path.push_back(text);
    result->pathRanges.push_back(rangeOf(name));
  }
  if (result->path.empty()) return errorExpr(context);
  return result;
}

ast::ExprPtr AstBuilder::list(PipeParser::ListContext* context) {
  auto result = makeExpr(ast::ExprKind::List, rangeOf(context));
  for (auto* item : context->expr()) result->args.push_back(expr(item));
  return result;
}

}  // namespace pipelang
