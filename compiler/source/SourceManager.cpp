#include "compiler/source/SourceManager.h"

namespace pipelang {

FileId SourceManager::addFile(std::string displayName, std::string path, std::string text, bool isStdlib) {
  SourceFile file{std::move(displayName), std::move(path), std::move(text), {0}, isStdlib};
  for (size_t i = 0; i < file.text.size(); ++i)
    if (file.text[i] == '\n') file.lineStarts.push_back(i + 1);
  files_.push_back(std::move(file));
  return static_cast<FileId>(files_.size() - 1);
}

std::string_view SourceManager::lineText(FileId id, uint32_t line) const {
  if (id >= files_.size() || line == 0) return {};
  const SourceFile& file = files_[id];
  if (line > file.lineStarts.size()) return {};
  size_t start = file.lineStarts[line - 1];
  size_t end = line < file.lineStarts.size() ? file.lineStarts[line] - 1 : file.text.size();
  std::string_view text(file.text);
  std::string_view result = text.substr(start, end - start);
  if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
  return result;
}

FileId SourceManager::findByPath(std::string_view path) const {
  for (size_t i = 0; i < files_.size(); ++i)
    if (files_[i].path == path) return static_cast<FileId>(i);
  return kNoFile;
}

namespace {
// Length of the valid UTF-8 sequence at text[i], or 0 when invalid.
size_t validSequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length;
  uint32_t min;
  if ((lead & 0xE0) == 0xC0)
    length = 2, min = 0x80;
  else if ((lead & 0xF0) == 0xE0)
    length = 3, min = 0x800;
  else if ((lead & 0xF8) == 0xF0)
    length = 4, min = 0x10000;
  else
    return 0;
  if (i + length > text.size()) return 0;
  uint32_t cp = lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}
}  // namespace

std::string sanitizeUtf8(std::string_view bytes, std::vector<size_t>* badOffsets) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    size_t length = validSequenceLength(bytes, i);
    if (length == 0) {
      if (badOffsets) badOffsets->push_back(out.size());
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(bytes.substr(i, length));
    i += length;
  }
  return out;
}

uint32_t codePointCount(std::string_view text) {
  uint32_t count = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++count;
  return count;
}

}  // namespace pipelang
