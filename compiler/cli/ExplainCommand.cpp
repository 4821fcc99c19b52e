// `pipec explain CODE`: the explanation of a diagnostic code.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/diag/Diagnostic.h"
#include "compiler/diag/Explanations.h"
#include "compiler/util/Spelling.h"

#include <llvm/Support/raw_ostream.h>

#include <cctype>

namespace pipelang::cli {

int runExplain() {
  std::string code = opt::explainCode;
  for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const Explanation* explanation = findExplanation(code);
  if (!diagCodeByName(code) || !explanation) {
    llvm::errs() << "pipec: error: unknown diagnostic code `" << opt::explainCode << "`";
    std::vector<std::string> codes;
    for (const DiagKindInfo& kind : allDiagKinds()) codes.emplace_back(kind.name);
    if (auto suggestion = closestSpelling(code, codes)) llvm::errs() << "; did you mean `" << *suggestion << "`?";
    llvm::errs() << "\ncodes are P001-P003, R101-R111 and S201-S221 (see `pipec check` output)\n";
    return kExitUsage;
  }
  llvm::outs() << explanation->text;
  return kExitOk;
}

}  // namespace pipelang::cli
