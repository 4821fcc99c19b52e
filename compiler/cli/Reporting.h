// Prints a compilation's diagnostics in the chosen format, the summary line,
// and turns them into the exit status (0 clean, 1 errors, 2 usage or I/O).
#pragma once

#include "compiler/driver/Frontend.h"

#include <string>

namespace pipelang::cli {

int reportDiagnostics(const Compilation& compilation);

// "no pipeline named `NAME`", or, when NAME is a template, that it is one
// and what to give instead (`pipec plan --pipeline`, `pipec graph`).
std::string noPipelineNamed(const Compilation& compilation, const std::string& name);

}  // namespace pipelang::cli
