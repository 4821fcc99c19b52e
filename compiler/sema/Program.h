// The resolve phase: AST files -> model::Program + R-diagnostics, then (when
// asked) the safety checks of checks.md (S-diagnostics) on each pipeline.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/driver/SourceLoader.h"
#include "compiler/sema/Model.h"

#include <memory>
#include <vector>

namespace pipelang {

std::unique_ptr<model::Program> resolveProgram(std::vector<LoadedFile>& files, const SourceManager& sources,
                                               DiagnosticSink& sink, bool runChecks);

}  // namespace pipelang
