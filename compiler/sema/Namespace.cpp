// One namespace for the top-level names of every loaded file (language.md §3).
#include "compiler/sema/Merged.h"

#include <algorithm>
#include <tuple>

namespace pipelang::sema {

const char* declKindWord(ast::DeclKind kind) {
  switch (kind) {
    case ast::DeclKind::Template: return "template";
    case ast::DeclKind::Pipeline: return "pipeline";
    case ast::DeclKind::Topology: return "topology";
    case ast::DeclKind::Policy: return "policy";
  }
  return "declaration";
}

Namespace::Namespace(const std::vector<const ast::File*>& files, const SourceManager& sources, DiagnosticSink& sink) {
  // Declarations in a fixed order (file name, then position), so that which
  // of two duplicates is "first" never depends on the command line.
  std::vector<const ast::Declaration*> decls;
  for (const ast::File* file : files)
    for (const auto& decl : file->declarations)
      if (decl && !decl->name.empty()) decls.push_back(decl.get());
  auto key = [&](const ast::Declaration* d) {
    // By value: a tie of references to a local would dangle once this returns.
    std::string_view file = d->nameRange.file == kNoFile ? std::string_view()
                                                         : std::string_view(sources.file(d->nameRange.file).displayName);
    return std::make_tuple(file, d->nameRange.begin);
  };
  std::stable_sort(decls.begin(), decls.end(),
                   [&](const ast::Declaration* a, const ast::Declaration* b) { return key(a) < key(b); });
  for (const ast::Declaration* decl : decls) {
    auto [it, inserted] = byName_.emplace(decl->name, decl);
    if (inserted) continue;
    Diagnostic& d = sink.report(DiagCode::R102, decl->nameRange,
                                "`" + decl->name + "` is declared more than once: names are shared by all files");
    d.notes.push_back({"first declared here as " + std::string(declKindWord(it->second->kind)) + " `" +
                           decl->name + "`",
                       it->second->nameRange});
  }
}

const ast::Declaration* Namespace::find(const std::string& name) const {
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : it->second;
}

std::vector<std::string> Namespace::namesOf(ast::DeclKind kind) const {
  std::vector<std::string> names;
  for (const auto& [name, decl] : byName_)
    if (decl->kind == kind) names.push_back(name);
  return names;
}

std::vector<const ast::Declaration*> Namespace::all() const {
  std::vector<const ast::Declaration*> result;
  for (const auto& [name, decl] : byName_) result.push_back(decl);
  return result;
}

}  // namespace pipelang::sema
