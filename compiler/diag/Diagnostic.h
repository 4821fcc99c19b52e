// Diagnostics are data: a code from DiagnosticKinds.def, a place, a message.
#pragma once

#include "compiler/source/SourceManager.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipelang {

enum class Severity { Error, Warning };

enum class DiagCode {
#define DIAG(code, severity, summary) code,
#include "compiler/diag/DiagnosticKinds.def"
#undef DIAG
};

struct DiagKindInfo {
  DiagCode code;
  std::string_view name;  // "S204"
  Severity severity;
  std::string_view summary;
};

const std::vector<DiagKindInfo>& allDiagKinds();
const DiagKindInfo& diagKind(DiagCode code);
std::optional<DiagCode> diagCodeByName(std::string_view name);

// A secondary location: "note: inherited from template X (file:line:col)".
struct DiagNote {
  std::string message;
  SourceRange range;  // may be invalid: a note without a place
};

// A machine-applicable edit offered with a diagnostic (editors, `fixes` in JSON).
struct FixIt {
  std::string message;
  SourceRange range;
  std::string replacement;
};

struct Diagnostic {
  DiagCode code;
  Severity severity;
  SourceRange range;
  std::string message;  // lowercase start, no trailing period, code in backticks
  std::vector<DiagNote> notes;
  std::string help;
  std::vector<FixIt> fixes;
};

Diagnostic makeDiagnostic(DiagCode code, SourceRange range, std::string message);

// Collects diagnostics from every phase; phases never throw them.
class DiagnosticSink {
 public:
  Diagnostic& report(DiagCode code, SourceRange range, std::string message);
  void add(Diagnostic diagnostic) { diagnostics_.push_back(std::move(diagnostic)); }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }
  size_t errorCount() const;
  size_t warningCount() const;
  bool hasErrorsIn(FileId file) const;
  // Sorts by file name, position, code and message: output never depends on
  // the order of files on the command line.
  void sort(const SourceManager& sources);

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace pipelang
