// Whether a live piperun holds a state DB's runner lock (docs/runtime.md
// "Nothing waits silently or forever"): `status` uses it to say that a run
// recorded in flight is not progressing because its runner died.
#pragma once

#include <string>

namespace pipelang::runtime {

// True when another process holds the runner lock of `dbPath` (its `.lock`
// file, flock). Never takes the lock for longer than the probe itself; a
// missing lock file means no runner ever held it.
bool liveRunnerHolds(const std::string& dbPath);

}  // namespace pipelang::runtime
