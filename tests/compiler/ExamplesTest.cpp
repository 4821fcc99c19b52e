// The shipped examples and the standard library are compiled by the tests:
// the organisation's pipelines are clean, and each file in examples/unsafe/
// is refused with exactly the code its first comment names.
#include "compiler/driver/Frontend.h"
#include "compiler/diag/DiagnosticRenderer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

namespace fs = std::filesystem;
using namespace pipelang;

namespace {

std::unique_ptr<Compilation> compile(std::vector<fs::path> inputs) {
  FrontendOptions options;
  options.inputs = std::move(inputs);
  options.root = PIPE_SOURCE_DIR;
  options.upto = Phase::Check;
  return Frontend::run(options);
}

std::string describe(const Compilation& compilation) {
  std::string text;
  for (const Diagnostic& d : compilation.diagnostics.diagnostics()) text += renderHuman(d, compilation.sources, false);
  return text;
}

}  // namespace

TEST(Examples, OrganisationAndStdlibAreClean) {
  fs::path root = PIPE_SOURCE_DIR;
  auto compilation = compile({root / "examples/services", root / "examples/templates", root / "stdlib"});
  EXPECT_TRUE(compilation->ioErrors.empty());
  EXPECT_EQ(compilation->diagnostics.errorCount(), 0u) << describe(*compilation);
  EXPECT_GE(compilation->inputFileCount, 8u);
}

TEST(Examples, EachUnsafeFileReportsItsCode) {
  fs::path unsafe = fs::path(PIPE_SOURCE_DIR) / "examples/unsafe";
  int files = 0;
  for (const auto& entry : fs::directory_iterator(unsafe)) {
    if (entry.path().extension() != ".pipe") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string firstLine;
    std::getline(in, firstLine);
    std::smatch match;
    ASSERT_TRUE(std::regex_search(firstLine, match, std::regex(R"(// ([RS]\d{3}):)")))
        << entry.path().filename() << " must start with `// CODE: why`";
    std::string code = match[1];
    auto compilation = compile({entry.path()});
    std::set<std::string> reported;
    for (const Diagnostic& d : compilation->diagnostics.diagnostics())
      if (d.severity == Severity::Error) reported.insert(std::string(diagKind(d.code).name));
    EXPECT_EQ(reported, std::set<std::string>{code}) << entry.path().filename() << "\n" << describe(*compilation);
  }
  EXPECT_GE(files, 17);
}
