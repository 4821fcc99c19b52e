#include "compiler/plan/Plan.h"
#include "plan/Plan.h"

#include <fmt/format.h>

namespace pipelang::plan {

const char* stepTypeName(StepType type) {
  switch (type) {
    case StepType::Onebox:
      return "onebox";
    case StepType::Batch:
      return "batch";
    case StepType::Canary:
      return "canary";
    case StepType::Test:
      return "test";
    case StepType::Bake:
      return "bake";
    case StepType::Approval:
      return "approval";
  }
  return "batch";
}

std::string stepId(const PlanLayout& plan, const Step& step) {
  const PlanStage& stage = plan.stages[step.stage];
  const PlanRegion* region = step.region >= 0 ? &plan.regions[step.region] : nullptr;
  const std::string* zone = region && step.zone >= 0 ? &region->zones[step.zone].id : nullptr;
  switch (step.type) {
    case StepType::Onebox:
      return fmt::format("{}/{}/onebox", stage.id, region->id);
    case StepType::Batch:
      return fmt::format("{}/{}/{}/b{}", stage.id, region->id, *zone, step.number);
    case StepType::Canary:
      return fmt::format("{}/{}/canary{}", stage.id, region->id, step.number);
    case StepType::Test:
      return fmt::format("{}/test/{}", stage.id, stage.tests[step.number].name);
    case StepType::Approval:
      return stage.id + "/approval";
    case StepType::Bake:
      if (zone) return fmt::format("{}/{}/{}/bake", stage.id, region->id, *zone);
      return stage.id + "/bake";
  }
  return stage.id;
}

std::string hostName(const std::string& zone, int64_t number, int64_t count) {
  std::string name;
  planformat::appendHostName(name, zone, number, planformat::hostNumberWidth(count));
  return name;
}

}  // namespace pipelang::plan
