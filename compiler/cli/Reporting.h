// Prints a compilation's diagnostics in the chosen format, the summary line,
// and turns them into the exit status (0 clean, 1 errors, 2 usage or I/O).
#pragma once

#include "compiler/driver/Frontend.h"

namespace pipelang::cli {

int reportDiagnostics(const Compilation& compilation);

}  // namespace pipelang::cli
