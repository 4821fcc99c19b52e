#include "compiler/lsp/MergedView.h"

namespace pipelang::lsp {

namespace {

std::vector<const ast::File*> syntaxTrees(const Compilation& compilation) {
  std::vector<const ast::File*> trees;
  for (const LoadedFile& file : compilation.files)
    if (file.ast) trees.push_back(file.ast.get());
  return trees;
}

}  // namespace

MergedView::MergedView(const Compilation& compilation)
    : names_(syntaxTrees(compilation), compilation.sources, ignored_), inheritance_(names_, ignored_) {}

const sema::MergedBlock* MergedView::blockAt(const ast::Declaration& declaration,
                                             const std::vector<const ast::Block*>& blocks) {
  const sema::MergedBlock* merged = resolve(declaration).body.get();
  for (const ast::Block* block : blocks) {
    if (!merged) return nullptr;
    merged = merged->child(block->type, block->label.text);
  }
  return merged;
}

std::string displayLocation(const SourceManager& sources, SourceRange range) {
  if (!range.valid()) return "?";
  return sources.file(range.file).displayName + ":" + std::to_string(range.begin.line);
}

}  // namespace pipelang::lsp
