// Byte offsets and text of source ranges. The AST counts columns in code
// points; these helpers turn its positions back into bytes of the buffer.
#pragma once

#include "compiler/source/SourceManager.h"

#include <string_view>

namespace pipelang {

// Byte offset of a position in a file (clamped to the end of the text).
size_t byteOffsetOf(const SourceFile& file, SourceLoc loc);
// The text a range covers, exactly as written.
std::string_view sourceText(const SourceManager& sources, SourceRange range);

}  // namespace pipelang
