// `pipec fmt [--check] [--diff] [FILES|DIRS|-]`: rewrites files in the
// canonical layout (docs/formatting.md). A file that does not parse is left
// untouched and its diagnostics are printed.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/diag/DiagnosticRenderer.h"
#include "compiler/driver/Frontend.h"
#include "compiler/driver/SourceLoader.h"
#include "compiler/format/Formatter.h"
#include "compiler/format/UnifiedDiff.h"

#include <llvm/Support/raw_ostream.h>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace pipelang::cli {

namespace fs = std::filesystem;

namespace {

enum class FileResult { Canonical, Changed, Invalid, Unreadable };

FileResult formatOne(const std::string& displayName, const std::string& text, std::string* formatted) {
  FormatOutcome outcome = formatSource(text, displayName);
  if (!outcome.ok) {
    bool color = isatty(STDERR_FILENO);
    for (const Diagnostic& diagnostic : outcome.diagnostics)
      llvm::errs() << renderHuman(diagnostic, outcome.sources, color);
    return FileResult::Invalid;
  }
  *formatted = std::move(outcome.text);
  return *formatted == text ? FileResult::Canonical : FileResult::Changed;
}

// Reports a non-canonical file as --check and --diff ask; writes it otherwise.
bool handleChange(const std::string& name, const std::string& before, const std::string& after, bool toStdout,
                  const fs::path* path) {
  if (opt::fmtDiff) llvm::outs() << unifiedDiff(before, after, name, name);
  if (opt::fmtCheck && !opt::fmtDiff) llvm::outs() << name << "\n";
  if (opt::fmtCheck || opt::fmtDiff) return true;
  if (toStdout) {
    llvm::outs() << after;
    return true;
  }
  std::ofstream out(*path, std::ios::binary | std::ios::trunc);
  out << after;
  out.close();
  if (!out) {
    llvm::errs() << "pipec: error: cannot write `" << name << "`\n";
    return false;
  }
  return true;
}

}  // namespace

int runFmt() {
  std::vector<std::string> arguments(opt::fmtPaths.begin(), opt::fmtPaths.end());
  if (arguments.empty()) arguments.push_back(".");
  // Standard input goes to standard output: given with files, the files would
  // be rewritten in place while the caller reads stdout for one file.
  if (arguments.size() > 1 && std::find(arguments.begin(), arguments.end(), "-") != arguments.end()) {
    llvm::errs() << "pipec: error: `-` (standard input) cannot be formatted together with files: give one or the "
                    "other\n";
    return kExitUsage;
  }
  bool anyChanged = false, anyInvalid = false, anyUnreadable = false;
  for (const std::string& argument : arguments) {
    if (argument == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      std::string formatted;
      FileResult result = formatOne("<stdin>", text, &formatted);
      if (result == FileResult::Invalid) {
        anyInvalid = true;
        continue;
      }
      if (result == FileResult::Changed) anyChanged = true;
      if (result == FileResult::Changed)
        handleChange("<stdin>", text, formatted, true, nullptr);
      else if (!opt::fmtCheck && !opt::fmtDiff)
        llvm::outs() << formatted;
      continue;
    }
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(argument, ec)) {
      // As `pipec check`: the project of the current directory and that of
      // the folder named; a link leading out of both is neither read nor
      // rewritten (checks.md §4).
      std::vector<fs::path> roots = {projectRootOf(fs::weakly_canonical(fs::current_path(), ec)),
                                     projectRootOf(fs::weakly_canonical(argument, ec))};
      std::vector<fs::path> outside;
      files = findPipeFiles(argument, roots, false, &outside);
      for (const fs::path& link : outside) {
        llvm::errs() << "pipec: error: cannot read `" << link.generic_string()
                     << "`: a link that leads outside the project root\n";
        anyUnreadable = true;
      }
    } else {
      files.emplace_back(argument);
    }
    for (const fs::path& file : files) {
      std::string name = file.generic_string();
      std::ifstream in(file, std::ios::binary);
      if (!in || fs::is_directory(file, ec)) {
        int error = errno;
        std::string why = !fs::exists(file, ec)        ? "no such file or directory"
                          : fs::is_directory(file, ec) ? "a directory"
                                                       : std::strerror(error);
        llvm::errs() << "pipec: error: cannot read `" << name << "`: " << why << "\n";
        anyUnreadable = true;
        continue;
      }
      std::ostringstream buffer;
      buffer << in.rdbuf();
      std::string text = buffer.str(), formatted;
      FileResult result = formatOne(name, text, &formatted);
      if (result == FileResult::Invalid) anyInvalid = true;
      if (result != FileResult::Changed) continue;
      anyChanged = true;
      if (!handleChange(name, text, formatted, false, &file)) anyUnreadable = true;
    }
  }
  llvm::outs().flush();
  if (anyUnreadable) return kExitUsage;
  if (anyInvalid) return kExitErrors;
  if (anyChanged && opt::fmtCheck) return kExitErrors;
  return kExitOk;
}

}  // namespace pipelang::cli
