#include "runtime/service/PipeliningRules.h"

#include <fmt/format.h>

namespace pipelang::runtime::service {

std::optional<std::string> olderHoldsStage(const std::string& olderVersion, const EngineView& olderView,
                                           const std::string& stage) {
  for (const auto& view : olderView.stages)
    if (view.id == stage && view.state != "done")
      return fmt::format("waiting for {} to pass {} first (one version per stage, in order)", olderVersion, stage);
  return std::nullopt;
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
