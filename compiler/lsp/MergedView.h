// The merged (inherited) view of one compilation for the language server:
// the same Namespace and Inheritance that the resolve phase and `pipec show`
// use, built again over the compilation's syntax trees (they are cheap and
// the resolve phase keeps neither), so the server has no resolver of its own.
#pragma once

#include "compiler/driver/Frontend.h"
#include "compiler/sema/Merged.h"

#include <string>
#include <vector>

namespace pipelang::lsp {

class MergedView {
 public:
  explicit MergedView(const Compilation& compilation);
  MergedView(const MergedView&) = delete;
  MergedView& operator=(const MergedView&) = delete;

  const sema::ResolvedDecl& resolve(const ast::Declaration& declaration) { return inheritance_.resolve(declaration); }
  // The merged block reached from `declaration`'s body through `blocks`
  // (matched by type and label); null when one of them is not there.
  const sema::MergedBlock* blockAt(const ast::Declaration& declaration, const std::vector<const ast::Block*>& blocks);
  const sema::Namespace& names() const { return names_; }

 private:
  DiagnosticSink ignored_;  // the compilation already reported everything
  sema::Namespace names_;
  sema::Inheritance inheritance_;
};

// "t.pipe:9": a place as `pipec show` and the diagnostics print it.
std::string displayLocation(const SourceManager& sources, SourceRange range);

}  // namespace pipelang::lsp
