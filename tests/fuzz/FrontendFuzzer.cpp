// Fuzz target for the whole front end (lexer, parser, resolve, checks) and
// the plan builder: every pipeline that resolves is built into its plan
// document; an ASCII input's tokens by the hand-written lexer must equal the
// generated lexer's. LLVMFuzzerTestOneInput works with libFuzzer or AFL++ (scripts/fuzz.sh);
// StandaloneFuzzMain.cpp replays the seed corpus and bounded mutations in the test suite.
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/sema/Program.h"
#include "compiler/syntax/LexerCheck.h"

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A folder of this process's own, removed when it exits (a persistent
  // AFL++ run starts a fresh process every 10 000 inputs).
  static const struct OwnDir {
    std::filesystem::path path = std::filesystem::temp_directory_path() / ("pipe-fuzz-" + std::to_string(::getpid()));
    OwnDir() { std::filesystem::create_directories(path); }
    ~OwnDir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } own;
  // The hand-written lexer must give the generated one's tokens exactly
  // (compiler/syntax/HandLexer.h): a difference is a finding.
  std::string text(reinterpret_cast<const char*>(data), size);
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }) &&
      pipelang::tokensOfGeneratedLexer(text) != pipelang::tokensOfHandLexer(text))
    std::abort();
  const std::filesystem::path& dir = own.path;
  // Again each time: a process forked after the set-up may find it removed
  // by an earlier one's exit.
  std::filesystem::create_directories(dir);
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
