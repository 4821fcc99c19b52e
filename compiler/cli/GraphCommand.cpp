// `pipec graph FILE --pipeline P`: the plan's DAG for Mermaid or Graphviz.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/cli/Reporting.h"
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanGraph.h"
#include "compiler/sema/Model.h"

#include <llvm/ADT/iterator.h>
#include <llvm/Support/raw_ostream.h>

namespace pipelang::cli {

int runGraph() {
  FrontendOptions options;
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
        llvm::outs() << (opt::graphFormat == opt::GraphFormat::Dot ? plan::graphDot(plan) : plan::graphMermaid(plan));
        return kExitOk;
      }
  llvm::errs() << "pipec: error: no pipeline named `" << opt::graphPipeline << "` in `" << opt::graphFile << "`\n";
  return kExitUsage;
}

}  // namespace pipelang::cli
