// Find references and rename (issue 20 §2) for the names a project declares
// and uses across files: templates (and policies and topologies), alarms and
// metrics, regions. Works on the syntax trees of one compilation of the
// whole project (Phase::Parse over the project root, with the editor's open
// buffers as overlays), so closed files count as well as open ones.
#pragma once

#include "compiler/driver/Frontend.h"

#include <optional>
#include <string>
#include <vector>

namespace pipelang::lsp {

enum class SymbolKind { Declaration, Signal, Region };  // Signal: an alarm or a metric

struct ProjectSymbol {
  SymbolKind kind = SymbolKind::Declaration;
  std::string name;
  SourceRange at;  // the occurrence under the cursor
  // Signal: the declarations it is visible in (the one that first declares
  // it and every declaration that inherits from that one).
  std::vector<const ast::Declaration*> scope;
  std::string topology;  // Region: the topology that declares it ("" when unknown)
};

// The symbol whose name is under `at` in `file`, or nullopt.
std::optional<ProjectSymbol> symbolAt(const Compilation& project, FileId file, SourceLoc at);

struct Occurrence {
  SourceRange range;  // exactly the name
  bool isDefinition = false;
};

// Every place that names `symbol`: where it is declared first, then where it
// is used, in file and source order.
std::vector<Occurrence> occurrencesOf(const Compilation& project, const ProjectSymbol& symbol);

// True when one of `symbol`'s declarations is in the standard library.
bool declaredInStdlib(const Compilation& project, const ProjectSymbol& symbol);

// Why `newName` cannot replace `symbol`'s name (language.md §2: an
// identifier, not a keyword; not the name of another symbol of the same
// kind where it is visible), or "" when it can.
std::string renameProblem(const Compilation& project, const ProjectSymbol& symbol, const std::string& newName);

}  // namespace pipelang::lsp
