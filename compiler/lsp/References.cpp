#include "compiler/lsp/References.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

namespace pipelang::lsp {

namespace {

enum class Role { Definition, Reference };

// One name written in a file: what it names and where.
struct Mention {
  SymbolKind kind;
  Role role;
  std::string name;
  SourceRange range;
  const ast::Declaration* declaration;  // the one it is written in
};

struct Decl {
  const ast::Declaration* ast;
  FileId file;
  bool stdlib;
};

// Calls `visit` for every Ref in `expr` (operands, arguments, list items).
void forEachRef(const ast::Expr& expr, const std::function<void(const ast::Expr&)>& visit) {
  if (expr.kind == ast::ExprKind::Ref) visit(expr);
  for (const ast::ExprPtr& arg : expr.args)
    if (arg) forEachRef(*arg, visit);
}

// The attributes whose values name alarms or metrics (the schema's
// AlarmExpr, AlarmRefs and Condition values outside `alarms` blocks).
bool takesSignals(const std::string& attribute) {
  return attribute == "rollback_on" || attribute == "block_on" || attribute == "min_traffic";
}

class Project {
 public:
  explicit Project(const Compilation& compilation) {
    for (const LoadedFile& loaded : compilation.files) {
      if (!loaded.ast) continue;
      for (const auto& declaration : loaded.ast->declarations) {
        if (!declaration) continue;
        decls_.push_back({declaration.get(), loaded.id, loaded.isStdlib});
        byName_.emplace(declaration->name, decls_.size() - 1);
      }
    }
  }

  const std::vector<Decl>& decls() const { return decls_; }

  const Decl* find(const std::string& name) const {
    auto found = byName_.find(name);
    return found == byName_.end() ? nullptr : &decls_[found->second];
  }

  const Decl* parentOf(const ast::Declaration& declaration) const {
    if (!declaration.hasExtends || declaration.extendsPath.size() != 1) return nullptr;
    return find(declaration.extendsPath[0]);
  }

  // `declaration` and its ancestors, nearest first (a cycle stops the walk).
  std::vector<const ast::Declaration*> lineage(const ast::Declaration& declaration) const {
    std::vector<const ast::Declaration*> chain{&declaration};
    while (const Decl* parent = parentOf(*chain.back())) {
      if (std::find(chain.begin(), chain.end(), parent->ast) != chain.end()) break;
      chain.push_back(parent->ast);
    }
    return chain;
  }

  // The `topology = NAME` a declaration has or inherits, or "".
  std::string topologyOf(const ast::Declaration& declaration) const {
    if (declaration.kind == ast::DeclKind::Topology) return declaration.name;
    for (const ast::Declaration* each : lineage(declaration))
      for (const ast::Member& member : each->body.members)
        if (member.attribute && member.attribute->name == "topology" &&
            member.attribute->value->kind == ast::ExprKind::Ref && member.attribute->value->path.size() == 1)
          return member.attribute->value->path[0];
    return "";
  }

  bool declaresSignal(const ast::Declaration& declaration, const std::string& name) const {
    bool found = false;
    forEachMention(declaration, [&](const Mention& mention) {
      found |= mention.kind == SymbolKind::Signal && mention.role == Role::Definition && mention.name == name;
    });
    return found;
  }

  // The declarations where an alarm or metric named `name`, used in
  // `declaration`, is the same one: from the farthest ancestor that declares
  // it, that ancestor and everything that inherits from it.
  std::vector<const ast::Declaration*> signalScope(const ast::Declaration& declaration, const std::string& name) const {
    const ast::Declaration* top = &declaration;
    for (const ast::Declaration* each : lineage(declaration))
      if (declaresSignal(*each, name)) top = each;
    std::vector<const ast::Declaration*> scope;
    for (const Decl& decl : decls_) {
      std::vector<const ast::Declaration*> chain = lineage(*decl.ast);
      if (std::find(chain.begin(), chain.end(), top) != chain.end()) scope.push_back(decl.ast);
    }
    return scope;
  }

  // Every name `declaration` writes that references and rename know.
  void forEachMention(const ast::Declaration& declaration, const std::function<void(const Mention&)>& visit) const {
    visit({SymbolKind::Declaration, Role::Definition, declaration.name, declaration.nameRange, &declaration});
    if (declaration.hasExtends && declaration.extendsPath.size() == 1)
      visit({SymbolKind::Declaration, Role::Reference, declaration.extendsPath[0], declaration.extendsRange,
             &declaration});
    visitBody(declaration, declaration.body, "", visit);
  }

 private:
  void visitBody(const ast::Declaration& declaration, const ast::Body& body, const std::string& blockType,
                 const std::function<void(const Mention&)>& visit) const {
    bool topLevel = blockType.empty();
    for (const ast::Member& member : body.members) {
      if (member.block) {
        const ast::Block& block = *member.block;
        if (block.type == "region" && declaration.kind == ast::DeclKind::Topology &&
            block.label.kind == ast::LabelKind::Ident)
          visit({SymbolKind::Region, Role::Definition, block.label.text, block.label.range, &declaration});
        visitBody(declaration, block.body, block.type, visit);
        continue;
      }
      if (!member.attribute) continue;
      const ast::Attribute& attribute = *member.attribute;
      if (blockType == "alarms" || blockType == "metrics")
        visit({SymbolKind::Signal, Role::Definition, attribute.name, attribute.nameRange, &declaration});
      if (!attribute.value) continue;
      const ast::Expr& value = *attribute.value;
      if (topLevel && (attribute.name == "topology" || attribute.name == "policy")) {
        if (value.kind == ast::ExprKind::Ref && value.path.size() == 1 && !value.isSuper)
          visit({SymbolKind::Declaration, Role::Reference, value.path[0], value.pathRanges[0], &declaration});
      } else if (attribute.name == "regions") {
        forEachRef(value, [&](const ast::Expr& ref) {
          if (ref.path.size() == 1 && !ref.isSuper)
            visit({SymbolKind::Region, Role::Reference, ref.path[0], ref.pathRanges[0], &declaration});
        });
      } else if (blockType == "alarms" || takesSignals(attribute.name)) {
        forEachRef(value, [&](const ast::Expr& ref) {
          visit({SymbolKind::Signal, Role::Reference, ref.path[0], ref.pathRanges[0], &declaration});
        });
      }
    }
  }

  std::vector<Decl> decls_;
  std::multimap<std::string, size_t> byName_;
};

bool contains(SourceRange range, FileId file, SourceLoc at) {
  return range.file == file && !(at < range.begin) && !(range.end < at);
}

bool matches(const Project& project, const ProjectSymbol& symbol, const Mention& mention) {
  if (mention.kind != symbol.kind || mention.name != symbol.name) return false;
  switch (symbol.kind) {
    case SymbolKind::Declaration:
      return true;
    case SymbolKind::Signal:
      return std::find(symbol.scope.begin(), symbol.scope.end(), mention.declaration) != symbol.scope.end();
    case SymbolKind::Region:
      return symbol.topology.empty() || project.topologyOf(*mention.declaration) == symbol.topology;
  }
  return false;
}

std::vector<Mention> mentionsOf(const Project& project, const ProjectSymbol& symbol) {
  std::vector<Mention> result;
  for (const Decl& decl : project.decls())
    project.forEachMention(*decl.ast, [&](const Mention& mention) {
      if (matches(project, symbol, mention)) result.push_back(mention);
    });
  return result;
}

bool isKeyword(const std::string& word) {
  static const std::set<std::string> kKeywords = {"import", "template", "pipeline", "topology", "policy", "extends",
                                                  "final",  "super",    "true",     "false",    "and",    "or",
                                                  "not",    "for",      "of",       "every",    "rest",   "none"};
  return kKeywords.count(word) > 0;
}

bool isIdentifier(const std::string& word) {
  if (word.empty() || !(std::isalpha(static_cast<unsigned char>(word[0])) || word[0] == '_')) return false;
  return std::all_of(word.begin(), word.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
}

const char* kindName(SymbolKind kind) {
  switch (kind) {
    case SymbolKind::Declaration:
      return "a declaration";
    case SymbolKind::Signal:
      return "an alarm or metric";
    case SymbolKind::Region:
      return "a region";
  }
  return "a name";
}

}  // namespace

std::optional<ProjectSymbol> symbolAt(const Compilation& compilation, FileId file, SourceLoc at) {
  Project project(compilation);
  std::optional<ProjectSymbol> found;
  for (const Decl& decl : project.decls()) {
    if (decl.file != file) continue;
    project.forEachMention(*decl.ast, [&](const Mention& mention) {
      if (found || !contains(mention.range, file, at)) return;
      ProjectSymbol symbol{mention.kind, mention.name, mention.range, {}, ""};
      if (mention.kind == SymbolKind::Signal) symbol.scope = project.signalScope(*mention.declaration, mention.name);
      if (mention.kind == SymbolKind::Region) symbol.topology = project.topologyOf(*mention.declaration);
      found = std::move(symbol);
    });
  }
  return found;
}

std::vector<Occurrence> occurrencesOf(const Compilation& compilation, const ProjectSymbol& symbol) {
  Project project(compilation);
  std::vector<Mention> mentions = mentionsOf(project, symbol);
  std::stable_sort(mentions.begin(), mentions.end(), [](const Mention& a, const Mention& b) {
    if (a.role != b.role) return a.role == Role::Definition;
    if (a.range.file != b.range.file) return a.range.file < b.range.file;
    return a.range.begin < b.range.begin;
  });
  std::vector<Occurrence> result;
  for (const Mention& mention : mentions) {
    auto same = [&](const Occurrence& seen) {
      return seen.range.file == mention.range.file && seen.range.begin == mention.range.begin &&
             seen.range.end == mention.range.end;
    };
    if (std::none_of(result.begin(), result.end(), same))
      result.push_back({mention.range, mention.role == Role::Definition});
  }
  return result;
}

bool declaredInStdlib(const Compilation& compilation, const ProjectSymbol& symbol) {
  Project project(compilation);
  std::set<FileId> stdlib;
  for (const LoadedFile& loaded : compilation.files)
    if (loaded.isStdlib) stdlib.insert(loaded.id);
  for (const Mention& mention : mentionsOf(project, symbol))
    if (mention.role == Role::Definition && stdlib.count(mention.range.file)) return true;
  return false;
}

std::string renameProblem(const Compilation& compilation, const ProjectSymbol& symbol, const std::string& newName) {
  if (!isIdentifier(newName))
    return "`" + newName + "` is not a name: a name starts with a letter or `_` and has letters, digits, `_` and `-`";
  if (isKeyword(newName)) return "`" + newName + "` is a keyword";
  if (newName == symbol.name) return "";
  ProjectSymbol other = symbol;
  other.name = newName;
  Project project(compilation);
  if (symbol.kind == SymbolKind::Signal) {
    // Visible where the renamed one is: in its scope and in their ancestors.
    std::set<const ast::Declaration*> where;
    for (const ast::Declaration* declaration : symbol.scope)
      for (const ast::Declaration* each : project.lineage(*declaration)) where.insert(each);
    other.scope.assign(where.begin(), where.end());
  }
  for (const Mention& mention : mentionsOf(project, other))
    if (mention.role == Role::Definition)
      return std::string(kindName(symbol.kind)) + " named `" + newName + "` already exists (" +
             compilation.sources.file(mention.range.file).displayName + ":" + std::to_string(mention.range.begin.line) +
             ")";
  return "";
}

}  // namespace pipelang::lsp
