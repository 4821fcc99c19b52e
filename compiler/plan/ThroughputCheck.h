// S227: a policy's floor on how many versions a week a pipeline can take to
// global (`min_versions_per_week`, unset in `strict`; docs/checks.md), from
// the plan's throughput (docs/plan.md "Throughput").
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/sema/Model.h"

namespace pipelang {

// Builds and analyses the plan only of pipelines whose policy sets the floor,
// once per plan shape. A plan that never reaches global is S209's business.
void checkThroughputFloor(const model::Program& program, DiagnosticSink& sink);
void checkThroughputFloor(const model::Pipeline& pipeline, DiagnosticSink& sink);

}  // namespace pipelang
