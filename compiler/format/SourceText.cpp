#include "compiler/format/SourceText.h"

namespace pipelang {

size_t byteOffsetOf(const SourceFile& file, SourceLoc loc) {
  if (loc.line == 0 || loc.line > file.lineStarts.size()) return file.text.size();
  size_t offset = file.lineStarts[loc.line - 1];
  for (uint32_t column = 1; column < loc.column && offset < file.text.size(); ++column) {
    if (file.text[offset] == '\n') break;
    ++offset;
    while (offset < file.text.size() && (static_cast<unsigned char>(file.text[offset]) & 0xC0) == 0x80) ++offset;
  }
  return offset;
}

std::string_view sourceText(const SourceManager& sources, SourceRange range) {
  if (!range.valid()) return {};
  const SourceFile& file = sources.file(range.file);
  size_t begin = byteOffsetOf(file, range.begin);
  size_t end = byteOffsetOf(file, range.end);
  if (end < begin) return {};
  return std::string_view(file.text).substr(begin, end - begin);
}

}  // namespace pipelang
