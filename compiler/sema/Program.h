// The resolve phase: AST files -> model::Program + R-diagnostics, then (when
// asked) the safety checks of checks.md (S-diagnostics) on each pipeline.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/driver/SourceLoader.h"
#include "compiler/sema/Model.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pipelang {

// How names are found: through each file's imports (`importTargets`, as the
// loader resolved them) and the prelude file; `declaredInProject` says where
// in the project an unknown name is declared ((kind, canonical path), for
// the "add import" help), and may be empty.
struct NameScope {
  const std::map<std::pair<FileId, size_t>, FileId>* importTargets = nullptr;  // null: everything is visible
  FileId prelude = kNoFile;
  std::function<std::optional<std::pair<std::string, std::string>>(const std::string&)> declaredInProject;
};

std::unique_ptr<model::Program> resolveProgram(std::vector<LoadedFile>& files, const SourceManager& sources,
                                               DiagnosticSink& sink, bool runChecks, const NameScope& scope = {});

}  // namespace pipelang
