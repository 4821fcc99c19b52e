#include "compiler/lsp/Cursor.h"

#include <algorithm>
#include <cctype>

namespace pipelang::lsp {

namespace {

// Strictly between the braces: just before `{` or just after `}` is outside.
bool inside(const ast::Body& body, SourceLoc at) {
  return body.range.valid() && body.range.begin < at && at < body.range.end;
}

}  // namespace

std::optional<sema::Context> CursorPlace::context() const {
  if (!declaration) return std::nullopt;
  sema::Context context = sema::declarationContext(declaration->kind);
  for (const ast::Block* block : blocks) {
    const sema::BlockSpec* spec = sema::findBlock(context, block->type);
    if (!spec) return std::nullopt;
    context = spec->context;
  }
  return context;
}

CursorPlace placeAt(const ast::File& file, SourceLoc at) {
  CursorPlace place;
  for (const auto& declaration : file.declarations)
    if (declaration && touches(declaration->range, at)) place.declaration = declaration.get();
  if (!place.declaration) return place;
  const ast::Body* body = &place.declaration->body;
  if (!inside(*body, at)) return place;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (const ast::Member& member : body->members) {
      if (const ast::Attribute* attribute = member.attribute.get(); attribute && touches(attribute->range, at)) {
        place.attribute = attribute;
        place.onAttributeName = touches(attribute->nameRange, at);
      } else if (const ast::Block* block = member.block.get()) {
        if (inside(block->body, at)) {
          place.blocks.push_back(block);
          place.attribute = nullptr;
          body = &block->body;
          deeper = true;
          break;
        }
        if (touches(block->typeRange, at) || touches(block->label.range, at)) place.header = block;
      }
    }
  }
  return place;
}

std::string wordAt(const SourceManager& sources, FileId file, SourceLoc at, bool* afterSuper) {
  std::string_view line = sources.lineText(file, at.line);
  auto isWordChar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  // Identifiers are ASCII, so up to the word's end a code point column is a byte column.
  size_t position = std::min<size_t>(at.column == 0 ? 0 : at.column - 1, line.size());
  size_t begin = position, end = position;
  while (begin > 0 && isWordChar(line[begin - 1])) --begin;
  while (end < line.size() && isWordChar(line[end])) ++end;
  if (afterSuper) *afterSuper = line.substr(0, begin).ends_with("super.");
  return std::string(line.substr(begin, end - begin));
}

}  // namespace pipelang::lsp
