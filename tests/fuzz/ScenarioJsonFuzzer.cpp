// Fuzz target for the simulator's scenario reader (docs/runtime.md), against
// one fixed plan (corpus-plan/tiny.plan.json): any bytes give a
// scenario or an error, never a crash or a hang.
#include "runtime/plan/PlanReader.h"
#include "runtime/sim/Scenario.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pipelang::runtime::Plan plan = [] {
    llvm::Expected<pipelang::runtime::Plan> read =
        pipelang::runtime::readPlanFile(PIPE_SOURCE_DIR "/tests/fuzz/corpus-plan/tiny.plan.json");
    if (!read) {
      std::cerr << "scenario fuzzer: " << llvm::toString(read.takeError()) << "\n";
      std::abort();
    }
    return std::move(*read);
  }();
  std::string text(reinterpret_cast<const char*>(data), size);
  llvm::Expected<pipelang::runtime::Scenario> scenario = pipelang::runtime::parseScenario(text, plan);
  if (!scenario) llvm::consumeError(scenario.takeError());
  return 0;
}
