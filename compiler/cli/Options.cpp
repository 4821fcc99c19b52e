#include "compiler/cli/Options.h"

#include "compiler/cli/Commands.h"

namespace pipelang::cli {

namespace cl = llvm::cl;

cl::SubCommand checkCommand("check", "Report every problem in the given files and directories (default: .)");
cl::SubCommand explainCommand("explain", "Explain a diagnostic code, with a wrong and a right example");
cl::SubCommand parseCommand("parse", "Parse one file and print its syntax tree (for debugging)");
cl::SubCommand showCommand("show", "Print a pipeline with inheritance merged and where each value was written");
cl::SubCommand fmtCommand("fmt", "Rewrite files in the canonical layout (`-` formats stdin to stdout)");
cl::SubCommand lspCommand("lsp", "Run the language server over stdin/stdout (LSP 3.17)");

namespace opt {

cl::list<std::string> checkPaths(cl::Positional, cl::desc("[PATHS...]"), cl::sub(checkCommand), cl::cat(category));

cl::opt<std::string> root("root", cl::desc("Project root: imports may not leave it (default: the current directory)"),
                          cl::value_desc("DIR"), cl::sub(checkCommand), cl::sub(parseCommand), cl::sub(showCommand), cl::cat(category));
cl::opt<std::string> stdlib("stdlib", cl::desc("Directory of the standard library (default: the bundled one)"),
                            cl::value_desc("DIR"), cl::sub(checkCommand), cl::sub(parseCommand), cl::sub(showCommand), cl::cat(category));
cl::opt<OutputFormat> format(
    "format", cl::desc("Diagnostic output format"), cl::init(OutputFormat::Human),
    cl::values(clEnumValN(OutputFormat::Human, "human", "caret excerpts for people (default)"),
               clEnumValN(OutputFormat::Json, "json", "one JSON array on stdout"),
               clEnumValN(OutputFormat::Sarif, "sarif", "SARIF 2.1.0 on stdout")),
    cl::sub(checkCommand), cl::cat(category));
cl::opt<ColorMode> color("color", cl::desc("Colour in human output"), cl::init(ColorMode::Auto),
                         cl::values(clEnumValN(ColorMode::Auto, "auto", "only on a terminal (default)"),
                                    clEnumValN(ColorMode::Always, "always", "always"),
                                    clEnumValN(ColorMode::Never, "never", "never")),
                         cl::sub(checkCommand), cl::cat(category));
cl::opt<bool> werror("werror", cl::desc("Treat warnings as errors (exit status 1)"), cl::sub(checkCommand),
                     cl::cat(category));

cl::opt<std::string> explainCode(cl::Positional, cl::desc("CODE"), cl::Required, cl::sub(explainCommand),
                                 cl::cat(category));

cl::opt<bool> dumpAst("dump-ast", cl::desc("Print the syntax tree"), cl::sub(parseCommand), cl::cat(category));
cl::opt<std::string> parseFile(cl::Positional, cl::desc("FILE"), cl::Required, cl::sub(parseCommand),
                               cl::cat(category));
cl::list<std::string> showArgs(cl::Positional, cl::desc("PIPELINE [PATHS...]"), cl::sub(showCommand),
                              cl::cat(category));

cl::list<std::string> fmtPaths(cl::Positional, cl::desc("[FILES|DIRS...|-]"), cl::sub(fmtCommand), cl::cat(category));
cl::opt<bool> fmtCheck("check", cl::desc("Write nothing; list the files that are not canonical and exit 1 if any"),
                       cl::sub(fmtCommand), cl::cat(category));
cl::opt<bool> fmtDiff("diff", cl::desc("Write nothing; print what would change as a unified diff"),
                      cl::sub(fmtCommand), cl::cat(category));
cl::opt<bool> lspStdio("stdio", cl::desc("Talk over stdin/stdout (the default and only transport)"),
                       cl::sub(lspCommand), cl::cat(category));

}  // namespace opt
}  // namespace pipelang::cli
