// The whole compiler as a few calls in a row (style.md "phases as values"):
//   load+parse -> resolve (names, inheritance, schema) -> check -> plan.
// The CLI, the tests and the language server all call Frontend::run.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/driver/SourceLoader.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace pipelang {

namespace model {
struct Program;
}

enum class Phase { Parse, Resolve, Check };

struct FrontendOptions {
  std::vector<std::filesystem::path> inputs;  // files or directories
  std::filesystem::path root;                 // empty: the current directory
  std::filesystem::path stdlibDir;            // empty: the bundled stdlib
  std::map<std::string, std::string> overlays;
  Phase upto = Phase::Check;
};

struct Compilation {
  Compilation();
  ~Compilation();
  SourceManager sources;
  DiagnosticSink diagnostics;
  std::vector<LoadedFile> files;
  std::unique_ptr<model::Program> program;  // set from Phase::Resolve on
  size_t inputFileCount = 0;
  std::vector<std::string> ioErrors;  // unreadable inputs: exit status 2
};

class Frontend {
 public:
  static std::unique_ptr<Compilation> run(const FrontendOptions& options);
};

std::filesystem::path defaultStdlibDir();

}  // namespace pipelang
