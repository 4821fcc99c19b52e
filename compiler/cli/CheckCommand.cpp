// `pipec check`: what teams run in pre-merge checks (checks.md §1).
#include "compiler/cli/Commands.h"
#include "compiler/cli/ExitFast.h"
#include "compiler/cli/Options.h"
#include "compiler/cli/Reporting.h"
#include "compiler/driver/Frontend.h"
#include "compiler/driver/ParseAhead.h"

namespace pipelang::cli {

int runCheck() {
  FrontendOptions options;
  options.absoluteAsNamed = true;
  for (const std::string& path : opt::checkPaths) options.inputs.emplace_back(path);
  if (options.inputs.empty()) options.inputs.emplace_back(".");
  options.root = opt::root.getValue();
  options.stdlibDir = opt::stdlib.getValue();
  options.upto = Phase::Check;
  options.jobs = effectiveJobs(opt::jobs);
  options.keepPipelines = false;  // only diagnostics are reported: memory flat in the number of services
  std::unique_ptr<Compilation> compilation = Frontend::run(options);
  // The compilation is not freed: exiting is enough (docs/performance.md).
  return exitFast(reportDiagnostics(*compilation));
}

}  // namespace pipelang::cli
