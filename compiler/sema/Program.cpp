#include "compiler/sema/Program.h"
namespace pipelang {
std::unique_ptr<model::Program> resolveProgram(std::vector<LoadedFile>&, const SourceManager&, DiagnosticSink&, bool) {
  return std::make_unique<model::Program>();
}
}  // namespace pipelang
