// The answers to the language features of LSP, from a compiled Document.
#pragma once

#include "compiler/lsp/Document.h"

#include <llvm/Support/JSON.h>

#include <set>
#include <vector>

namespace pipelang::lsp {

// The diagnostics of `file` in `compilation` (checks.md §1: code, range,
// message and help), and for each import of it that brings in files not open
// in the editor (`open`: canonical paths) and with errors, one error on the
// import: the first error's code, "imported file `F` has N errors: PLACE:
// MESSAGE", and every error as related information at its own place.
llvm::json::Array diagnosticsOf(const Compilation& compilation, FileId file, const std::set<std::string>& open);
llvm::json::Array documentSymbols(const Document& document);
// `open`: every open document (this one too), whose compilations say which
// declarations inherit from a template or policy under the cursor.
llvm::json::Value hover(const Document& document, SourceLoc at, const std::vector<const Document*>& open);
llvm::json::Value definition(const Document& document, SourceLoc at);
llvm::json::Array completion(const Document& document, SourceLoc at);
llvm::json::Array codeActions(const Document& document, SourceRange range);

}  // namespace pipelang::lsp
