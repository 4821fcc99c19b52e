// pipec: the compiler's command line. Dispatches to one subcommand.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/plan/PlanDigest.h"

#include <llvm/Support/raw_ostream.h>

using namespace pipelang::cli;

namespace pipelang::cli {
llvm::cl::OptionCategory category("pipec options");
}

namespace {

const char* kOverview =
    "pipec: checks and plans .pipe deployment pipelines\n\n"
    "  pipec check [PATHS...]      report every problem in the pipelines\n"
    "  pipec fmt [--check|--diff] [PATHS...|-] rewrite files in place in the canonical layout\n"
    "                              (--check, --diff: write nothing; `-`: stdin to stdout)\n"
    "  pipec lsp                   the language server (JSON-RPC over stdio)\n"
    "  pipec explain CODE          explain a diagnostic code with examples\n"
    "  pipec show PIPELINE [PATHS...] print a pipeline merged with its templates (text or json)\n"
    "  pipec parse --dump-ast FILE print the syntax tree (debugging)\n"
    "  pipec plan FILES... [-o DIR] write each pipeline's execution plan\n"
    "  pipec graph FILE --pipeline P draw a plan (mermaid, dot or svg)\n"
    "  pipec diff OLD NEW          compare plans (or --git REV [REV2])\n"
    "  pipec init [DIR]            write a starting project\n"
    "  pipec completion SHELL      print a bash, zsh or fish completion script\n";

}  // namespace

namespace {

int dispatch(int argc, char** argv);

}  // namespace

// A report that could not be written (a full disk, a closed pipe) is an I/O
// failure, exit 2 (checks.md), said on stderr, never LLVM's abort.
int main(int argc, char** argv) {
  int status = dispatch(argc, argv);
  llvm::outs().flush();
  if (llvm::outs().has_error()) {
    std::string why = llvm::outs().error().message();
    llvm::outs().clear_error();
    llvm::errs() << "pipec: error: cannot write to standard output: " << why << "\n";
    return kExitUsage;
  }
  return status;
}

namespace {

int dispatch(int argc, char** argv) {
  // The project's version and the plan format it writes; nothing of LLVM's.
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream& out) {
    out << "pipec " << PIPE_VERSION << "\nplan format " << pipelang::planformat::kSchemaV1 << "\n";
  });
  for (llvm::cl::SubCommand* sub : llvm::cl::getRegisteredSubcommands()) llvm::cl::HideUnrelatedOptions(category, *sub);
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  bool parsed = llvm::cl::ParseCommandLineOptions(argc, argv, kOverview, &errorStream);
  errorStream.flush();
  if (!parsed) {
    llvm::errs() << errors;
    llvm::errs() << "run `pipec --help` for usage\n";
    return kExitUsage;
  }
  if (opt::manPage) return runManPage(kOverview);
  if (fmtCommand) return runFmt();
  if (lspCommand) return runLsp();
  if (checkCommand) return runCheck();
  if (explainCommand) return runExplain();
  if (parseCommand) return runParse();
  if (showCommand) return runShow();
  if (planCommand) return runPlan();
  if (graphCommand) return runGraph();
  if (diffCommand) return runDiff();
  if (completionCommand) return runCompletion();
  if (initCommand) return runInit();
  llvm::cl::PrintHelpMessage();
  return kExitUsage;
}

}  // namespace
