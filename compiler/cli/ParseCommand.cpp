// `pipec parse --dump-ast FILE`: the syntax phase alone, for debugging.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/cli/Reporting.h"
#include "compiler/driver/Frontend.h"
#include "compiler/syntax/AstDump.h"

#include <llvm/Support/raw_ostream.h>

namespace pipelang::cli {

int runParse() {
  FrontendOptions options;
  options.absoluteAsNamed = true;
  options.inputs.emplace_back(opt::parseFile.getValue());
  options.root = opt::root.getValue();
  options.stdlibDir = opt::stdlib.getValue();
  options.upto = Phase::Parse;
  std::unique_ptr<Compilation> compilation = Frontend::run(options);
  if (opt::dumpAst)
    for (const LoadedFile& file : compilation->files)
      if (file.isInput) llvm::outs() << dumpAst(*file.ast);
  return reportDiagnostics(*compilation);
}

}  // namespace pipelang::cli
