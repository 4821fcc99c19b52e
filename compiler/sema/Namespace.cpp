// One namespace for the top-level names of every loaded file (language.md §3).
#include "compiler/sema/Merged.h"

#include <algorithm>
#include <filesystem>
#include <tuple>

namespace pipelang::sema {

const char* declKindWord(ast::DeclKind kind) {
  switch (kind) {
    case ast::DeclKind::Template:
      return "template";
    case ast::DeclKind::Pipeline:
      return "pipeline";
    case ast::DeclKind::Topology:
      return "topology";
    case ast::DeclKind::Policy:
      return "policy";
  }
  return "declaration";
}

Namespace::Namespace(const std::vector<const ast::File*>& files, const SourceManager& sources, DiagnosticSink& sink)
    : sources_(sources) {
  // Declarations in a fixed order (file name, then position), so that which
  // of two duplicates is "first" never depends on the command line.
  std::vector<const ast::Declaration*> decls;
  for (const ast::File* file : files)
    for (const auto& decl : file->declarations)
      if (decl && !decl->name.empty()) decls.push_back(decl.get());
  auto key = [&](const ast::Declaration* d) {
    // By value: a tie of references to a local would dangle once this returns.
    std::string_view file = d->nameRange.file == kNoFile
                                ? std::string_view()
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
    d.notes.push_back(
        {"first declared here as " + std::string(declKindWord(it->second->kind)) + " `" + decl->name + "`",
         it->second->nameRange});
  }
}

const ast::Declaration* Namespace::find(const std::string& name) const {
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : it->second;
}

void Namespace::setImports(const std::vector<const ast::File*>& files,
                           const std::map<std::pair<FileId, size_t>, FileId>& targets, FileId prelude) {
  scoped_ = true;
  prelude_ = prelude;
  for (const ast::File* file : files) {
    std::vector<FileId>& out = imports_[file->file];
    for (size_t i = 0; i < file->imports.size(); ++i) {
      auto target = targets.find({file->file, i});
      if (target == targets.end() || target->second == kNoFile)
        failedImports_.insert(file->file);
      else
        out.push_back(target->second);
    }
  }
}

// Breadth first from `from`: a file's direct imports are found first, and
// each (from, to) answer is kept, so checking ten thousand services that
// import one template costs one short walk each.
bool Namespace::visible(FileId from, FileId to) const {
  if (!scoped_ || from == to || to == prelude_ || from == kNoFile || to == kNoFile) return true;
  std::lock_guard<std::mutex> lock(visibleMutex_);
  auto [memo, inserted] = visibleMemo_.try_emplace({from, to}, false);
  if (!inserted) return memo->second;
  std::set<FileId> seen{from};
  std::vector<FileId> queue{from};
  for (size_t i = 0; i < queue.size(); ++i) {
    auto out = imports_.find(queue[i]);
    if (out == imports_.end()) continue;
    for (FileId next : out->second) {
      if (next == to) return memo->second = true;
      if (seen.insert(next).second) queue.push_back(next);
    }
  }
  return false;
}

const ast::Declaration* Namespace::findFrom(const std::string& name, FileId from) const {
  const ast::Declaration* decl = find(name);
  return decl && visible(from, decl->nameRange.file) ? decl : nullptr;
}

std::string Namespace::importHelp(const std::string& name, FileId from) const {
  if (from == kNoFile) return "";
  std::string kind, path;
  const ast::Declaration* decl = find(name);
  if (decl && decl->nameRange.file != kNoFile) {
    const SourceFile& target = sources_.file(decl->nameRange.file);
    kind = declKindWord(decl->kind);
    // std/aws.pipe -> std/aws
    path = target.isStdlib ? target.displayName.substr(0, target.displayName.size() - 5) : target.path;
  } else if (auto found = projectLookup_ ? projectLookup_(name) : std::nullopt) {
    std::tie(kind, path) = *found;
  } else {
    return "";
  }
  if (!path.starts_with("std/")) {
    std::filesystem::path dir = std::filesystem::path(sources_.file(from).path).parent_path();
    path = std::filesystem::path(path).lexically_relative(dir).generic_string();
  }
  // The same words whether or not that file was loaded: one answer for one file.
  return kind + " `" + name + "` is declared in a file this one does not import: add `import \"" + path + "\"`";
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
