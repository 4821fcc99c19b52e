// Which loaded file each `import` of a compilation reached, for the language
// server (go to definition, errors of imported files, who depends on whom).
#pragma once

#include "compiler/driver/Frontend.h"

#include <set>
#include <string>
#include <vector>

namespace pipelang::lsp {

// The file that `import` (written in `from`) resolved to in `compilation`,
// as the loader recorded it (Compilation::importTargets); kNoFile when it was
// not loaded (R103, R104). `import` must be an element of `from`'s AST.
FileId importedFile(const Compilation& compilation, FileId from, const ast::Import& import);

// The syntax tree of a loaded file, or null.
const ast::File* astOf(const Compilation& compilation, FileId file);

// `start` and every file reachable from it through imports, stopping at
// (and leaving out) files whose path is in `skip`: the editor's open buffers,
// which show their own diagnostics.
std::vector<FileId> importClosure(const Compilation& compilation, FileId start, const std::set<std::string>& skip);

}  // namespace pipelang::lsp
