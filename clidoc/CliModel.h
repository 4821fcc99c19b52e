// What a program's command line is, read from its own llvm::cl tables, so
// that man pages and shell completions are generated from the same options
// the program parses and can never drift from them (issue 17).
#pragma once

#include <llvm/Support/CommandLine.h>

#include <string>
#include <vector>

namespace pipelang::clidoc {

struct Choice {
  std::string name, help;
};

struct CliOption {
  std::string name;             // without dashes; empty for a positional
  std::string help;             // the one-line description from the table
  std::string valueName;        // e.g. "DIR"; empty when the option is a flag
  std::vector<Choice> choices;  // the accepted values of an enumerated option
};

struct CliCommand {
  std::string name, help;
  std::string positional;          // e.g. "[PATHS...]", "CODE"; empty when none
  std::vector<CliOption> options;  // sorted by name
};

// A section of a man page beyond the options (EXIT STATUS, FILES, ...).
struct ManSection {
  std::string title, body;  // body: paragraphs separated by blank lines
};

struct CliProgram {
  std::string name, summary, description, version;
  std::vector<CliCommand> commands;  // sorted by name
  std::vector<ManSection> sections;
};

// "-o" or "--name", as --help writes the option.
inline std::string dashed(const CliOption& option) {
  return (option.name.size() == 1 ? "-" : "--") + option.name;
}

// Reads every registered subcommand and its options of `category` (hidden
// options left out).
CliProgram describeCommandLine(const std::string& name, const std::string& summary,
                               const llvm::cl::OptionCategory& category);

// Remembers the value list of an enumerated option for describeCommandLine:
// add `clidoc::listChoices` to the option's modifiers. A string option whose
// value name is written `a|b|c` gets those choices without it.
void recordChoices(const llvm::cl::Option& option, const llvm::cl::generic_parser_base& parser);
struct ListChoices {
  template <class Opt>
  void apply(Opt& option) const {
    recordChoices(option, option.getParser());
  }
};
inline constexpr ListChoices listChoices{};

// The man page (roff, man(7) macros) of a program in section 1.
std::string renderManPage(const CliProgram& program);

// Markdown (headings, paragraphs, lists, fenced code, inline code) as a man
// page `title(section)`, for pipe(5) from docs/language.md.
std::string markdownToMan(const std::string& markdown, const std::string& title, int section,
                          const std::string& nameLine, const std::string& version);

// Dynamic values a completion script asks for; each is completed by the shell
// at the time of completion.
struct CompletionHints {
  std::vector<std::string> codes;  // diagnostic codes for positionals named CODE
};

enum class Shell { Bash, Zsh, Fish };

// A completion script for `shell`: subcommands, their options and choices,
// `.pipe` files for path positionals, `.json` plans for PLAN positionals,
// pipeline names (found in the `.pipe` files under the current directory)
// for PIPELINE positionals and `--pipeline`, `hints.codes` for CODE.
std::string renderCompletion(const CliProgram& program, Shell shell, const CompletionHints& hints);

}  // namespace pipelang::clidoc
