#include "compiler/diag/DiagnosticRenderer.h"

#include <fmt/format.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cctype>

namespace pipelang {

namespace {

const char* severityName(Severity severity) {
  return severity == Severity::Error ? "error" : "warning";
}

struct Palette {
  bool on;
  std::string paint(std::string_view text, const char* code) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, text) : std::string(text);
  }
};

// A path as a URI reference (RFC 3986): every byte but the unreserved ones
// and `/` percent-encoded, so a space or a `#` in a name keeps SARIF valid.
std::string uriPath(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// Byte offset of the given 1-based code-point column in a line.
size_t byteOffsetOfColumn(std::string_view line, uint32_t column) {
  size_t offset = 0;
  for (uint32_t c = 1; c < column && offset < line.size(); ++c) {
    ++offset;
    while (offset < line.size() && (static_cast<unsigned char>(line[offset]) & 0xC0) == 0x80) ++offset;
  }
  return offset;
}

std::string excerpt(const Diagnostic& d, const SourceManager& sources, const Palette& palette) {
  if (!d.range.valid()) return "";
  std::string_view line = sources.lineText(d.range.file, d.range.begin.line);
  // Very long lines (minified or garbage input) are cut around the caret.
  std::string shown(line);
  uint32_t column = d.range.begin.column;
  if (codePointCount(line) > 200) {
    size_t from = byteOffsetOfColumn(line, column > 40 ? column - 40 : 1);
    size_t to = byteOffsetOfColumn(line, column + 80);
    shown = std::string(line.substr(from, to - from));
    column = column > 40 ? 41 : column;
  }
  std::replace(shown.begin(), shown.end(), '\t', ' ');
  uint32_t width = codePointCount(shown);
  uint32_t length = 1;
  if (d.range.end.line == d.range.begin.line && d.range.end.column > d.range.begin.column)
    length = d.range.end.column - d.range.begin.column;
  else if (d.range.end.line > d.range.begin.line && width >= column)
    length = width - column + 1;
  std::string gutter = fmt::format("{:>5} | ", d.range.begin.line);
  std::string marker = "^" + std::string(length > 1 ? length - 1 : 0, '~');
  return fmt::format("{}{}\n      | {}{}\n", gutter, shown, std::string(column - 1, ' '),
                     palette.paint(marker, "1;32"));
}

void writeRange(llvm::json::OStream& json, const SourceRange& range, const SourceManager& sources) {
  json.attribute("file", range.valid() ? sources.file(range.file).displayName : "");
  json.attribute("line", static_cast<int64_t>(range.begin.line));
  json.attribute("column", static_cast<int64_t>(range.begin.column));
  json.attribute("end_line", static_cast<int64_t>(range.end.line));
  json.attribute("end_column", static_cast<int64_t>(range.end.column));
}

}  // namespace

std::string locationText(const SourceRange& range, const SourceManager& sources) {
  if (!range.valid()) return "";
  return fmt::format("{}:{}:{}", sources.file(range.file).displayName, range.begin.line, range.begin.column);
}

std::string renderHuman(const Diagnostic& d, const SourceManager& sources, bool color) {
  Palette palette{color};
  std::string where = d.range.valid() ? locationText(d.range, sources) : "pipec";
  const char* severityColour = d.severity == Severity::Error ? "1;31" : "1;35";
  std::string out =
      fmt::format("{}: {}: {}\n", palette.paint(where, "1"),
                  palette.paint(fmt::format("{}[{}]", severityName(d.severity), diagKind(d.code).name), severityColour),
                  palette.paint(d.message, "1"));
  out += excerpt(d, sources, palette);
  for (const DiagNote& note : d.notes) {
    out += palette.paint("note", "1;36") + ": " + note.message;
    if (note.range.valid()) out += " (" + locationText(note.range, sources) + ")";
    out += "\n";
  }
  if (!d.help.empty()) out += palette.paint("help", "1;36") + ": " + d.help + "\n";
  return out;
}

std::string renderJson(const std::vector<Diagnostic>& diagnostics, const SourceManager& sources) {
  std::string text;
  llvm::raw_string_ostream stream(text);
  llvm::json::OStream json(stream, 2);
  json.array([&] {
    for (const Diagnostic& d : diagnostics) {
      json.object([&] {
        writeRange(json, d.range, sources);
        json.attribute("severity", severityName(d.severity));
        json.attribute("code", std::string(diagKind(d.code).name));
        json.attribute("message", d.message);
        json.attributeArray("notes", [&] {
          for (const DiagNote& note : d.notes)
            json.object([&] {
              json.attribute("message", note.message);
              json.attribute("file", note.range.valid() ? sources.file(note.range.file).displayName : "");
              json.attribute("line", static_cast<int64_t>(note.range.begin.line));
              json.attribute("column", static_cast<int64_t>(note.range.begin.column));
            });
        });
        json.attribute("help", d.help);  // "" when there is none
        json.attributeArray("fixes", [&] {
          for (const FixIt& fix : d.fixes)
            json.object([&] {
              json.attribute("message", fix.message);
              writeRange(json, fix.range, sources);
              json.attribute("replacement", fix.replacement);
            });
        });
      });
    }
  });
  stream.flush();
  return text + "\n";
}

std::string renderSarif(const std::vector<Diagnostic>& diagnostics, const SourceManager& sources) {
  auto region = [](const SourceRange& range) {
    return llvm::json::Object{{"startLine", static_cast<int64_t>(range.begin.line)},
                              {"startColumn", static_cast<int64_t>(range.begin.column)},
                              {"endLine", static_cast<int64_t>(range.end.line)},
                              {"endColumn", static_cast<int64_t>(range.end.column)}};
  };
  // Paths of the user's files are relative to the repository (%SRCROOT%); a
  // standard library file is relative to PIPE_STDLIB, never to the repository,
  // so code scanning does not annotate a file the repository does not hold.
  bool usesStdlib = false;
  auto location = [&](const SourceRange& range, const std::string& message) {
    const SourceFile& file = sources.file(range.file);
    llvm::json::Object artifact{{"uri", uriPath(file.displayName)}, {"uriBaseId", "%SRCROOT%"}};
    // A file named by an absolute path is shown absolute: an absolute `file:` URI, with no base.
    if (!file.displayName.empty() && file.displayName[0] == '/')
      artifact = llvm::json::Object{{"uri", "file://" + uriPath(file.displayName)}};
    if (file.isStdlib) {
      usesStdlib = true;
      std::string_view name = file.displayName;
      if (name.starts_with("std/")) name.remove_prefix(4);
      artifact = llvm::json::Object{{"uri", std::string(name)}, {"uriBaseId", "PIPE_STDLIB"}};
    }
    llvm::json::Object physical{{"artifactLocation", std::move(artifact)}, {"region", region(range)}};
    llvm::json::Object result{{"physicalLocation", std::move(physical)}};
    if (!message.empty()) result["message"] = llvm::json::Object{{"text", message}};
    return result;
  };
  llvm::json::Array rules;
  for (const DiagKindInfo& kind : allDiagKinds())
    rules.push_back(
        llvm::json::Object{{"id", std::string(kind.name)},
                           {"shortDescription", llvm::json::Object{{"text", std::string(kind.summary)}}},
                           {"defaultConfiguration", llvm::json::Object{{"level", severityName(kind.severity)}}}});
  llvm::json::Array results;
  for (const Diagnostic& d : diagnostics) {
    llvm::json::Object result{{"ruleId", std::string(diagKind(d.code).name)},
                              {"ruleIndex", static_cast<int64_t>(d.code)},
                              {"level", std::string(severityName(d.severity))},
                              {"message", llvm::json::Object{{"text", d.message}}}};
    llvm::json::Array locations;
    if (d.range.valid()) locations.push_back(location(d.range, ""));
    result["locations"] = std::move(locations);
    llvm::json::Array related;
    for (const DiagNote& note : d.notes)
      if (note.range.valid()) related.push_back(location(note.range, note.message));
    if (!related.empty()) result["relatedLocations"] = std::move(related);
    results.push_back(std::move(result));
  }
  llvm::json::Object driver{{"name", "pipec"}, {"version", PIPE_VERSION}, {"rules", std::move(rules)}};
  llvm::json::Object run{{"tool", llvm::json::Object{{"driver", std::move(driver)}}}, {"results", std::move(results)}};
  if (usesStdlib)
    run["originalUriBaseIds"] = llvm::json::Object{
        {"PIPE_STDLIB",
         llvm::json::Object{
             {"description", llvm::json::Object{{"text", "the pipe standard library (not in the repository)"}}}}}};
  llvm::json::Object sarif{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                           {"version", "2.1.0"},
                           {"runs", llvm::json::Array{std::move(run)}}};
  std::string text;
  llvm::raw_string_ostream stream(text);
  stream << llvm::formatv("{0:2}", llvm::json::Value(std::move(sarif)));
  stream.flush();
  return text + "\n";
}

std::string explainHint(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string_view> codes;
  for (const Diagnostic& d : diagnostics) codes.push_back(diagKind(d.code).name);
  if (codes.empty()) return "";
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  if (codes.size() == 1) return fmt::format("`pipec explain {}` for more", codes[0]);
  return fmt::format("`pipec explain CODE` for more ({})", fmt::join(codes, ", "));
}

std::string summaryLine(size_t errors, size_t warnings, size_t files) {
  return fmt::format("{} error{}, {} warning{} in {} file{}", errors, errors == 1 ? "" : "s", warnings,
                     warnings == 1 ? "" : "s", files, files == 1 ? "" : "s");
}

}  // namespace pipelang
