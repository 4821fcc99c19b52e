// Splits a command line into argv the way a POSIX shell would for words and
// quotes (no expansion, no operators): the result is executed directly.
#pragma once

#include <llvm/Support/Error.h>

#include <string>
#include <vector>

namespace pipelang::runtime {

llvm::Expected<std::vector<std::string>> splitCommandLine(const std::string& line);

}  // namespace pipelang::runtime
