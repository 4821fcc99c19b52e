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

int runCheck();
int runExplain();
int runParse();
int runShow();
int runPlan();
int runGraph();
int runDiff();
int runFmt();
int runLsp();

}  // namespace pipelang::cli
