// TEMPORARY (h/api): stands in for the lead's `piperun serve` so that main.cpp
// links; the lead drops this file when runtime/cli/ServeCommand.cpp lands.
#include "runtime/cli/Commands.h"

#include <llvm/Support/raw_ostream.h>

namespace pipelang::runtime::cli {

int serveCommand(const ServeArgs&) {
  llvm::errs() << "serve: not built yet\n";
  return kRuntimeError;
}

}  // namespace pipelang::runtime::cli
