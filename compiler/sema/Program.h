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

// What resolveProgram does with each concrete pipeline (issue 18). `check`
// runs after the safety checks on every pipeline that resolved cleanly, in
// name order, and its diagnostics follow theirs (S218/S219 from the driver).
// With `keep` false a pipeline's model is freed once it is checked, so memory
// holds one pipeline's model at a time: Program::all then holds templates
// only and Program::pipelines is empty (`pipec check` needs nothing more).
// `visit` runs on each such pipeline after `check`, with or without checks
// (what `pipec plan -o` writes plans from).
//
// With `jobs` > 1, `keep` false and no `visit` (`pipec check`), pipelines
// are built and checked on `jobs` threads, the caller's and jobs - 1 more
// (docs/performance.md "Resolving on several threads"); diagnostics keep the
// order and bytes of one thread. `check` then runs on the caller's thread and
// each other thread runs its own from `newCheck` (made on the caller's
// thread before they start); without `newCheck` a set `check` keeps one thread.
using PipelineCheck = std::function<void(const model::Pipeline&, DiagnosticSink&)>;
struct PipelineStream {
  PipelineCheck check;
  std::function<void(const model::Pipeline&)> visit;
  bool keep = true;
  unsigned jobs = 1;
  std::function<PipelineCheck()> newCheck;
};

std::unique_ptr<model::Program> resolveProgram(std::vector<LoadedFile>& files, const SourceManager& sources,
                                               DiagnosticSink& sink, bool runChecks, const NameScope& scope = {},
                                               const PipelineStream& stream = {});

}  // namespace pipelang
