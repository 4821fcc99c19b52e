// S215 on the calendar itself, for windows with `dates`: the weekly view of
// WindowChecks (S214 S215) leaves dated rules out, so a freeze of more than a
// year would pass it, and the schedule walk, finding no opening within the
// calendar's horizon (400 days), would let the stage start inside the freeze.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/sema/Model.h"
#include "plan/WindowCalendar.h"

#include <optional>
#include <vector>

namespace pipelang::plan {

// Reports S215 (once) when a pipeline's windows, dates included, do not open
// in the 400 days from the analysis' reference start (Monday 2026-01-05 09:00
// in the windows' zone) or from the first day of a later dated deny, while
// their weekly view does open (else WindowChecks has said so). Windows
// without dated rules are the weekly view: nothing to add.
void checkWindowsOpenWithinHorizon(const model::Pipeline& pipeline, DiagnosticSink& sink);

// The same, remembering each windows' answer: an organisation's services
// share their template's windows, and asking the calendar costs tens of
// microseconds a pipeline (a sixth of `pipec check` with one dated freeze).
// At most kKept windows are kept. One per thread.
class WindowHorizon {
 public:
  void check(const model::Pipeline& pipeline, DiagnosticSink& sink);
  static constexpr size_t kKept = 16;

  // Which deny keeps the windows closed (-1: the windows as a whole), if any.
  struct Closed {
    int deny = -1;
  };

 private:
  struct Known {
    planformat::WindowSpec spec;
    std::optional<Closed> closed;
  };
  std::vector<Known> known_;  // oldest first
};

}  // namespace pipelang::plan
