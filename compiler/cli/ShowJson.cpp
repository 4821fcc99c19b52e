#include "compiler/cli/ShowJson.h"

#include "compiler/sema/Merged.h"
#include "compiler/sema/Show.h"
#include "compiler/util/Spelling.h"

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
  std::vector<const ast::File*> asts;
  for (const LoadedFile& file : files)
    if (file.ast) asts.push_back(file.ast.get());
  DiagnosticSink ignored;  // printed separately, as `pipec check` prints them
  sema::Namespace names(asts, sources, ignored);
  if (importTargets) names.setImports(asts, *importTargets, prelude);
  const ast::Declaration* decl = names.find(name);
  if (!decl) {
    std::vector<std::string> candidates = names.namesOf(ast::DeclKind::Pipeline);
    auto templates = names.namesOf(ast::DeclKind::Template);
    candidates.insert(candidates.end(), templates.begin(), templates.end());
    error = "no pipeline or template named `" + name + "`";
    if (auto guess = closestSpelling(name, candidates)) error += " (did you mean `" + *guess + "`?)";
    return std::nullopt;
  }
  sema::Inheritance inheritance(names, ignored);
  const sema::ResolvedDecl& resolved = inheritance.resolve(*decl);
  Array extends;
  for (size_t i = resolved.chain.size() - 1; i-- > 0;) extends.push_back(resolved.chain[i]->name);
  Object result = block(*resolved.body, sources, 0);
  result["kind"] = sema::declKindWord(decl->kind);
  result["name"] = decl->name;
  result["extends"] = std::move(extends);
  result["from"] = from(decl->nameRange, sources);
  std::string text;
  llvm::raw_string_ostream out(text);
  out << llvm::formatv("{0:2}", Value(std::move(result)));
  out.flush();
  return text + "\n";
}

}  // namespace pipelang::cli
