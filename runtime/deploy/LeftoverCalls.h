// One call per step, also across crashes (runtime.md, "One call per step"):
// before a runner re-runs a step, a call a dead runner left running on the
// same hosts is waited for, up to what is left of its timeout, or stopped.
#pragma once

#include "runtime/journal/Journal.h"

#include <functional>
#include <string>

namespace pipelang::runtime {

// For every call the journal says was started and never seen to end: when
// its process group is still the call's and alive (pgid + start time, so a
// recycled pid is not mistaken), waits until it ends or its timeout
// (started_at + timeout_s) passes, then SIGTERM to the group, 10 s, SIGKILL.
// Each decision is said through `say` and journaled as a `leftover_call`
// event of `runId`; every call is then closed in the journal.
// A call recorded on another machine (CallRecord::elsewhere) cannot be
// looked at or signalled from here: it is taken as running until its deadline.
void settleLeftoverCalls(Journal& journal, std::int64_t runId, const std::function<void(const std::string&)>& say);

// Without waiting: the calls a previous runner left that may still run
// (alive here, or recorded elsewhere and not past their deadline,
// started_at + timeout_s); none when settleLeftoverCalls will not wait.
// `piperun serve` resumes a pipeline it took over from another instance
// only once there are none (docs/service.md "Several instances on PostgreSQL").
std::vector<CallRecord> leftoverCallsRunning(Journal& journal, Instant now);

}  // namespace pipelang::runtime
