// Records every exec call of a run in its journal (table `calls`) before the
// command may run, and closes it when it has ended, so a runner that died can
// be followed by one that waits for or stops what it left (runtime.md "One
// call per step, also across crashes"). Used by `run`/`resume` and `serve`.
#pragma once

#include "runtime/clock/Clock.h"
#include "runtime/deploy/ExecDeployer.h"
#include "runtime/journal/Journal.h"

namespace pipelang::runtime {

// A recorder for `runId`'s calls; `journal` and `clock` must outlive the deployer.
ExecDeployer::Recorder journalRecorder(Journal& journal, std::int64_t runId, Clock& clock);

}  // namespace pipelang::runtime
