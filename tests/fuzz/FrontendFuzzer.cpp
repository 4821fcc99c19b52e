// Fuzz target for the whole front end (lexer, parser, resolve, checks) and
// the plan builder: every pipeline that resolves is built into its plan
// document. LLVMFuzzerTestOneInput works with libFuzzer or AFL++ (scripts/fuzz.sh);
// StandaloneFuzzMain.cpp replays the seed corpus and bounded mutations in the test suite.
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/sema/Program.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path dir = [] {
    auto path = std::filesystem::temp_directory_path() / ("pipe-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  std::filesystem::path input = dir / "fuzz.pipe";
  {
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  pipelang::FrontendOptions options;
  options.inputs = {input};
  options.root = dir;
  options.upto = pipelang::Phase::Check;
  auto compilation = pipelang::Frontend::run(options);
  if (compilation->program && compilation->diagnostics.errorCount() == 0)
    for (const pipelang::model::Pipeline* pipeline : compilation->program->pipelines)
      (void)pipelang::plan::buildPlanJson(*pipeline);
  return 0;
}
