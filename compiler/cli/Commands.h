// One function per `pipec` subcommand; each returns the process exit status.
#pragma once

#include <llvm/Support/CommandLine.h>

namespace pipelang::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitErrors = 1;
inline constexpr int kExitUsage = 2;

extern llvm::cl::OptionCategory category;

extern llvm::cl::SubCommand checkCommand;
extern llvm::cl::SubCommand explainCommand;
extern llvm::cl::SubCommand parseCommand;
extern llvm::cl::SubCommand showCommand;
extern llvm::cl::SubCommand planCommand;
extern llvm::cl::SubCommand graphCommand;
extern llvm::cl::SubCommand diffCommand;
extern llvm::cl::SubCommand fmtCommand;
extern llvm::cl::SubCommand lspCommand;
extern llvm::cl::SubCommand completionCommand;
extern llvm::cl::SubCommand initCommand;

int runCheck();
int runExplain();
int runParse();
int runShow();
int runPlan();
int runGraph();
int runDiff();
int runFmt();
int runLsp();
int runCompletion();
int runInit();
// The pipec(1) man page from the option tables; `overview` is --help's text.
int runManPage(const char* overview);

}  // namespace pipelang::cli
