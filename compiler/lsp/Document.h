// An open editor buffer and the compilation of it (with every other open
// buffer as an overlay), kept until the next change.
#pragma once

#include "compiler/driver/Frontend.h"

#include <memory>
#include <string>

namespace pipelang::lsp {

struct Document {
  std::string uri;
  std::string path;  // canonical
  std::string text;
  std::unique_ptr<Compilation> compilation;
  FileId file = kNoFile;       // this buffer in compilation->sources
  bool stale = false;          // changed since `compilation` (diagnostics are debounced)
  bool publishAlways = false;  // edited: its diagnostics are published even when unchanged

  const ast::File* ast() const {
    if (!compilation) return nullptr;
    for (const LoadedFile& loaded : compilation->files)
      if (loaded.id == file) return loaded.ast.get();
    return nullptr;
  }
};

std::string uriToPath(std::string_view uri);
std::string pathToUri(std::string_view path);

}  // namespace pipelang::lsp
