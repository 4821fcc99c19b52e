#include "compiler/lsp/Positions.h"

namespace pipelang::lsp {

namespace json = llvm::json;

namespace {
// Length in bytes of the UTF-8 sequence starting with `lead` (text is valid UTF-8).
size_t sequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  return 4;
}
}  // namespace

llvm::json::Object toLspPosition(const SourceManager& sources, FileId file, SourceLoc loc) {
  if (loc.line == 0) return json::Object{{"line", 0}, {"character", 0}};
  std::string_view text = sources.lineText(file, loc.line);
  int64_t units = 0;
  size_t offset = 0;
  for (uint32_t column = 1; column < loc.column && offset < text.size(); ++column) {
    size_t length = sequenceLength(static_cast<unsigned char>(text[offset]));
    units += length == 4 ? 2 : 1;  // outside the BMP: a surrogate pair
    offset += length;
  }
  if (offset >= text.size() && loc.column > 1) units += loc.column - 1 - codePointCount(text);
  return json::Object{{"line", static_cast<int64_t>(loc.line) - 1}, {"character", units}};
}

llvm::json::Object toLspRange(const SourceManager& sources, SourceRange range) {
  return json::Object{{"start", toLspPosition(sources, range.file, range.begin)},
                      {"end", toLspPosition(sources, range.file, range.end)}};
}

SourceLoc fromLspPosition(std::string_view text, int64_t line, int64_t character) {
  size_t start = 0;
  for (int64_t l = 0; l < line; ++l) {
    size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) return {static_cast<uint32_t>(line + 1), 1};
    start = newline + 1;
  }
  uint32_t column = 1;
  int64_t units = 0;
  for (size_t offset = start; offset < text.size() && text[offset] != '\n' && units < character;) {
    size_t length = sequenceLength(static_cast<unsigned char>(text[offset]));
    units += length == 4 ? 2 : 1;
    offset += length;
    ++column;
  }
  return {static_cast<uint32_t>(line + 1), column};
}

}  // namespace pipelang::lsp
