// `pipec explain CODE`: the explanation of a diagnostic code.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/diag/Diagnostic.h"
#include "compiler/diag/Explanations.h"
#include "compiler/util/Spelling.h"

#include <llvm/Support/raw_ostream.h>

#include <cctype>

namespace pipelang::cli {

namespace {

// `pipec explain` without a code: every code, its severity and summary, one a line.
int listCodes() {
  for (const DiagKindInfo& kind : allDiagKinds())
    llvm::outs() << kind.name << "  " << (kind.severity == Severity::Error ? "error  " : "warning") << "  "
                 << kind.summary << "\n";
  llvm::outs() << "\n`pipec explain CODE` prints what a code means, with a wrong and a right example\n";
  return kExitOk;
}

// "P001-P003, R101-R111 and S201-S221": the ranges of codes, from the registry.
std::string codeRanges() {
  std::vector<std::string> ranges;
  const auto& kinds = allDiagKinds();
  for (size_t i = 0; i < kinds.size();) {
    size_t j = i;
    while (j + 1 < kinds.size() && kinds[j + 1].name[0] == kinds[i].name[0]) ++j;
    ranges.push_back(std::string(kinds[i].name) + (i == j ? "" : "-" + std::string(kinds[j].name)));
    i = j + 1;
  }
  std::string text;
  for (size_t i = 0; i < ranges.size(); ++i)
    text += (i == 0 ? "" : i + 1 == ranges.size() ? " and " : ", ") + ranges[i];
  return text;
}

}  // namespace

int runExplain() {
  if (opt::explainCode.empty()) return listCodes();
  std::string code = opt::explainCode;
  for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const Explanation* explanation = findExplanation(code);
  if (!diagCodeByName(code) || !explanation) {
    llvm::errs() << "pipec: error: unknown diagnostic code `" << opt::explainCode << "`";
    std::vector<std::string> codes;
    for (const DiagKindInfo& kind : allDiagKinds()) codes.emplace_back(kind.name);
    if (auto suggestion = closestSpelling(code, codes)) llvm::errs() << "; did you mean `" << *suggestion << "`?";
    llvm::errs() << "\ncodes are " << codeRanges() << " (`pipec explain` lists them)\n";
    return kExitUsage;
  }
  llvm::outs() << explanation->text;
  return kExitOk;
}

}  // namespace pipelang::cli
