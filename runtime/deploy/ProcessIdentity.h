// Telling a call's process group apart from a recycled pid (runtime.md, "One
// call per step, also across crashes"): a group is the call's only while its
// leader, if still there, has the start time the journal recorded.
#pragma once

#include <sys/types.h>

#include <optional>

namespace pipelang::runtime {

// The start time of process `pid` in clock ticks since boot (/proc/PID/stat
// field 22); none when there is no such process.
std::optional<unsigned long long> processStartTicks(pid_t pid);

// True while some process of group `pgid` is alive (not a zombie) and the
// group is the one whose leader started at `startTicks`.
bool callGroupAlive(pid_t pgid, unsigned long long startTicks);

}  // namespace pipelang::runtime
