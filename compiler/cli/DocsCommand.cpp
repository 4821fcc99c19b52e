// `pipec completion bash|zsh|fish` and the build's `pipec --man-page`: both
// read pipec's own option tables (clidoc), so neither can drift from them.
#include "clidoc/CliModel.h"
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/diag/Diagnostic.h"

#include <llvm/Support/raw_ostream.h>

namespace pipelang::cli {
namespace {

clidoc::CliProgram pipecProgram(const std::string& overview) {
  std::string summary = overview.substr(0, overview.find('\n'));
  summary = summary.substr(summary.find(": ") + 2);
  clidoc::CliProgram program = clidoc::describeCommandLine("pipec", summary, category);
  program.version = PIPE_VERSION;
  program.description =
      "pipec reads .pipe files under the project root and the standard library, checks them against the "
      "pipeline's policy, and compiles each pipeline to an execution plan for piperun(1). It never runs a "
      "command or touches the network.\n\n"
      "The language is described in pipe(5). `pipec explain CODE` explains each diagnostic code.";
  program.sections = {
      {"Exit status",
       "0: no errors (warnings allowed), or the command succeeded.\n\n"
       "1: errors in the input (or warnings with --werror); files not canonical (fmt --check); plans differ "
       "(diff --exit-code).\n\n"
       "2: usage or I/O failures."},
      {"Environment", "PIPE_STDLIB: the standard library directory, used when --stdlib is not given."},
      {"Files",
       "../share/pipe/stdlib next to the directory of the pipec executable: the installed standard library "
       "(std/aws, std/policy, std/templates)."},
      {"See also", "piperun(1), pipe(5)"}};
  return program;
}

}  // namespace

int runManPage(const char* overview) {
  llvm::outs() << clidoc::renderManPage(pipecProgram(overview));
  return kExitOk;
}

int runCompletion() {
  clidoc::Shell shell;
  if (opt::completionShell == "bash")
    shell = clidoc::Shell::Bash;
  else if (opt::completionShell == "zsh")
    shell = clidoc::Shell::Zsh;
  else if (opt::completionShell == "fish")
    shell = clidoc::Shell::Fish;
  else {
    llvm::errs() << "pipec: error: unknown shell `" << opt::completionShell << "`: use bash, zsh or fish\n";
    return kExitUsage;
  }
  clidoc::CompletionHints hints;
  for (const DiagKindInfo& kind : allDiagKinds()) hints.codes.emplace_back(kind.name);
  llvm::outs() << clidoc::renderCompletion(pipecProgram("pipec: checks and plans .pipe deployment pipelines"), shell,
                                           hints);
  return kExitOk;
}

}  // namespace pipelang::cli
