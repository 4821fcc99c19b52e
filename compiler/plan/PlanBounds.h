// S218 (time to global) and S219 (worst-case recovery): the checks that need
// the plan's analysis, run from the check phase after resolve.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/plan/WindowHorizon.h"
#include "compiler/sema/Model.h"

#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace pipelang {

void checkPlanBounds(const model::Pipeline& pipeline, DiagnosticSink& sink);
void checkPlanBounds(const model::Program& program, DiagnosticSink& sink);

// S218/S219 one pipeline at a time, sharing the analysis between pipelines of
// one plan shape or of equal plan::timesKey (checks.md S218, S219): what
// resolveProgram calls on each pipeline before it frees the model (issue 18).
class PlanBoundsChecker {
 public:
  PlanBoundsChecker();
  ~PlanBoundsChecker();
  void check(const model::Pipeline& pipeline, DiagnosticSink& sink);

 private:
  struct Facts;
  plan::WindowHorizon horizon_;  // S215 of dated windows, remembered per windows
  std::map<const void*, const Facts*> byShape_;
  std::unordered_map<std::string, std::unique_ptr<Facts>> byKey_;
};

}  // namespace pipelang
