// Owns the text of every loaded file and maps (line, column) back to it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pipelang {

using FileId = uint32_t;
inline constexpr FileId kNoFile = UINT32_MAX;

// 1-based line and column; columns count Unicode code points. 0 = unknown.
struct SourceLoc {
  uint32_t line = 0;
  uint32_t column = 0;
  friend bool operator==(const SourceLoc&, const SourceLoc&) = default;
  friend auto operator<=>(const SourceLoc&, const SourceLoc&) = default;
};

// [begin, end): end is the position just after the last character.
struct SourceRange {
  FileId file = kNoFile;
  SourceLoc begin;
  SourceLoc end;
  bool valid() const { return file != kNoFile && begin.line != 0; }
};

struct SourceFile {
  std::string displayName;  // as printed in diagnostics, e.g. "services/order.pipe", "std/aws.pipe"
  std::string path;         // where it was read from (never printed)
  std::string text;         // valid UTF-8 (invalid bytes were replaced on load)
  std::vector<size_t> lineStarts;
  bool isStdlib = false;  // from the standard library: not a file of the user's repository (SARIF)
};

class SourceManager {
 public:
  FileId addFile(std::string displayName, std::string path, std::string text, bool isStdlib = false);
  const SourceFile& file(FileId id) const { return files_[id]; }
  size_t fileCount() const { return files_.size(); }
  // The text of one line, without its newline; empty when out of range.
  std::string_view lineText(FileId id, uint32_t line) const;
  // Finds a loaded file by its path; kNoFile when absent.
  FileId findByPath(std::string_view path) const;

 private:
  std::vector<SourceFile> files_;
};

// Replaces each invalid UTF-8 sequence with U+FFFD; returns the byte offsets
// (in the result) of the replacements so the caller can report them.
std::string sanitizeUtf8(std::string_view bytes, std::vector<size_t>* badOffsets);

// Number of code points in a UTF-8 string.
uint32_t codePointCount(std::string_view text);

}  // namespace pipelang
