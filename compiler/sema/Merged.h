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

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
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
  // Name -> index in attrs: an alarms block of ten thousand alarms that name
  // each other is looked up, not scanned (issue 12 §3).
  std::unordered_map<std::string, size_t> attrIndex;
  std::map<std::pair<std::string, std::string>, size_t> blockIndex;  // (type, label) -> index in blocks

  const MergedAttr* attr(const std::string& name) const {
    auto it = attrIndex.find(name);
    return it == attrIndex.end() ? nullptr : &attrs[it->second].second;
  }
  const MergedBlock* child(const std::string& childType, const std::string& childLabel = "") const {
    auto it = blockIndex.find({childType, childLabel});
    return it == blockIndex.end() ? nullptr : blocks[it->second].get();
  }
  std::vector<const MergedBlock*> children(const std::string& childType) const {
    std::vector<const MergedBlock*> result;
    for (const auto& b : blocks)
      if (b->type == childType) result.push_back(b.get());
    return result;
  }
};

// A declaration and its ancestors, indexed root first (chain[0] is the root,
// chain.back() the declaration itself). Each link points at its parent's
// link, so a chain of N templates costs N links, not N²/2 pointers (issue 12
// §3); chain[i] follows skew-binary jump pointers, O(log N). Links live in
// the Inheritance that made them.
class Chain {
 public:
  size_t size() const { return size_; }
  const ast::Declaration* back() const { return decl_; }
  const ast::Declaration* operator[](size_t index) const { return ancestorAt(index)->decl_; }
  const ast::Declaration* at(size_t index) const;  // throws std::out_of_range like a vector
  const Chain* parent() const { return parent_; }
  std::vector<const ast::Declaration*> toVector() const;  // root first, O(N)
  void link(const ast::Declaration* decl, const Chain* parent);
  const Chain* ancestorAt(size_t index) const;  // the link of chain[index]

 private:
  const ast::Declaration* decl_ = nullptr;
  const Chain* parent_ = nullptr;
  const Chain* jump_ = nullptr;
  size_t size_ = 0;
};

// A declaration with its ancestors, root first, and its merged body.
struct ResolvedDecl {
  Chain chain;
  std::shared_ptr<const MergedBlock> body;
  bool ok = true;       // false when the chain is broken (cycle, unknown or wrong parent)
  bool merged = false;  // a deferred pipeline's body was merged (Inheritance::merge merges it once)
  const ast::Declaration& decl() const { return *chain.back(); }
  int level() const { return static_cast<int>(chain.size()) - 1; }
  // One note per level a value written at `writtenAt` was inherited through
  // (§4.6), nearest first; at most kMaxViaNotes (the nearest levels, a count
  // of the levels left out, and the declaration that wrote the value), so a
  // long chain gives diagnostics of bounded size (docs/language.md).
  model::ViaNotes via(int writtenAt) const;
  static constexpr int kMaxViaNotes = 8;
  mutable std::map<int, model::ViaNotes> viaByLevel_;  // via() is asked once per value: built once per level
};

// All top-level names of all loaded files (language.md §3).
class Namespace {
 public:
  // Reports R102 for duplicates; the first declaration (by file name and position) wins.
  Namespace(const std::vector<const ast::File*>& files, const SourceManager& sources, DiagnosticSink& sink);
  const ast::Declaration* find(const std::string& name) const;
  std::vector<std::string> namesOf(ast::DeclKind kind) const;

  // Visibility (issue 12 §5, docs/language.md "Imports"): a name is visible
  // in a file through the file's imports, followed transitively, and the
  // prelude. Without setImports everything is visible (show, the LSP views).
  // `targets` maps (file, import index) to the file loaded for it.
  void setImports(const std::vector<const ast::File*>& files,
                  const std::map<std::pair<FileId, size_t>, FileId>& targets, FileId prelude);
  // The declaration named `name` when it is visible from `from`, else null.
  const ast::Declaration* findFrom(const std::string& name, FileId from) const;
  // For an R101 in `from`: the help that names the import that would make
  // `name` visible ("add import \"templates/base.pipe\""), or "" when no
  // file of the compilation declares it.
  std::string importHelp(const std::string& name, FileId from) const;
  // Where a name that no loaded file declares is declared in the project:
  // (kind, canonical path), for importHelp; unset, nowhere.
  using ProjectLookup = std::function<std::optional<std::pair<std::string, std::string>>(const std::string&)>;
  void setProjectLookup(ProjectLookup lookup) { projectLookup_ = std::move(lookup); }
  // Whether an import of `from` failed (R103, R104): an unknown name there
  // may be one that import would have brought, so R101 stays quiet.
  bool hasFailedImport(FileId from) const { return failedImports_.count(from) > 0; }
  // Every declaration that won its name, sorted by name.
  std::vector<const ast::Declaration*> all() const;

 private:
  bool visible(FileId from, FileId to) const;
  const SourceManager& sources_;
  std::map<std::string, const ast::Declaration*> byName_;
  bool scoped_ = false;
  FileId prelude_ = kNoFile;
  std::map<FileId, std::vector<FileId>> imports_;
  std::set<FileId> failedImports_;
  // Under visibleMutex_: pipelines are built on several threads (issue 18).
  mutable std::mutex visibleMutex_;
  mutable std::map<std::pair<FileId, FileId>, bool> visibleMemo_;
  ProjectLookup projectLookup_;
};

// Resolves the `extends` chain (R101, R105, R106, R111) and merges bodies.
// Diagnostics are deduplicated by the caller's reporter across declarations.
class Inheritance {
 public:
  Inheritance(const Namespace& names, DiagnosticSink& sink) : names_(names), sink_(sink) {}
  const ResolvedDecl& resolve(const ast::Declaration& decl);
  // Pipelines (which nothing extends) are resolved without their merged
  // body: merge() builds it when the pipeline's model is built, release()
  // frees it after, so `pipec check` holds one at a time (issue 18). Their
  // merge diagnostics come when merge() runs; their chains stay.
  void deferPipelineBodies() { deferPipelines_ = true; }
  const ResolvedDecl& merge(const ast::Declaration& decl);
  // The same, reporting the merge's diagnostics into `sink`. Once every
  // declaration is resolved, merge(pipeline, sink) and release(pipeline) may
  // run on several threads at once for different pipelines: they only read
  // the tables and write that pipeline's own entry (docs/performance.md
  // "Resolving on several threads").
  const ResolvedDecl& merge(const ast::Declaration& decl, DiagnosticSink& sink);
  void release(const ast::Declaration& decl);

 private:
  const Namespace& names_;
  DiagnosticSink& sink_;
  std::map<const ast::Declaration*, ResolvedDecl> done_;
  bool deferPipelines_ = false;
  std::map<const ast::Declaration*, const ResolvedDecl*> deferred_;  // pipeline -> its parent (or null)
};

std::shared_ptr<const MergedBlock> mergeBody(std::shared_ptr<const MergedBlock> parent, const ast::Body& body,
                                             const std::string& type, const std::string& label, const ast::Block* block,
                                             int level, DiagnosticSink& sink);

const char* declKindWord(ast::DeclKind kind);

}  // namespace pipelang::sema
