#include "compiler/cli/ExitFast.h"

#include <llvm/Support/raw_ostream.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace pipelang::cli {

int exitFast(int status) {
  llvm::outs().flush();
  llvm::errs().flush();
  std::cout.flush();
  std::cerr.flush();
  if (llvm::outs().has_error() || llvm::errs().has_error() || std::fflush(nullptr) != 0 || !std::cout) return status;
  std::_Exit(status);
}

}  // namespace pipelang::cli
