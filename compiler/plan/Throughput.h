// The pipeline's throughput under `piperun serve`'s pipelining rules (each
// stage holds at most one version, versions never overtake: docs/service.md):
// how long a version holds each stage, the bottleneck, how many versions a
// week can reach global and the time to global of a version that arrives
// while the pipeline is busy (docs/plan.md "Throughput"; issue 19).
#pragma once

#include "compiler/plan/Plan.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace pipelang::plan {

// The walk of versions submitted together (the flood) counts completions for
// this long after the first version reaches global.
inline constexpr int64_t kThroughputSpanS = 28 * 86400;
// Ready times of the reference week tried for each stage's worst case.
inline constexpr int64_t kOccupancyGridS = 15 * 60;

struct Throughput {
  // Per stage (plan order), in seconds: the longest a version holds it, from
  // the moment it may enter (previous stage done, stage free) until its bake
  // ends, waiting for the window included. A worst case over the ready times
  // of the reference week (every 15 minutes) and of the flood.
  std::vector<int64_t> occupancyS;
  int bottleneck = -1;  // the stage with the largest occupancy (the first on ties); -1: no stages
  // Null when the plan never reaches global (regions in no wave) or has no stages.
  std::optional<double> versionsPerWeek;     // sustained, rounded down to 0.1
  std::optional<int64_t> busyTimeToGlobalS;  // the second of two versions submitted together
};

// `referenceStart`: unix seconds of the walk's start (Analysis::referenceStart);
// `reachesGlobal`: Analysis::reachesGlobal. Each stage walk reuses stepEnd, so
// a version alone in the pipeline has the analysis' time to global.
Throughput analyzeThroughput(const PlanLayout& plan, int64_t referenceStart, bool reachesGlobal);

}  // namespace pipelang::plan
