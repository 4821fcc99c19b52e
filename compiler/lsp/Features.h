// The answers to the language features of LSP, from a compiled Document.
#pragma once

#include "compiler/lsp/Document.h"

#include <llvm/Support/JSON.h>

namespace pipelang::lsp {

llvm::json::Array diagnosticsOf(const Document& document);
llvm::json::Array documentSymbols(const Document& document);
llvm::json::Value hover(const Document& document, SourceLoc at);
llvm::json::Value definition(const Document& document, SourceLoc at);
llvm::json::Array completion(const Document& document, SourceLoc at);
llvm::json::Array codeActions(const Document& document, SourceRange range);

}  // namespace pipelang::lsp
