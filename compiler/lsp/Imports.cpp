#include "compiler/lsp/Imports.h"

namespace pipelang::lsp {

const ast::File* astOf(const Compilation& compilation, FileId file) {
  for (const LoadedFile& loaded : compilation.files)
    if (loaded.id == file) return loaded.ast.get();
  return nullptr;
}

FileId importedFile(const Compilation& compilation, FileId from, const ast::Import& import) {
  // The loader's own record, so the editor never follows an import the
  // compiler refused (R103, R104) or resolves one differently.
  const ast::File* ast = astOf(compilation, from);
  if (!ast || ast->imports.empty() || &import < &ast->imports.front() || &import > &ast->imports.back()) return kNoFile;
  auto target = compilation.importTargets.find({from, size_t(&import - &ast->imports.front())});
  return target == compilation.importTargets.end() ? kNoFile : target->second;
}

std::vector<FileId> importClosure(const Compilation& compilation, FileId start, const std::set<std::string>& skip) {
  std::vector<FileId> result;
  std::set<FileId> seen;
  std::vector<FileId> pending{start};
  while (!pending.empty()) {
    FileId file = pending.back();
    pending.pop_back();
    if (file == kNoFile || !seen.insert(file).second || skip.count(compilation.sources.file(file).path)) continue;
    result.push_back(file);
    if (const ast::File* ast = astOf(compilation, file))
      for (const ast::Import& import : ast->imports) pending.push_back(importedFile(compilation, file, import));
  }
  return result;
}

}  // namespace pipelang::lsp
