#include "clidoc/CliModel.h"

#include <llvm/ADT/StringExtras.h>

#include <algorithm>
#include <map>

namespace pipelang::clidoc {
namespace {

namespace cl = llvm::cl;

std::map<const cl::Option*, const cl::generic_parser_base*>& choiceParsers() {
  static std::map<const cl::Option*, const cl::generic_parser_base*> parsers;
  return parsers;
}

bool inCategory(const cl::Option& option, const cl::OptionCategory& category) {
  return std::find(option.Categories.begin(), option.Categories.end(), &category) != option.Categories.end();
}

CliOption describeOption(const cl::Option& option) {
  CliOption result{option.ArgStr.str(), option.HelpStr.str(), option.ValueStr.str(), {}};
  auto found = choiceParsers().find(&option);
  if (found != choiceParsers().end()) {
    const cl::generic_parser_base& parser = *found->second;
    for (unsigned i = 0; i < parser.getNumOptions(); ++i)
      result.choices.push_back({parser.getOption(i).str(), parser.getDescription(i).str()});
    if (result.valueName.empty())  // `--format=human|json|sarif`, as the man page shows it
      for (const Choice& choice : result.choices)
        result.valueName += (result.valueName.empty() ? "" : "|") + choice.name;
  } else if (llvm::StringRef(result.valueName).contains('|')) {
    llvm::SmallVector<llvm::StringRef, 4> names;
    llvm::StringRef(result.valueName).split(names, '|');
    for (llvm::StringRef name : names) result.choices.push_back({name.str(), ""});
  } else if (option.getValueExpectedFlag() != cl::ValueDisallowed && result.valueName.empty()) {
    result.valueName = "value";
  }
  // Flags (bool options) expect no value.
  if (option.getValueExpectedFlag() == cl::ValueOptional && result.choices.empty() && option.ValueStr.empty())
    result.valueName.clear();
  return result;
}

}  // namespace

void recordChoices(const cl::Option& option, const cl::generic_parser_base& parser) {
  choiceParsers()[&option] = &parser;
}

CliProgram describeCommandLine(const std::string& name, const std::string& summary,
                               const cl::OptionCategory& category) {
  CliProgram program;
  program.name = name;
  program.summary = summary;
  for (cl::SubCommand* sub : cl::getRegisteredSubcommands()) {
    if (sub->getName().empty()) continue;  // the top level: --help and --version only
    CliCommand command{sub->getName().str(), sub->getDescription().str(), "", {}};
    for (const cl::Option* option : sub->PositionalOpts)
      if (inCategory(*option, category) && option->getOptionHiddenFlag() == cl::NotHidden)
        command.positional += (command.positional.empty() ? "" : " ") + option->HelpStr.str();
    if (sub->ConsumeAfterOpt) command.positional += " " + sub->ConsumeAfterOpt->HelpStr.str();
    for (const auto& entry : sub->OptionsMap) {
      const cl::Option& option = *entry.second;
      if (!inCategory(option, category) || option.getOptionHiddenFlag() != cl::NotHidden) continue;
      if (entry.first() != option.ArgStr) continue;  // an alias name
      command.options.push_back(describeOption(option));
    }
    std::sort(command.options.begin(), command.options.end(),
              [](const CliOption& a, const CliOption& b) { return a.name < b.name; });
    program.commands.push_back(std::move(command));
  }
  std::sort(program.commands.begin(), program.commands.end(),
            [](const CliCommand& a, const CliCommand& b) { return a.name < b.name; });
  return program;
}

}  // namespace pipelang::clidoc
