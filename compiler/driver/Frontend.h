// The whole compiler as a few calls in a row (style.md "phases as values"):
//   load+parse -> resolve (names, inheritance, schema) -> check -> plan.
// The CLI, the tests and the language server all call Frontend::run.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/driver/ProjectIndex.h"
#include "compiler/driver/SourceLoader.h"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pipelang {

namespace model {
struct Pipeline;
struct Program;
}  // namespace model

enum class Phase { Parse, Resolve, Check };

struct FrontendOptions {
  std::vector<std::filesystem::path> inputs;  // files or directories
  std::filesystem::path root;                 // empty: projectRootOf(current directory)
  std::filesystem::path stdlibDir;            // empty: the bundled stdlib
  std::map<std::string, std::string> overlays;
  Phase upto = Phase::Check;
  // When set, the project scans of the "add import" help (by roots) are kept
  // here and reused by later runs: the language server compiles on every
  // pause in typing, and a half-typed name must not rescan the project each
  // time (docs/editors.md). Whoever sets it clears it when files may change.
  std::map<std::vector<std::filesystem::path>, ProjectIndex>* projectIndexes = nullptr;
  // false: each concrete pipeline's model is freed once checked, so memory
  // does not grow with the number of services (issue 18); Program::pipelines
  // is then empty. `pipec check` needs only the diagnostics.
  bool keepPipelines = true;
  // Threads that read and parse the input files (`--jobs`, ParseAhead) and,
  // when keepPipelines is false, build and check the pipelines: 1 does all
  // on the calling thread. Output is the same for every value.
  unsigned jobs = 1;
  // The command line's display rule: an input named by an absolute path is
  // shown absolute, as named (docs/architecture.md "Display names"); false:
  // every file relative to the current directory (the language server, tests).
  bool absoluteAsNamed = false;
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
  // The file each import resolved to, by (importing file, import index); an
  // import refused or not found has no entry (go-to-definition, "add import").
  std::map<std::pair<FileId, size_t>, FileId> importTargets;
  FileId prelude = kNoFile;  // std/policy, visible from every file
};

class Frontend {
 public:
  static std::unique_ptr<Compilation> run(const FrontendOptions& options);
  // Resolves the compilation's files again, without checks, and calls
  // `visit` on each concrete pipeline that resolves cleanly, in name order,
  // freeing each model before the next: what `pipec plan -o` writes from
  // once `run` found no error, so memory does not grow with the number of
  // pipelines (issue 18).
  static void forEachPipeline(Compilation& compilation, const std::function<void(const model::Pipeline&)>& visit);
};

std::filesystem::path defaultStdlibDir();

// The project root without `--root`: the nearest folder from `start` upward
// (start included) that holds a project marker, `.git` (a folder, or a file
// in a git worktree) or `pipe.project`; `start` itself when none does.
std::filesystem::path projectRootOf(const std::filesystem::path& start);

}  // namespace pipelang
