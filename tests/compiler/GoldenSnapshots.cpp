#include "tests/compiler/GoldenSnapshots.h"

#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanWriter.h"
#include "compiler/sema/Model.h"

#include <llvm/ADT/iterator.h>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace pipelang;

// Snapshots only the pipelines declared in the input itself (not those of the
// files it imports), one `<stem>.<pipeline>.plan.json` each.
bool checkPlanSnapshots(const Compilation& compilation, const fs::path& input, bool update, std::string* report) {
  if (!compilation.program) return true;
  std::optional<FileId> inputId;
  for (const LoadedFile& file : compilation.files)
    if (file.isInput) inputId = file.id;
  bool passed = true;
  for (const model::Pipeline& pipeline : llvm::make_pointee_range(compilation.program->pipelines)) {
    if (!inputId || pipeline.origin.range.file != *inputId) continue;
    fs::path snapshot = input.parent_path() / (input.stem().string() + "." + pipeline.name + ".plan.json");
    std::string actual = plan::writePlanText(plan::buildPlanJson(pipeline));
    std::ifstream in(snapshot, std::ios::binary);
    std::stringstream expected;
    if (in) expected << in.rdbuf();
    if (in && expected.str() == actual) continue;
    if (update) {
      std::ofstream(snapshot, std::ios::binary) << actual;
      *report += "  updated " + snapshot.filename().string() + "\n";
      continue;
    }
    passed = false;
    *report += "  plan snapshot " + snapshot.filename().string() +
               (in ? " differs (run pipe_golden --update to accept)\n" : " is missing (run pipe_golden --update)\n");
  }
  return passed;
}
