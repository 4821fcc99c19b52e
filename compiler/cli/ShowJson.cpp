#include "compiler/cli/ShowJson.h"

#include "compiler/sema/Merged.h"
#include "compiler/sema/Show.h"

#include <llvm/Support/FormatVariadic.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

namespace pipelang::cli {
namespace {

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

constexpr int kMaxDepth = 64;

Value from(SourceRange range, const SourceManager& sources) {
  if (!range.valid()) return nullptr;
  return Object{{"file", sources.file(range.file).displayName}, {"line", static_cast<int64_t>(range.begin.line)}};
}

Object block(const sema::MergedBlock& merged, const SourceManager& sources, int depth) {
  Array attributes, blocks;
  for (const auto& [name, attr] : merged.attrs) {
    if (!attr.attr) continue;
    attributes.push_back(Object{{"name", name},
                                {"value", sema::showMergedValue(attr, sources)},
                                {"final", attr.isFinal},
                                {"from", from(attr.attr->nameRange, sources)}});
  }
  if (depth < kMaxDepth)
    for (const auto& child : merged.blocks) {
      Object entry = block(*child, sources, depth + 1);
      entry["type"] = child->type;
      entry["label"] = child->label.empty() ? Value(nullptr) : Value(child->label);
      entry["final"] = child->isFinal;
      entry["from"] = child->block ? from(child->block->typeRange, sources) : Value(nullptr);
      blocks.push_back(std::move(entry));
    }
  return Object{{"attributes", std::move(attributes)}, {"blocks", std::move(blocks)}};
}

}  // namespace

std::optional<std::string> showJson(const std::vector<LoadedFile>& files, const SourceManager& sources,
                                    const std::string& name, std::string& error,
                                    const std::map<std::pair<FileId, size_t>, FileId>* importTargets, FileId prelude) {
  Object result;
  bool found = sema::withMergedDeclaration(files, sources, name, error, importTargets, prelude,
                                           [&](const sema::ResolvedDecl& resolved) {
                                             const ast::Declaration& decl = resolved.decl();
                                             Array extends;
                                             for (size_t i = resolved.chain.size() - 1; i-- > 0;)
                                               extends.push_back(resolved.chain[i]->name);
                                             result = block(*resolved.body, sources, 0);
                                             result["kind"] = sema::declKindWord(decl.kind);
                                             result["name"] = decl.name;
                                             result["extends"] = std::move(extends);
                                             result["from"] = from(decl.nameRange, sources);
                                           });
  if (!found) return std::nullopt;
  std::string text;
  llvm::raw_string_ostream out(text);
  out << llvm::formatv("{0:2}", Value(std::move(result)));
  out.flush();
  return text + "\n";
}

}  // namespace pipelang::cli
