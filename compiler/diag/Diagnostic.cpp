#include "compiler/diag/Diagnostic.h"

#include <algorithm>
#include <tuple>

namespace pipelang {

const std::vector<DiagKindInfo>& allDiagKinds() {
  static const std::vector<DiagKindInfo> kinds = {
#define DIAG(code, severity, summary) {DiagCode::code, #code, Severity::severity, summary},
#include "compiler/diag/DiagnosticKinds.def"
#undef DIAG
  };
  return kinds;
}

const DiagKindInfo& diagKind(DiagCode code) { return allDiagKinds()[static_cast<size_t>(code)]; }

std::optional<DiagCode> diagCodeByName(std::string_view name) {
  for (const DiagKindInfo& kind : allDiagKinds())
    if (kind.name == name) return kind.code;
  return std::nullopt;
}

Diagnostic makeDiagnostic(DiagCode code, SourceRange range, std::string message) {
  return Diagnostic{code, diagKind(code).severity, range, std::move(message), {}, {}, {}};
}

Diagnostic& DiagnosticSink::report(DiagCode code, SourceRange range, std::string message) {
  diagnostics_.push_back(makeDiagnostic(code, range, std::move(message)));
  return diagnostics_.back();
}

size_t DiagnosticSink::errorCount() const {
  return std::count_if(diagnostics_.begin(), diagnostics_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

size_t DiagnosticSink::warningCount() const { return diagnostics_.size() - errorCount(); }

bool DiagnosticSink::hasErrorsIn(FileId file) const {
  return std::any_of(diagnostics_.begin(), diagnostics_.end(), [&](const Diagnostic& d) {
    return d.severity == Severity::Error && d.range.file == file;
  });
}

void DiagnosticSink::sort(const SourceManager& sources) {
  auto key = [&](const Diagnostic& d) {
    // Both branches must be string_views: a `? "" : std::string` would build a temporary.
    std::string_view name =
        d.range.file == kNoFile ? std::string_view() : std::string_view(sources.file(d.range.file).displayName);
    return std::make_tuple(name, d.range.begin, d.range.end, diagKind(d.code).name,
                           std::string_view(d.message));
  };
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  // The same diagnostic reached twice (e.g. through two children) is shown once.
  auto same = [](const Diagnostic& a, const Diagnostic& b) {
    return a.code == b.code && a.range.file == b.range.file && a.range.begin == b.range.begin &&
           a.message == b.message;
  };
  diagnostics_.erase(std::unique(diagnostics_.begin(), diagnostics_.end(), same), diagnostics_.end());
}

}  // namespace pipelang
