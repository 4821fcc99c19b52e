// `pipec diff OLD NEW` (two plan files) and `pipec diff --git REV1 REV2 [PATHS]`
// (the plans of two revisions of the source tree, each compiled from a
// `git archive` of the revision in a temporary directory).
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/cli/Reporting.h"
#include "compiler/driver/Frontend.h"
#include "compiler/plan/BoundedJson.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanDiff.h"
#include "compiler/sema/Model.h"

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>

#include <llvm/ADT/iterator.h>
#include <cstdio>
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

std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::optional<std::string> capture(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  if (pclose(pipe) != 0) return std::nullopt;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
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

// The plans of every pipeline at `rev`; false (diagnostics printed) on errors.
bool plansAt(const std::string& rev, const std::string& prefix, const std::vector<std::string>& paths,
             std::map<std::string, llvm::json::Value>& plans) {
  TempDir tree;
  if (tree.path.empty()) {
    llvm::errs() << "pipec: error: cannot create a temporary directory\n";
    return false;
  }
  if (!capture("git archive --format=tar " + quote(rev) + " | tar -x -C " + quote(tree.path.string()))) {
    llvm::errs() << "pipec: error: cannot check out `" << rev << "` (git archive failed)\n";
    return false;
  }
  fs::path base = tree.path / prefix;
  FrontendOptions options;
  for (const std::string& path : paths) options.inputs.push_back(base / path);
  if (options.inputs.empty()) options.inputs.push_back(base);
  options.root = opt::root.empty() ? base : base / opt::root.getValue();
  options.stdlibDir = opt::stdlib.getValue();
  options.upto = Phase::Check;
  std::unique_ptr<Compilation> compilation = Frontend::run(options);
  if (reportDiagnostics(*compilation) != kExitOk) {
    llvm::errs() << "pipec: error: revision `" << rev << "` does not compile\n";
    return false;
  }
  if (compilation->program)
    for (const model::Pipeline& pipeline : llvm::make_pointee_range(compilation->program->pipelines))
      plans.emplace(pipeline.name, plan::buildPlanJson(pipeline));
  return true;
}

}  // namespace

int runDiff() {
  std::vector<std::string> args(opt::diffArgs.begin(), opt::diffArgs.end());
  std::vector<plan::PlanChange> changes;
  if (opt::diffGit) {
    if (args.size() < 2) {
      llvm::errs() << "pipec: error: usage: pipec diff --git REV1 REV2 [PATHS...]\n";
      return kExitUsage;
    }
    auto prefix = capture("git rev-parse --show-prefix");
    if (!prefix) {
      llvm::errs() << "pipec: error: not inside a git work tree\n";
      return kExitUsage;
    }
    std::vector<std::string> paths(args.begin() + 2, args.end());
    std::map<std::string, llvm::json::Value> before, after;
    if (!plansAt(args[0], *prefix, paths, before) || !plansAt(args[1], *prefix, paths, after)) return kExitErrors;
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
  return kExitOk;
}

}  // namespace pipelang::cli
