// `pipec show PIPELINE [PATHS...]`: the pipeline with inheritance merged, in
// `.pipe` syntax, each value annotated with the file and line that wrote it.
// Diagnostics of the inputs follow on stderr, as `pipec check` prints them.
// `--format=json` prints the same as data (ShowJson.h).
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/cli/Reporting.h"
#include "compiler/cli/ShowJson.h"
#include "compiler/driver/Frontend.h"
#include "compiler/sema/Show.h"

#include <llvm/Support/raw_ostream.h>

#include <algorithm>

namespace pipelang::cli {

int runShow() {
  if (opt::showArgs.empty()) {
    llvm::errs() << "pipec show: name a pipeline or template, e.g. `pipec show OrderService services/`\n";
    return kExitUsage;
  }
  FrontendOptions options;
  options.absoluteAsNamed = true;
  for (size_t i = 1; i < opt::showArgs.size(); ++i) options.inputs.emplace_back(opt::showArgs[i]);
  if (options.inputs.empty()) options.inputs.emplace_back(".");
  options.root = opt::root.getValue();
  options.stdlibDir = opt::stdlib.getValue();
  options.upto = Phase::Check;
  std::unique_ptr<Compilation> compilation = Frontend::run(options);
  std::string text;
  bool found;
  if (opt::showFormat == opt::ShowFormat::Json) {
    auto json = showJson(compilation->files, compilation->sources, opt::showArgs[0], text, &compilation->importTargets,
                         compilation->prelude);
    found = json.has_value();
    if (found) text = *json;
  } else {
    found = sema::showMerged(compilation->files, compilation->sources, opt::showArgs[0], text,
                             &compilation->importTargets, compilation->prelude);
  }
  if (found)
    llvm::outs() << text;
  else
    llvm::errs() << "pipec show: " << text << "\n";
  llvm::outs().flush();
  int status = compilation->diagnostics.diagnostics().empty() && compilation->ioErrors.empty()
                   ? kExitOk
                   : reportDiagnostics(*compilation);
  return found ? status : std::max(status, kExitErrors);
}

}  // namespace pipelang::cli
