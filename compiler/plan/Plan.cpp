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

// Appends rather than fmt::format: `pipec plan -o` names every step of every
// plan (about 600 a plan), where formatting was a tenth of the model's cost
// (issue 18). The same names.
void appendStepId(std::string& id, const PlanLayout& plan, const Step& step) {
  const PlanStage& stage = plan.stages[step.stage];
  const PlanRegion* region = step.region >= 0 ? &plan.regions[step.region] : nullptr;
  const std::string* zone = region && step.zone >= 0 ? &region->zones[step.zone].id : nullptr;
  id += stage.id;
  id += '/';
  switch (step.type) {
    case StepType::Onebox:
      id += region->id;
      id += "/onebox";
      return;
    case StepType::Batch:
      id += region->id;
      id += '/';
      id += *zone;
      id += "/b";
      id += std::to_string(step.number);
      return;
    case StepType::Canary:
      id += region->id;
      id += "/canary";
      id += std::to_string(step.number);
      return;
    case StepType::Test:
      id += "test/";
      id += stage.tests[step.number].name;
      return;
    case StepType::Approval:
      id += "approval";
      return;
    case StepType::Bake:
      if (zone) {
        id += region->id;
        id += '/';
        id += *zone;
        id += '/';
      }
      id += "bake";
      return;
  }
  id.resize(id.size() - 1);  // an unknown type: the stage's id
}

std::string stepId(const PlanLayout& plan, const Step& step) {
  std::string id;
  appendStepId(id, plan, step);
  return id;
}

std::string hostName(const std::string& zone, int64_t number, int64_t count) {
  std::string name;
  planformat::appendHostName(name, zone, number, planformat::hostNumberWidth(count));
  return name;
}

}  // namespace pipelang::plan
