// `piperun token NAME --roles R,R` (docs/service.md, "Identity and tokens").
#include "runtime/api/Tokens.h"
#include "runtime/cli/Commands.h"
#include "runtime/text/Printable.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/raw_ostream.h>

namespace pipelang::runtime::cli {

int tokenCommand(const std::string& name, const std::string& roles) {
  // The same rules as the tokens file, checked on the line this prints.
  llvm::SmallVector<llvm::StringRef, 4> parts;
  llvm::StringRef(roles).split(parts, ',');
  for (llvm::StringRef role : parts)
    if (llvm::none_of(api::kRoles, [&](const char* known) { return role == known; })) {
      llvm::errs() << "piperun: unknown role \"" << printable(role.str())
                   << "\" (roles: viewer, deployer, operator, approver)\n";
      return kUsageError;
    }
  if (name.empty() ||
      llvm::any_of(name, [](char c) { return !llvm::isAlnum(c) && !llvm::StringRef("._@-").contains(c); })) {
    llvm::errs() << "piperun: the name \"" << printable(name) << "\" may use only A-Z a-z 0-9 . _ @ -\n";
    return kUsageError;
  }
  auto token = api::newToken();
  if (!token) {
    llvm::errs() << "piperun: " << llvm::toString(token.takeError()) << "\n";
    return kRuntimeError;
  }
  // stdout: the secret, for whoever will use it; stderr: the line for the
  // tokens file, which holds only the hash.
  llvm::outs() << *token << "\n";
  llvm::outs().flush();
  llvm::errs() << name << " " << roles << " sha256:" << api::sha256Hex(*token) << "\n";
  return kDeployed;
}

}  // namespace pipelang::runtime::cli
