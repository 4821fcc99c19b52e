// Every pipec subcommand and option, defined in one file (Options.cpp) so
// that static initialisation order across files can never bite.
#pragma once

#include <llvm/Support/CommandLine.h>

#include <string>

namespace pipelang::cli {

enum class ColorMode { Auto, Always, Never };
enum class OutputFormat { Human, Json, Sarif, CodeQuality };

namespace opt {
extern llvm::cl::list<std::string> checkPaths;
extern llvm::cl::opt<std::string> root;
extern llvm::cl::opt<std::string> stdlib;
extern llvm::cl::opt<OutputFormat> format;
extern llvm::cl::opt<ColorMode> color;
extern llvm::cl::opt<bool> werror;
extern llvm::cl::opt<unsigned> jobs;  // pipec check / plan: threads that parse
extern llvm::cl::opt<std::string> explainCode;
extern llvm::cl::opt<bool> dumpAst;
extern llvm::cl::opt<std::string> parseFile;
extern llvm::cl::list<std::string> showArgs;  // pipec show PIPELINE [PATHS...]
enum class ShowFormat { Text, Json };
extern llvm::cl::opt<ShowFormat> showFormat;
// pipec plan / graph / diff
enum class GraphFormat { Mermaid, Dot, Svg };
enum class DiffFormat { Text, Json };
extern llvm::cl::list<std::string> planPaths;
extern llvm::cl::opt<std::string> planOutputDir;
extern llvm::cl::opt<std::string> planPipeline;
extern llvm::cl::opt<bool> planExplain;
extern llvm::cl::opt<std::string> graphFile;
extern llvm::cl::opt<std::string> graphPipeline;
extern llvm::cl::opt<GraphFormat> graphFormat;
extern llvm::cl::list<std::string> diffArgs;
extern llvm::cl::opt<bool> diffGit;
extern llvm::cl::opt<bool> diffExitCode;
extern llvm::cl::opt<DiffFormat> diffFormat;
// pipec fmt / lsp
extern llvm::cl::list<std::string> fmtPaths;
extern llvm::cl::opt<bool> fmtCheck;
extern llvm::cl::opt<bool> fmtDiff;
extern llvm::cl::opt<bool> lspStdio;
// pipec completion / init, and the build's man page
extern llvm::cl::opt<std::string> completionShell;
extern llvm::cl::opt<std::string> initDir;
extern llvm::cl::opt<std::string> initName;
extern llvm::cl::opt<bool> manPage;
}  // namespace opt

}  // namespace pipelang::cli
