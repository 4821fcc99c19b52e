// S218 (time to global) and S219 (worst-case recovery): the checks that need
// the plan's analysis, run from the check phase after resolve.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/sema/Model.h"

namespace pipelang {

void checkPlanBounds(const model::Pipeline& pipeline, DiagnosticSink& sink);
void checkPlanBounds(const model::Program& program, DiagnosticSink& sink);

}  // namespace pipelang
