// A readable dump of the syntax tree with source ranges (`pipec parse --dump-ast`).
#pragma once

#include "compiler/syntax/Ast.h"

#include <string>

namespace pipelang {

std::string dumpAst(const ast::File& file);
std::string dumpExpr(const ast::Expr& expr);

}  // namespace pipelang
