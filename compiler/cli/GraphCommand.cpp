// `pipec graph FILE --pipeline P`: the plan's DAG for Mermaid or Graphviz, or
// as SVG drawn by Graphviz's `dot` when it is installed (docs/plan.md).
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/cli/Process.h"
#include "compiler/cli/Reporting.h"
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanGraph.h"
#include "compiler/sema/Model.h"

#include <llvm/ADT/iterator.h>
#include <llvm/Support/raw_ostream.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace pipelang::cli {
namespace {

// The dot text drawn as SVG by Graphviz; exit 2 with how to get it when absent.
int printSvg(const std::string& dot) {
  if (!onPath("dot")) {
    llvm::errs() << "pipec: error: --format=svg needs Graphviz's `dot` on PATH (Debian: `apt-get install graphviz`); "
                    "or print --format=dot and render it elsewhere\n";
    return kExitUsage;
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "pipec-graph-XXXXXX").string();
  int fd = mkstemp(pattern.data());
  if (fd < 0) {
    llvm::errs() << "pipec: error: cannot create a temporary file\n";
    return kExitUsage;
  }
  close(fd);
  std::ofstream(pattern, std::ios::binary) << dot;
  auto svg = captureOutput({"dot", "-Tsvg", pattern});
  std::filesystem::remove(pattern);
  if (!svg) {
    llvm::errs() << "pipec: error: Graphviz's `dot -Tsvg` failed\n";
    return kExitUsage;
  }
  llvm::outs() << *svg << "\n";
  return kExitOk;
}

}  // namespace

int runGraph() {
  FrontendOptions options;
  options.absoluteAsNamed = true;
  options.inputs.emplace_back(opt::graphFile.getValue());
  options.root = opt::root.getValue();
  options.stdlibDir = opt::stdlib.getValue();
  options.upto = Phase::Check;
  std::unique_ptr<Compilation> compilation = Frontend::run(options);
  if (int status = reportDiagnostics(*compilation); status != kExitOk) return status;
  if (compilation->program)
    for (const model::Pipeline& pipeline : llvm::make_pointee_range(compilation->program->pipelines))
      if (pipeline.name == opt::graphPipeline) {
        llvm::json::Value plan = plan::buildPlanJson(pipeline);
        if (opt::graphFormat == opt::GraphFormat::Svg) return printSvg(plan::graphDot(plan));
        llvm::outs() << (opt::graphFormat == opt::GraphFormat::Dot ? plan::graphDot(plan) : plan::graphMermaid(plan));
        return kExitOk;
      }
  std::string why = noPipelineNamed(*compilation, opt::graphPipeline);
  if (why.starts_with("no pipeline")) why += " in `" + opt::graphFile + "`";
  llvm::errs() << "pipec: error: " << why << "\n";
  return kExitUsage;
}

}  // namespace pipelang::cli
