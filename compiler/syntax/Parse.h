// The syntax phase: SourceBuffer -> owned AST + P-diagnostics. The only
// entry point to ANTLR; nothing outside compiler/syntax/ includes it.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/syntax/Ast.h"

#include <memory>

namespace pipelang {

// Deeper bracket or `not` nesting is rejected before parsing, so that no
// input can exhaust the stack of the recursive-descent parser.
inline constexpr int kMaxNesting = 200;
// After this many syntax errors in one file the rest are not reported.
inline constexpr int kMaxSyntaxErrorsPerFile = 100;

std::unique_ptr<ast::File> parseFile(const SourceManager& sources, FileId file, DiagnosticSink& sink);

}  // namespace pipelang
