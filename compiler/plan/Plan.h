// The compiler's compact layout of an execution plan (PlanLayout): what
// PlanBuilder derives from a resolved pipeline and what PlanAnalysis walks;
// PlanJson converts it into the one plan model (plan/Plan.h) that is written
// (docs/plan-format.md). Steps refer to stages, regions and zones by index and
// keep hosts as a range, so `pipec check` can analyse ten thousand pipelines
// without building millions of host-name strings.
#pragma once

#include "plan/WindowCalendar.h"

#include <llvm/ADT/SmallVector.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pipelang::plan {

enum class StepType { Onebox, Batch, Canary, Test, Bake, Approval };

const char* stepTypeName(StepType type);

// Every part compares with `==` (SharedAnalyses: equal layouts, equal analyses).
struct PlanZone {
  std::string id;
  int64_t hosts = 0;
  bool operator==(const PlanZone&) const = default;
};

struct PlanRegion {
  std::string id;
  double traffic = 0;  // fraction of global requests
  std::vector<PlanZone> zones;
  bool operator==(const PlanRegion&) const = default;
};

struct PlanTest {
  std::string name;
  std::string run;
  int64_t timeoutS = 0;
  bool operator==(const PlanTest&) const = default;
};

struct PlanTrafficCondition {
  std::string metric;
  std::string cmp;
  double value = 0;
  bool operator==(const PlanTrafficCondition&) const = default;
};

struct PlanStage {
  std::string id;  // preprod: its name; prod: wave<N>
  bool preprod = false;
  std::vector<int> regions;  // indices into PlanLayout::regions
  int64_t bakeS = 0;
  std::optional<PlanTrafficCondition> minTraffic;
  std::vector<PlanTest> tests;
  int bakeStep = -1;  // index of the stage bake: the stage's last step
  bool operator==(const PlanStage&) const = default;
};

// A step's `after`: most steps wait for one step, so two indices are kept
// inline and a plan's hundreds of steps allocate nothing for them (issue 18).
using StepIndices = llvm::SmallVector<int, 2>;

struct Step {
  StepType type = StepType::Batch;
  int stage = 0;
  int region = -1;                       // -1: stage-wide
  int zone = -1;                         // index into the region's zones; -1: not zone-scoped
  int number = 0;                        // K of b<K> / canary<K>; index into the stage's tests for a test
  int64_t hostFirst = 0, hostCount = 0;  // 1-based range of host numbers in `zone`
  std::optional<double> traffic;
  std::optional<int64_t> bakeS;
  StepIndices after;  // indices of earlier steps: steps are in a topological order
  bool operator==(const Step&) const = default;
};

struct PlanLayout {
  std::vector<PlanRegion> regions;  // only the regions some stage deploys, in topology order
  // Topology regions that no prod wave deploys (zones left empty): the plan
  // never reaches global while this is not empty (plan.md §3).
  std::vector<PlanRegion> regionsInNoWave;
  std::vector<PlanStage> stages;  // execution order
  std::vector<Step> steps;        // topological order
  int64_t expectedS = 300;        // one batch (deploy.expected)
  int64_t rollbackTimeS = 120;    // one rollback batch (deploy.rollback_time)
  double rollbackBatch = 1.0;     // policy max_batch, 1.0 when off
  int64_t detectionS = 0;         // largest M x period reachable from rollback_on
  std::optional<planformat::WindowSpec> windows;
  bool operator==(const PlanLayout&) const = default;
};

std::string stepId(const PlanLayout& plan, const Step& step);
// stepId appended to `id` (a caller reusing one string's capacity).
void appendStepId(std::string& id, const PlanLayout& plan, const Step& step);
// `<zone>-hNN`: 1-based, zero-padded to the width of the zone's host count (at least two digits).
std::string hostName(const std::string& zone, int64_t number, int64_t count);

}  // namespace pipelang::plan
