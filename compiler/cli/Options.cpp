#include "compiler/cli/Options.h"

#include "clidoc/CliModel.h"
#include "compiler/cli/Commands.h"

namespace pipelang::cli {

namespace cl = llvm::cl;

cl::SubCommand checkCommand("check", "Report every problem in the given files and directories (default: .)");
cl::SubCommand explainCommand("explain", "Explain a diagnostic code, with a wrong and a right example");
cl::SubCommand parseCommand("parse", "Parse one file and print its syntax tree (for debugging)");
cl::SubCommand showCommand("show", "Print a pipeline with inheritance merged and where each value was written");
cl::SubCommand planCommand("plan", "Write the execution plan of each pipeline (<pipeline>.plan.json)");
cl::SubCommand graphCommand("graph", "Draw a pipeline's plan as a Mermaid or Graphviz graph, or as SVG");
cl::SubCommand diffCommand("diff",
                           "Compare two plans, or a git revision's plans with the working tree's, stage by stage");
cl::SubCommand fmtCommand("fmt", "Rewrite files in the canonical layout (`-` formats stdin to stdout)");
cl::SubCommand lspCommand("lsp", "Run the language server over stdin/stdout (LSP 3.17)");
cl::SubCommand completionCommand("completion", "Print a shell completion script (bash, zsh or fish)");
cl::SubCommand initCommand("init", "Write a starting project into DIR (default: .): template, service, CI, pre-commit");

namespace opt {

cl::list<std::string> checkPaths(cl::Positional, cl::desc("[PATHS...]"), cl::sub(checkCommand), cl::cat(category));

cl::opt<std::string> root("root",
                          cl::desc("Project root: imports may not leave it (default: the nearest folder up with .git "
                                   "or pipe.project)"),
                          cl::value_desc("DIR"), cl::sub(checkCommand), cl::sub(parseCommand), cl::sub(showCommand),
                          cl::sub(planCommand), cl::sub(graphCommand), cl::sub(diffCommand), cl::sub(lspCommand),
                          cl::cat(category));
cl::opt<std::string> stdlib("stdlib", cl::desc("Directory of the standard library (default: the bundled one)"),
                            cl::value_desc("DIR"), cl::sub(checkCommand), cl::sub(parseCommand), cl::sub(showCommand),
                            cl::sub(planCommand), cl::sub(graphCommand), cl::sub(diffCommand), cl::sub(lspCommand),
                            cl::cat(category));
cl::opt<OutputFormat> format("format", cl::desc("Diagnostic output format"), cl::init(OutputFormat::Human),
                             cl::values(clEnumValN(OutputFormat::Human, "human", "caret excerpts for people (default)"),
                                        clEnumValN(OutputFormat::Json, "json", "one JSON array on stdout"),
                                        clEnumValN(OutputFormat::Sarif, "sarif", "SARIF 2.1.0 on stdout"),
                                        clEnumValN(OutputFormat::CodeQuality, "codequality",
                                                   "GitLab Code Quality report on stdout")),
                             clidoc::listChoices, cl::sub(checkCommand), cl::cat(category));
cl::opt<ColorMode> color("color", cl::desc("Colour in human output"), cl::init(ColorMode::Auto),
                         cl::values(clEnumValN(ColorMode::Auto, "auto", "only on a terminal (default)"),
                                    clEnumValN(ColorMode::Always, "always", "always"),
                                    clEnumValN(ColorMode::Never, "never", "never")),
                         clidoc::listChoices, cl::sub(checkCommand), cl::cat(category));
cl::opt<bool> werror("werror", cl::desc("Treat warnings as errors (exit status 1)"), cl::sub(checkCommand),
                     cl::cat(category));
cl::opt<unsigned> jobs("jobs",
                       cl::desc("Parse files, and build and check pipelines, on N threads (-j N; default: the number "
                                "of cores, at most 4; 1: one thread); the output is the same for every N"),
                       cl::value_desc("N"), cl::init(0), cl::sub(checkCommand), cl::sub(planCommand),
                       cl::cat(category));
cl::alias jobsShort("j", cl::desc("Alias for --jobs"), cl::aliasopt(jobs));

cl::opt<std::string> explainCode(cl::Positional, cl::desc("[CODE]"), cl::Optional, cl::sub(explainCommand),
                                 cl::cat(category));

cl::opt<bool> dumpAst("dump-ast", cl::desc("Print the syntax tree"), cl::sub(parseCommand), cl::cat(category));
cl::opt<std::string> parseFile(cl::Positional, cl::desc("FILE"), cl::Required, cl::sub(parseCommand),
                               cl::cat(category));
cl::list<std::string> showArgs(cl::Positional, cl::desc("PIPELINE [PATHS...]"), cl::sub(showCommand),
                               cl::cat(category));
cl::opt<ShowFormat> showFormat(
    "format", cl::desc("Output format"), cl::init(ShowFormat::Text),
    cl::values(clEnumValN(ShowFormat::Text, "text", "`.pipe` with provenance comments (default)"),
               clEnumValN(ShowFormat::Json, "json", "one JSON object, values as `.pipe` text")),
    clidoc::listChoices, cl::sub(showCommand), cl::cat(category));

cl::list<std::string> planPaths(cl::Positional, cl::desc("FILES..."), cl::sub(planCommand), cl::cat(category));
cl::opt<std::string> planOutputDir("o", cl::desc("Write <pipeline>.plan.json files into DIR"), cl::value_desc("DIR"),
                                   cl::sub(planCommand), cl::cat(category));
cl::opt<std::string> planPipeline("pipeline", cl::desc("Only this pipeline"), cl::value_desc("NAME"),
                                  cl::sub(planCommand), cl::cat(category));
cl::opt<bool> planExplain("explain", cl::desc("Print each plan's schedule, exposure and recovery as a table"),
                          cl::sub(planCommand), cl::cat(category));

cl::opt<std::string> graphFile(cl::Positional, cl::desc("FILE"), cl::Required, cl::sub(graphCommand),
                               cl::cat(category));
cl::opt<std::string> graphPipeline("pipeline", cl::desc("The pipeline to draw"), cl::value_desc("NAME"), cl::Required,
                                   cl::sub(graphCommand), cl::cat(category));
cl::opt<GraphFormat> graphFormat("format", cl::desc("Graph language"), cl::init(GraphFormat::Mermaid),
                                 cl::values(clEnumValN(GraphFormat::Mermaid, "mermaid", "Mermaid flowchart (default)"),
                                            clEnumValN(GraphFormat::Dot, "dot", "Graphviz dot"),
                                            clEnumValN(GraphFormat::Svg, "svg",
                                                       "SVG, drawn by Graphviz's dot (installed separately)")),
                                 clidoc::listChoices, cl::sub(graphCommand), cl::cat(category));

cl::list<std::string> diffArgs(cl::Positional, cl::desc("OLD.plan.json NEW.plan.json | --git REV [REV2] [PATHS...]"),
                               cl::sub(diffCommand), cl::cat(category));
cl::opt<bool> diffGit("git", cl::desc("Compare the plans of git revision REV with the working tree (or with REV2)"),
                      cl::sub(diffCommand), cl::cat(category));
cl::opt<bool> diffExitCode("exit-code", cl::desc("Exit with status 1 when the plans differ (as git diff --exit-code)"),
                           cl::sub(diffCommand), cl::cat(category));
cl::opt<DiffFormat> diffFormat("format", cl::desc("Output format"), cl::init(DiffFormat::Text),
                               cl::values(clEnumValN(DiffFormat::Text, "text", "readable lines (default)"),
                                          clEnumValN(DiffFormat::Json, "json", "one JSON object")),
                               clidoc::listChoices, cl::sub(diffCommand), cl::cat(category));

cl::list<std::string> fmtPaths(cl::Positional, cl::desc("[FILES|DIRS...|-]"), cl::sub(fmtCommand), cl::cat(category));
cl::opt<bool> fmtCheck("check", cl::desc("Write nothing; list the files that are not canonical and exit 1 if any"),
                       cl::sub(fmtCommand), cl::cat(category));
cl::opt<bool> fmtDiff("diff", cl::desc("Write nothing; print what would change as a unified diff"), cl::sub(fmtCommand),
                      cl::cat(category));
cl::opt<bool> lspStdio("stdio", cl::desc("Talk over stdin/stdout (the default and only transport)"),
                       cl::sub(lspCommand), cl::cat(category));

cl::opt<std::string> completionShell(cl::Positional, cl::desc("bash|zsh|fish"), cl::Required,
                                     cl::sub(completionCommand), cl::cat(category));
cl::opt<std::string> initDir(cl::Positional, cl::desc("[DIR]"), cl::sub(initCommand), cl::cat(category));
cl::opt<std::string> initName("name", cl::desc("Name of the service's pipeline (default: from DIR's name)"),
                              cl::value_desc("NAME"), cl::sub(initCommand), cl::cat(category));
cl::opt<bool> manPage("man-page", cl::desc("Print the pipec(1) man page (used by the build)"), cl::ReallyHidden,
                      cl::cat(category));

}  // namespace opt
}  // namespace pipelang::cli
