// The syntax phase: SourceBuffer -> owned AST + P-diagnostics. The only
// entry point to ANTLR; nothing outside compiler/syntax/ includes it.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/syntax/Ast.h"

#include <memory>
#include <string>

namespace pipelang {

// Deeper bracket or `not` nesting is rejected before parsing, so that no
// input can exhaust the stack of the recursive-descent parser.
inline constexpr int kMaxNesting = 200;
// After this many syntax errors in one file the rest are not reported.
inline constexpr int kMaxSyntaxErrorsPerFile = 100;

std::unique_ptr<ast::File> parseFile(const SourceManager& sources, FileId file, DiagnosticSink& sink);
// The same for a text that is not in a SourceManager yet: every range of the
// tree and of the diagnostics names `file` (a placeholder for a file parsed
// ahead of the loader, see retargetFile).
std::unique_ptr<ast::File> parseText(const std::string& text, FileId file, DiagnosticSink& sink);

// Call once on one thread before parsing on several at a time: sets ANTLR's
// shared start states, which its 4.9 runtime writes without a lock.
void prepareParsingOnThreads();

// Every range of a tree (or a diagnostic) parsed under a placeholder id now
// names `to`, the id the file got when the loader reached it.
void retargetFile(ast::File& file, FileId to);
void retargetDiagnostic(Diagnostic& diagnostic, FileId to);

}  // namespace pipelang
