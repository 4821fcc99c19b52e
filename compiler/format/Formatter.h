// `pipec fmt`: prints a parsed file in the canonical layout of
// language.md §6 (the rules are written down in docs/formatting.md).
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/syntax/Ast.h"

#include <string>
#include <string_view>

namespace pipelang {

// The canonical text of a file that parsed without syntax errors. Every
// comment of `file.comments` is printed exactly once.
std::string formatFile(const ast::File& file, const SourceManager& sources);

struct FormatOutcome {
  bool ok = false;      // false: the text does not parse and was not formatted
  std::string text;     // the canonical form, when ok
  SourceManager sources;  // the parsed buffer, to render `diagnostics`
  std::vector<Diagnostic> diagnostics;
};

// Parses `text` on its own (no imports are read) and formats it.
FormatOutcome formatSource(std::string_view text, std::string displayName);

}  // namespace pipelang
