// The resolved program: every declaration by name, with inheritance merged
// and values typed against the schema. Filled in by the resolve phase.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/driver/SourceLoader.h"

#include <memory>
#include <vector>

namespace pipelang::model {
struct Program {};
}  // namespace pipelang::model

namespace pipelang {
std::unique_ptr<model::Program> resolveProgram(std::vector<LoadedFile>& files, const SourceManager& sources,
                                               DiagnosticSink& sink, bool runChecks);
}
