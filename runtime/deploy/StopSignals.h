// SIGTERM or SIGINT while commands run: every command's process group is told
// to stop too (SIGTERM, then SIGKILL after a grace period), so no deploy call
// outlives piperun; then piperun ends by the same signal. The journal is left
// as after a kill: a step recorded as started is re-run by `resume`
// (runtime.md §3), so stopping is always safe. Without commands in flight,
// the signal ends piperun at once, as if no handler were installed.
#pragma once

#include <sys/types.h>

namespace pipelang::runtime {

void installStopHandlers();

// Commands in flight, by process group; called by ChildProcess.
void commandStarted(pid_t group);
void commandEnded(pid_t group);

// 0, or the signal that asked piperun to stop while commands ran.
int stopRequested();
// Waits up to the grace period for the commands to end, kills what is left,
// and ends the process by the stop signal.
[[noreturn]] void stopNow();
// For a runner that cannot go on (its journal failed): SIGTERM to every
// command's group, up to 10 s for them to end, then SIGKILL; returns how many
// commands were in flight. The process then ends by its own error path.
int stopCommandsInFlight();

}  // namespace pipelang::runtime
