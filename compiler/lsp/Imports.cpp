#include "compiler/lsp/Imports.h"

#include <filesystem>

namespace pipelang::lsp {

namespace fs = std::filesystem;

const ast::File* astOf(const Compilation& compilation, FileId file) {
  for (const LoadedFile& loaded : compilation.files)
    if (loaded.id == file) return loaded.ast.get();
  return nullptr;
}

FileId importedFile(const Compilation& compilation, FileId from, const ast::Import& import) {
  const SourceManager& sources = compilation.sources;
  fs::path target;
  if (import.path.starts_with("std/")) {
    // The standard library is where the prelude came from.
    fs::path stdlib = defaultStdlibDir();
    for (const LoadedFile& loaded : compilation.files)
      if (loaded.isStdlib) stdlib = fs::path(sources.file(loaded.id).path).parent_path();
    target = stdlib / (import.path.substr(4) + ".pipe");
  } else {
    target = import.path;
    if (target.is_relative()) target = fs::path(sources.file(from).path).parent_path() / target;
  }
  std::error_code ec;
  target = fs::weakly_canonical(target, ec);
  return ec ? kNoFile : sources.findByPath(target.string());
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
