// The one place where positions change units: the compiler counts columns
// in code points (1-based), LSP counts UTF-16 code units (0-based).
#pragma once

#include "compiler/source/SourceManager.h"

#include <llvm/Support/JSON.h>

namespace pipelang::lsp {

llvm::json::Object toLspPosition(const SourceManager& sources, FileId file, SourceLoc loc);
llvm::json::Object toLspRange(const SourceManager& sources, SourceRange range);
// An LSP position (0-based line, UTF-16 character) in a text -> SourceLoc.
SourceLoc fromLspPosition(std::string_view text, int64_t line, int64_t character);

}  // namespace pipelang::lsp
