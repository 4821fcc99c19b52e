// `pipec diff`: placeholder until PlanDiff lands.
#include "compiler/cli/Commands.h"

#include <llvm/Support/raw_ostream.h>

namespace pipelang::cli {

int runDiff() {
  llvm::errs() << "pipec: error: diff is not implemented yet\n";
  return kExitUsage;
}

}  // namespace pipelang::cli
