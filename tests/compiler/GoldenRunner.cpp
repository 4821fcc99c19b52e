// The golden test harness: `.pipe` files with their expected diagnostics
// written inline, like clang's -verify (style.md "tests that read like the
// language"):
//
//   wave 2 { bak = 4h }          // expect-error[R107]: unknown attribute `bak`
//   // expect-error@+1[R107]
//   wave 2 { bak = 4h }
//   rolling { batch = 50% }
//   //                ^ expect-error[S204]: exceeds        (caret: exact column, line above)
//
// Unmatched expectations and unexpected diagnostics both fail. A file whose
// pipelines compile without errors snapshots each plan as
// `<file stem>.<pipeline>.plan.json` beside it; `--update` rewrites them.
// Files under a directory named `lib` are only imported, never run alone.
// `--coverage` also checks that every registered code has an explanation and
// a golden test, or is listed in PENDING_CODES.
#include "compiler/diag/Diagnostic.h"
#include "compiler/diag/DiagnosticRenderer.h"
#include "compiler/diag/Explanations.h"
#include "compiler/driver/Frontend.h"
#include "tests/compiler/GoldenSnapshots.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace pipelang;

namespace {

struct Expectation {
  std::string file;  // display name
  uint32_t line = 0;
  uint32_t column = 0;  // 0: any column
  Severity severity = Severity::Error;
  std::string code;
  std::string text;  // must occur in the message
  bool matched = false;
};

std::vector<Expectation> parseExpectations(const SourceFile& file) {
  static const std::regex pattern(
      R"((\^\s*)?expect-(error|warning)(@([+-]\d+))?\[([A-Z]\d{3})\](:\s*(.*?))?\s*(?=$|expect-|\^))");
  std::vector<Expectation> result;
  std::istringstream lines(file.text);
  std::string line;
  uint32_t number = 0, lastCodeLine = 0;
  while (std::getline(lines, line)) {
    ++number;
    size_t comment = line.find("//");
    bool onlyComment = comment != std::string::npos && line.find_first_not_of(" \t") == comment;
    if (!onlyComment && line.find_first_not_of(" \t\r") != std::string::npos) lastCodeLine = number;
    if (comment == std::string::npos) continue;
    std::string text = line.substr(comment);
    for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) {
      const std::smatch& m = *it;
      Expectation e;
      e.file = file.displayName;
      e.severity = m[2] == "error" ? Severity::Error : Severity::Warning;
      e.code = m[5];
      e.text = m[7];
      if (m[1].matched) {
        // The caret's column, counted in characters, on the last code line above.
        e.line = lastCodeLine;
        e.column = codePointCount(std::string_view(line).substr(0, comment + m.position(1))) + 1;
      } else {
        e.line = number + (m[4].matched ? std::stoi(m[4]) : 0);
      }
      result.push_back(std::move(e));
    }
  }
  return result;
}

struct FileResult {
  bool passed = true;
  std::string report;
  std::set<std::string> codesSeen;
};

FileResult runOne(const fs::path& input, const fs::path& root, bool update) {
  FileResult result;
  FrontendOptions options;
  options.inputs = {input};
  options.root = root;
  options.upto = Phase::Check;
  std::unique_ptr<Compilation> compilation = Frontend::run(options);
  for (const std::string& error : compilation->ioErrors) {
    result.passed = false;
    result.report += "  i/o: " + error + "\n";
  }
  std::vector<Expectation> expectations;
  for (const LoadedFile& file : compilation->files) {
    if (file.isStdlib) continue;
    auto parsed = parseExpectations(compilation->sources.file(file.id));
    expectations.insert(expectations.end(), parsed.begin(), parsed.end());
  }
  for (const Diagnostic& d : compilation->diagnostics.diagnostics()) {
    std::string file = d.range.valid() ? compilation->sources.file(d.range.file).displayName : "";
    std::string code(diagKind(d.code).name);
    Expectation* match = nullptr;
    for (Expectation& e : expectations) {
      if (e.matched || e.file != file || e.line != d.range.begin.line || e.code != code ||
          e.severity != d.severity || (e.column && e.column != d.range.begin.column) ||
          d.message.find(e.text) == std::string::npos)
        continue;
      match = &e;
      break;
    }
    if (match) {
      match->matched = true;
      result.codesSeen.insert(code);
      continue;
    }
    result.passed = false;
    result.report += "  unexpected: " + renderHuman(d, compilation->sources, false);
  }
  for (const Expectation& e : expectations) {
    if (e.matched) continue;
    result.passed = false;
    result.report += fmt::format("  expected but not reported: {}:{}{}: {}[{}]{}\n", e.file, e.line,
                                 e.column ? fmt::format(":{}", e.column) : "",
                                 e.severity == Severity::Error ? "error" : "warning", e.code,
                                 e.text.empty() ? "" : ": " + e.text);
  }
  if (compilation->diagnostics.errorCount() == 0) {
    std::string snapshotReport;
    if (!checkPlanSnapshots(*compilation, input, update, &snapshotReport)) result.passed = false;
    result.report += snapshotReport;
  }
  return result;
}

std::set<std::string> readPending(const fs::path& file) {
  std::set<std::string> codes;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string word;
    while (words >> word) codes.insert(word);
  }
  return codes;
}

}  // namespace

int main(int argc, char** argv) {
  bool update = false, coverage = false;
  std::vector<fs::path> roots;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--update") update = true;
    else if (arg == "--coverage") coverage = true;
    else roots.emplace_back(arg);
  }
  if (roots.empty()) {
    std::cerr << "usage: pipe_golden [--update] [--coverage] DIR...\n";
    return 2;
  }
  int passed = 0, failed = 0;
  std::set<std::string> codesSeen;
  for (const fs::path& root : roots) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      const fs::path& path = entry.path();
      if (path.extension() != ".pipe") continue;
      fs::path relative = path.lexically_relative(root);
      bool isLib = false;
      for (const auto& part : relative) isLib |= part == "lib";
      if (!isLib) files.push_back(path);
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      // Each file runs from its golden root, as a user runs pipec from a project.
      fs::path cwd = fs::current_path();
      fs::current_path(root);
      FileResult result = runOne(fs::absolute(cwd / file), fs::absolute(cwd / root), update);
      fs::current_path(cwd);
      codesSeen.insert(result.codesSeen.begin(), result.codesSeen.end());
      std::cout << (result.passed ? "PASS " : "FAIL ") << file.lexically_relative(root).generic_string() << "\n"
                << result.report;
      (result.passed ? passed : failed)++;
    }
    if (coverage) {
      std::set<std::string> pending = readPending(root / "PENDING_CODES");
      for (const DiagKindInfo& kind : allDiagKinds()) {
        std::string code(kind.name);
        std::string problem;
        if (!findExplanation(code)) problem = "has no explanation in compiler/diag/explanations/";
        else if (!codesSeen.count(code) && !pending.count(code)) problem = "has no golden test and is not listed as pending";
        else if (codesSeen.count(code) && pending.count(code)) problem = "has a golden test: remove it from PENDING_CODES";
        std::cout << (problem.empty() ? "PASS " : "FAIL ") << "coverage " << code << (problem.empty() ? "" : ": " + problem) << "\n";
        (problem.empty() ? passed : failed)++;
      }
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
