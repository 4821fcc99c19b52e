// Where the cursor is in the syntax tree of one file: the declaration, the
// blocks around it and the attribute or block header under it. Hover,
// completion and definition all start from here.
#pragma once

#include "compiler/sema/Schema.h"
#include "compiler/syntax/Ast.h"

#include <optional>
#include <string>
#include <vector>

namespace pipelang::lsp {

struct CursorPlace {
  const ast::Declaration* declaration = nullptr;  // whose text holds the cursor
  std::vector<const ast::Block*> blocks;          // whose bodies hold the cursor, outermost first
  const ast::Attribute* attribute = nullptr;      // of the innermost body, whose text holds the cursor
  bool onAttributeName = false;
  const ast::Block* header = nullptr;  // of the innermost body, whose type or label holds the cursor

  // The schema context of the innermost body; none inside an unknown block.
  std::optional<sema::Context> context() const;
};

CursorPlace placeAt(const ast::File& file, SourceLoc at);

// The identifier-like word (letters, digits, `_`, `-`) around the cursor in
// a line of `file`; *afterSuper tells whether `super.` comes just before it.
std::string wordAt(const SourceManager& sources, FileId file, SourceLoc at, bool* afterSuper = nullptr);

// Inclusive at both ends, so a cursor just after a word is on it.
inline bool touches(SourceRange range, SourceLoc at) {
  return range.valid() && range.begin <= at && at <= range.end;
}

}  // namespace pipelang::lsp
