// Fuzz target for the runtime's plan reader (docs/plan-format.md): any bytes
// give a plan or an error, never a crash or a hang.
#include "runtime/plan/PlanReader.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  llvm::Expected<pipelang::runtime::Plan> plan = pipelang::runtime::parsePlan(text, "fuzz.plan.json");
  if (!plan) llvm::consumeError(plan.takeError());
  return 0;
}
