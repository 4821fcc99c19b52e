// Fuzz target for the shared plan reader and writer (docs/plan-format.md):
// any bytes give a plan or an error, never a crash or a hang; and a plan the
// reader accepts, once written by the shared writer, reads again and writes
// to the same bytes (one model: nothing read is lost or changed by writing).
#include "plan/PlanWriter.h"
#include "runtime/plan/PlanReader.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  llvm::Expected<pipelang::runtime::Plan> plan = pipelang::runtime::parsePlan(text, "fuzz.plan.json");
  if (!plan) {
    llvm::consumeError(plan.takeError());
    return 0;
  }
  std::string written = pipelang::planformat::writePlan(*plan);
  auto again = pipelang::runtime::parsePlan(written, "written.plan.json");
  if (!again) {
    std::fprintf(stderr, "a written plan does not read: %s\n", llvm::toString(again.takeError()).c_str());
    std::abort();
  }
  if (pipelang::planformat::writePlan(*again) != written) {
    std::fprintf(stderr, "a written plan reads back to other bytes\n");
    std::abort();
  }
  return 0;
}
