// Internal to compiler/syntax (included only by Parse.cpp and AstBuilder.cpp):
// the one place that turns ANTLR parse-tree contexts into the owned AST.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/syntax/Ast.h"

#include <PipeParser.h>

#include <memory>

namespace pipelang {

class AstBuilder {
 public:
  AstBuilder(FileId file, antlr4::CommonTokenStream& tokens, DiagnosticSink& sink)
      : file_(file), tokens_(tokens), sink_(sink) {}

  std::unique_ptr<ast::File> build(pipegen::PipeParser::FileContext* context);

 private:
  std::unique_ptr<ast::Declaration> declaration(pipegen::PipeParser::DeclarationContext* context);
  void body(pipegen::PipeParser::BodyContext* context, ast::Body& out);
  std::unique_ptr<ast::Attribute> attribute(pipegen::PipeParser::AttributeContext* context);
  std::unique_ptr<ast::Block> block(pipegen::PipeParser::BlockContext* context);
  ast::ExprPtr expr(pipegen::PipeParser::ExprContext* context);
  ast::ExprPtr orExpr(pipegen::PipeParser::OrExprContext* context);
  ast::ExprPtr andExpr(pipegen::PipeParser::AndExprContext* context);
  ast::ExprPtr notExpr(pipegen::PipeParser::NotExprContext* context);
  ast::ExprPtr compare(pipegen::PipeParser::CompareContext* context);
  ast::ExprPtr rangeExpr(pipegen::PipeParser::RangeExprContext* context);
  ast::ExprPtr primary(pipegen::PipeParser::PrimaryContext* context);
  ast::ExprPtr literal(pipegen::PipeParser::LiteralContext* context);
  ast::ExprPtr call(pipegen::PipeParser::CallContext* context);
  ast::ExprPtr ref(pipegen::PipeParser::RefContext* context);
  ast::ExprPtr list(pipegen::PipeParser::ListContext* context);
  ast::ExprPtr errorExpr(antlr4::ParserRuleContext* context);

  SourceRange rangeOf(antlr4::Token* token) const;
  SourceRange rangeOf(antlr4::ParserRuleContext* context) const;
  void malformed(antlr4::Token* token, const std::string& message);

  FileId file_;
  antlr4::CommonTokenStream& tokens_;
  DiagnosticSink& sink_;
};

}  // namespace pipelang
