#include "compiler/cli/Reporting.h"

#include "compiler/cli/CodeQuality.h"
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/diag/DiagnosticRenderer.h"
#include "compiler/sema/Model.h"

#include <llvm/Support/raw_ostream.h>

#include <unistd.h>

namespace pipelang::cli {

int reportDiagnostics(const Compilation& compilation) {
  for (const std::string& error : compilation.ioErrors) llvm::errs() << "pipec: error: " << error << "\n";
  const auto& diagnostics = compilation.diagnostics.diagnostics();
  switch (opt::format.getValue()) {
    case OutputFormat::Json:
      llvm::outs() << renderJson(diagnostics, compilation.sources);
      break;
    case OutputFormat::Sarif:
      llvm::outs() << renderSarif(diagnostics, compilation.sources);
      break;
    case OutputFormat::CodeQuality:
      llvm::outs() << renderCodeQuality(diagnostics, compilation.sources);
      break;
    case OutputFormat::Human: {
      bool color = opt::color == ColorMode::Always || (opt::color == ColorMode::Auto && isatty(STDERR_FILENO));
      for (const Diagnostic& d : diagnostics) llvm::errs() << renderHuman(d, compilation.sources, color);
      break;
    }
  }
  llvm::outs().flush();
  size_t errors = compilation.diagnostics.errorCount();
  size_t warnings = compilation.diagnostics.warningCount();
  llvm::errs() << summaryLine(errors, warnings, compilation.inputFileCount) << "\n";
  if (opt::format == OutputFormat::Human && !diagnostics.empty()) llvm::errs() << explainHint(diagnostics) << "\n";
  if (!compilation.ioErrors.empty()) return kExitUsage;
  if (errors > 0 || (opt::werror && warnings > 0)) return kExitErrors;
  return kExitOk;
}

std::string noPipelineNamed(const Compilation& compilation, const std::string& name) {
  if (compilation.program)
    for (const model::Pipeline& declared : compilation.program->all)
      if (declared.name == name && declared.isTemplate)
        return "`" + name + "` is a template, not a pipeline: name a pipeline that extends it";
  return "no pipeline named `" + name + "`";
}

}  // namespace pipelang::cli
