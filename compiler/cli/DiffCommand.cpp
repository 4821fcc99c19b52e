// `pipec diff OLD NEW` (two plan files) and `pipec diff --git REV [REV2]
// [PATHS]`: the plans of a git revision against the working tree (or against
// REV2), each revision compiled from a `git archive` of it in a temporary
// directory. git and tar run without a shell: a revision or path is only
// ever one argument. Exit status: 0 compared (with --exit-code: no
// differences), 1 with --exit-code when the plans differ, 2 when they
// cannot be compared (docs/ci.md, "pipec diff").
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/cli/Process.h"
#include "compiler/cli/Reporting.h"
#include "compiler/driver/Frontend.h"
#include "compiler/plan/BoundedJson.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanDiff.h"
#include "compiler/sema/Model.h"

#include <llvm/ADT/iterator.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace pipelang::cli {
namespace {

namespace fs = std::filesystem;

std::optional<llvm::json::Value> readPlan(const std::string& path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    llvm::errs() << "pipec: error: cannot read `" << path << "`: " << buffer.getError().message() << "\n";
    return std::nullopt;
  }
  auto parsed = planformat::parseBoundedJson((*buffer)->getBuffer());
  if (!parsed) {
    llvm::errs() << "pipec: error: `" << path << "` is not JSON: " << llvm::toString(parsed.takeError()) << "\n";
    return std::nullopt;
  }
  return std::move(*parsed);
}

// True when `arg` names a commit (and is not taken for an option by git).
bool isRevision(const std::string& arg) {
  return !arg.empty() && arg[0] != '-' &&
         captureOutput({"git", "rev-parse", "--verify", "--quiet", arg + "^{commit}"}, true);
}

// Removes the temporary tree however the comparison ends.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "pipec-diff-XXXXXX").string();
    if (mkdtemp(pattern.data())) path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// The plans of every pipeline in `paths` (default: all) of the tree at `top`
// seen from its sub-folder `prefix`; false (diagnostics printed) on errors.
// The project root is `top` (the repository), or --root under `prefix`.
bool plansIn(const fs::path& top, const std::string& prefix, const std::string& what,
             const std::vector<std::string>& paths, std::map<std::string, llvm::json::Value>& plans) {
  fs::path base = top / prefix;
  FrontendOptions options;
  for (const std::string& path : paths) options.inputs.push_back(base / path);
  if (options.inputs.empty()) options.inputs.push_back(base);
  options.root = opt::root.empty() ? top : base / opt::root.getValue();
  options.stdlibDir = opt::stdlib.getValue();
  options.upto = Phase::Check;
  std::unique_ptr<Compilation> compilation = Frontend::run(options);
  if (reportDiagnostics(*compilation) != kExitOk) {
    llvm::errs() << "pipec: error: " << what << " does not compile\n";
    return false;
  }
  if (compilation->program)
    for (const model::Pipeline& pipeline : llvm::make_pointee_range(compilation->program->pipelines))
      plans.emplace(pipeline.name, plan::buildPlanJson(pipeline));
  return true;
}

// The plans at git revision `rev`, compiled from a `git archive` of it.
// `top` is the work tree's top level: the whole tree is archived (git archive
// in a sub-folder would keep only that folder, and imports may leave it).
bool plansAt(const std::string& rev, const std::string& top, const std::string& prefix,
             const std::vector<std::string>& paths, std::map<std::string, llvm::json::Value>& plans) {
  TempDir tree;
  if (tree.path.empty()) {
    llvm::errs() << "pipec: error: cannot create a temporary directory\n";
    return false;
  }
  std::string archive = (tree.path / "rev.tar").string();
  if (!captureOutput({"git", "-C", top, "archive", "--format=tar", "-o", archive, rev}) ||
      !captureOutput({"tar", "-x", "-f", archive, "-C", tree.path.string()})) {
    llvm::errs() << "pipec: error: cannot check out `" << rev << "` (git archive failed)\n";
    return false;
  }
  fs::remove(archive);
  return plansIn(tree.path, prefix, "revision `" + rev + "`", paths, plans);
}

}  // namespace

int runDiff() {
  std::vector<std::string> args(opt::diffArgs.begin(), opt::diffArgs.end());
  std::vector<plan::PlanChange> changes;
  if (opt::diffGit) {
    if (args.empty()) {
      llvm::errs() << "pipec: error: usage: pipec diff --git REV [REV2] [PATHS...]\n";
      return kExitUsage;
    }
    auto prefix = captureOutput({"git", "rev-parse", "--show-prefix"}, true);
    auto top = captureOutput({"git", "rev-parse", "--show-toplevel"}, true);
    if (!prefix || !top) {
      llvm::errs() << "pipec: error: not inside a git work tree\n";
      return kExitUsage;
    }
    if (!isRevision(args[0])) {
      llvm::errs() << "pipec: error: `" << args[0] << "` is not a git revision\n";
      return kExitUsage;
    }
    // A second argument is a revision unless it names a file, as with git diff.
    std::error_code ec;
    bool second = args.size() > 1 && !fs::exists(args[1], ec) && isRevision(args[1]);
    std::vector<std::string> paths(args.begin() + (second ? 2 : 1), args.end());
    std::map<std::string, llvm::json::Value> before, after;
    if (!plansAt(args[0], *top, *prefix, paths, before)) return kExitUsage;
    if (second ? !plansAt(args[1], *top, *prefix, paths, after)
               : !plansIn(*top, *prefix, "the working tree", paths, after))
      return kExitUsage;
    changes = plan::diffPlanSets(before, after);
  } else {
    if (args.size() != 2) {
      llvm::errs() << "pipec: error: usage: pipec diff OLD.plan.json NEW.plan.json\n";
      return kExitUsage;
    }
    auto before = readPlan(args[0]), after = readPlan(args[1]);
    if (!before || !after) return kExitUsage;
    auto name = [](const llvm::json::Value& plan) {
      const auto* object = plan.getAsObject();
      auto pipeline = object ? object->getString("pipeline") : llvm::None;
      return pipeline ? pipeline->str() : std::string("plan");
    };
    std::map<std::string, llvm::json::Value> a, b;
    a.emplace(name(*before), std::move(*before));
    b.emplace(name(*after), std::move(*after));
    changes = plan::diffPlanSets(a, b);
  }
  llvm::outs() << (opt::diffFormat == opt::DiffFormat::Json ? plan::renderDiffJson(changes)
                                                            : plan::renderDiffText(changes));
  return opt::diffExitCode && !changes.empty() ? kExitErrors : kExitOk;
}

}  // namespace pipelang::cli
