#include "runtime/service/PipeliningRules.h"

#include <fmt/format.h>

namespace pipelang::runtime::service {

std::optional<std::string> olderHoldsStage(const Engine& older, const std::string& stage) {
  if (!older.holdsStage(stage)) return std::nullopt;
  return fmt::format("waiting for {} to pass {} first (one version per stage, in order)", older.run().version, stage);
}

bool enteredFirstStage(const EngineView& view) {
  bool entered = view.rollingBack;
  for (const auto& stage : view.stages) entered = entered || stage.state == "active" || stage.state == "done";
  return entered;
}

bool supersedesWaiting(const Plan& plan) {
  return plan.executionMode != "queued";
}

}  // namespace pipelang::runtime::service
