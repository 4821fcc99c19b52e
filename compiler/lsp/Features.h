// The answers to the language features of LSP, from a compiled Document.
#pragma once

#include "compiler/lsp/Document.h"

#include <llvm/Support/JSON.h>

#include <vector>

namespace pipelang::lsp {

llvm::json::Array diagnosticsOf(const Document& document);
llvm::json::Array documentSymbols(const Document& document);
// `open`: every open document (this one too), whose compilations say which
// declarations inherit from a template or policy under the cursor.
llvm::json::Value hover(const Document& document, SourceLoc at, const std::vector<const Document*>& open);
llvm::json::Value definition(const Document& document, SourceLoc at);
llvm::json::Array completion(const Document& document, SourceLoc at);
llvm::json::Array codeActions(const Document& document, SourceRange range);

}  // namespace pipelang::lsp
