// S215 on the calendar itself, for windows with `dates`: the weekly view of
// WindowChecks (S214 S215) leaves dated rules out, so a freeze of more than a
// year would pass it, and the schedule walk, finding no opening within the
// calendar's horizon (400 days), would let the stage start inside the freeze.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/sema/Model.h"

namespace pipelang::plan {

// Reports S215 (once) when a pipeline's windows, dates included, do not open
// in the 400 days from the analysis' reference start (Monday 2026-01-05 09:00
// in the windows' zone) or from the first day of a later dated deny, while
// their weekly view does open (else WindowChecks has said so). Windows
// without dated rules are the weekly view: nothing to add.
void checkWindowsOpenWithinHorizon(const model::Pipeline& pipeline, DiagnosticSink& sink);

}  // namespace pipelang::plan
