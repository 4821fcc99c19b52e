// Prints diagnostics as people (caret excerpts), tools (JSON) and
// code-scanning UIs (SARIF 2.1.0) read them. checks.md §1.
#pragma once

#include "compiler/diag/Diagnostic.h"

#include <string>
#include <vector>

namespace pipelang {

enum class DiagFormat { Human, Json, Sarif };

std::string renderHuman(const Diagnostic& diagnostic, const SourceManager& sources, bool color);
std::string renderJson(const std::vector<Diagnostic>& diagnostics, const SourceManager& sources);
std::string renderSarif(const std::vector<Diagnostic>& diagnostics, const SourceManager& sources);

// "2 errors, 1 warning in 14 files"
std::string summaryLine(size_t errors, size_t warnings, size_t files);
// The last line of human output when there are diagnostics: "`pipec explain
// S204` for more", or "`pipec explain CODE` for more (R101, S204)" for
// several codes (sorted, each once); "" when there are none.
std::string explainHint(const std::vector<Diagnostic>& diagnostics);

// "file:line:col" for a note, or "" when the range is not valid.
std::string locationText(const SourceRange& range, const SourceManager& sources);

}  // namespace pipelang
