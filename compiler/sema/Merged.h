// The merged body of a declaration after inheritance (language.md §4), still
// in syntax form: which attribute or block of which declaration in the chain
// each member comes from. The schema conversion (PipelineBuilder) and
// `pipec show` both read it. Merging is functional: a child never mutates its
// parent's merged block, so the parent's block stays available as the scope
// of `super.NAME`.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/sema/Model.h"
#include "compiler/syntax/Ast.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pipelang::sema {

struct MergedBlock;

struct MergedAttr {
  const ast::Attribute* attr = nullptr;  // as written
  int level = 0;                         // index in the chain of the declaration that wrote it
  // The parent's block that this attribute's block replaced: what `super.NAME` reads.
  std::shared_ptr<const MergedBlock> superScope;
  bool isFinal = false;
  SourceRange finalRange;
};

struct MergedBlock {
  std::string type;
  std::string label;
  const ast::Block* block = nullptr;  // the last written (null for a declaration's body)
  int level = 0;                      // the level that first wrote it
  bool isFinal = false;
  SourceRange finalRange;
  std::vector<std::pair<std::string, MergedAttr>> attrs;   // first-appearance order
  std::vector<std::shared_ptr<const MergedBlock>> blocks;  // first-appearance order

  const MergedAttr* attr(const std::string& name) const {
    for (const auto& [key, value] : attrs)
      if (key == name) return &value;
    return nullptr;
  }
  const MergedBlock* child(const std::string& childType, const std::string& childLabel = "") const {
    for (const auto& b : blocks)
      if (b->type == childType && b->label == childLabel) return b.get();
    return nullptr;
  }
  std::vector<const MergedBlock*> children(const std::string& childType) const {
    std::vector<const MergedBlock*> result;
    for (const auto& b : blocks)
      if (b->type == childType) result.push_back(b.get());
    return result;
  }
};

// A declaration with its ancestors, root first, and its merged body.
struct ResolvedDecl {
  std::vector<const ast::Declaration*> chain;  // chain.back() is the declaration itself
  std::shared_ptr<const MergedBlock> body;
  bool ok = true;  // false when the chain is broken (cycle, unknown or wrong parent)
  const ast::Declaration& decl() const { return *chain.back(); }
  int level() const { return static_cast<int>(chain.size()) - 1; }
  // One note per level a value written at `writtenAt` was inherited through (§4.6).
  model::ViaNotes via(int writtenAt) const;
  mutable std::vector<model::ViaNotes> viaByLevel_;  // via() is asked once per value: built once per level
};

// All top-level names of all loaded files (language.md §3).
class Namespace {
 public:
  // Reports R102 for duplicates; the first declaration (by file name and position) wins.
  Namespace(const std::vector<const ast::File*>& files, const SourceManager& sources, DiagnosticSink& sink);
  const ast::Declaration* find(const std::string& name) const;
  std::vector<std::string> namesOf(ast::DeclKind kind) const;
  // Every declaration that won its name, sorted by name.
  std::vector<const ast::Declaration*> all() const;

 private:
  std::map<std::string, const ast::Declaration*> byName_;
};

// Resolves the `extends` chain (R101, R105, R106, R111) and merges bodies.
// Diagnostics are deduplicated by the caller's reporter across declarations.
class Inheritance {
 public:
  Inheritance(const Namespace& names, DiagnosticSink& sink) : names_(names), sink_(sink) {}
  const ResolvedDecl& resolve(const ast::Declaration& decl);

 private:
  const Namespace& names_;
  DiagnosticSink& sink_;
  std::map<const ast::Declaration*, ResolvedDecl> done_;
};

std::shared_ptr<const MergedBlock> mergeBody(std::shared_ptr<const MergedBlock> parent, const ast::Body& body,
                                             const std::string& type, const std::string& label, const ast::Block* block,
                                             int level, DiagnosticSink& sink);

const char* declKindWord(ast::DeclKind kind);

}  // namespace pipelang::sema
