#include "compiler/cli/CodeQuality.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/FormatVariadic.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/SHA256.h>
#include <llvm/Support/raw_ostream.h>

namespace pipelang::cli {

std::string renderCodeQuality(const std::vector<Diagnostic>& diagnostics, const SourceManager& sources) {
  llvm::json::Array report;
  for (const Diagnostic& d : diagnostics) {
    std::string code(diagKind(d.code).name);
    std::string path = d.range.file == kNoFile ? "" : sources.file(d.range.file).displayName;
    uint32_t line = d.range.begin.line == 0 ? 1 : d.range.begin.line;
    llvm::SHA256 hash;
    hash.update(code + "\n" + path + "\n" + std::to_string(line) + "\n" + d.message);
    std::string digest = hash.final().str();
    report.push_back(llvm::json::Object{
        {"description", "[" + code + "] " + d.message},
        {"check_name", code},
        {"fingerprint", llvm::toHex(digest, true)},
        {"severity", d.severity == Severity::Error ? "major" : "minor"},
        {"location", llvm::json::Object{{"path", path}, {"lines", llvm::json::Object{{"begin", line}}}}}});
  }
  std::string text;
  llvm::raw_string_ostream out(text);
  out << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)));
  out.flush();
  return text + "\n";
}

}  // namespace pipelang::cli
