#include "compiler/lsp/Features.h"

#include "compiler/lsp/Cursor.h"
#include "compiler/lsp/MergedView.h"
#include "compiler/lsp/Positions.h"

#include <filesystem>
#include <functional>

namespace pipelang::lsp {

namespace json = llvm::json;
namespace fs = std::filesystem;

namespace {

// LSP SymbolKind values used here.
constexpr int kSymbolModule = 2, kSymbolNamespace = 3, kSymbolClass = 5, kSymbolInterface = 11, kSymbolObject = 19,
              kSymbolEvent = 24;

std::string contextOf(const ast::Declaration& declaration) {
  switch (declaration.kind) {
    case ast::DeclKind::Template:
    case ast::DeclKind::Pipeline:
      return "pipeline";
    case ast::DeclKind::Topology:
      return "topology";
    case ast::DeclKind::Policy:
      return "policy";
  }
  return "pipeline";
}

// Calls `visit` for every member with the type of the block it is in.
void forEachMember(const ast::Body& body, const std::string& context,
                   const std::function<void(const ast::Member&, const std::string&)>& visit) {
  for (const ast::Member& member : body.members) {
    visit(member, context);
    if (member.block) forEachMember(member.block->body, member.block->type, visit);
  }
}

json::Object location(const SourceManager& sources, SourceRange range) {
  return json::Object{{"uri", pathToUri(sources.file(range.file).path)}, {"range", toLspRange(sources, range)}};
}

std::string labelText(const ast::Block& block) {
  return block.label.kind == ast::LabelKind::None ? block.type : block.type + " " + block.label.text;
}

json::Object symbol(const SourceManager& sources, std::string name, int kind, SourceRange range, SourceRange selection,
                    json::Array children) {
  return json::Object{{"name", std::move(name)},
                      {"kind", kind},
                      {"range", toLspRange(sources, range)},
                      {"selectionRange", toLspRange(sources, selection.valid() ? selection : range)},
                      {"children", std::move(children)}};
}

json::Array blockSymbols(const SourceManager& sources, const ast::Body& body) {
  json::Array symbols;
  for (const ast::Member& member : body.members) {
    if (!member.block) continue;
    const ast::Block& block = *member.block;
    if (block.type == "stage" || block.type == "prod" || block.type == "wave") {
      symbols.push_back(symbol(sources, labelText(block), kSymbolModule, block.range, block.typeRange,
                               blockSymbols(sources, block.body)));
    } else if (block.type == "alarms") {
      json::Array alarms;
      for (const ast::Member& alarm : block.body.members)
        if (alarm.attribute)
          alarms.push_back(symbol(sources, alarm.attribute->name, kSymbolEvent, alarm.attribute->range,
                                  alarm.attribute->nameRange, {}));
      symbols.push_back(symbol(sources, "alarms", kSymbolNamespace, block.range, block.typeRange, std::move(alarms)));
    }
  }
  return symbols;
}

// The declarations, alarms, metrics and regions of every loaded file with this name.
std::optional<SourceRange> findDefinition(const Document& document, const std::string& name) {
  std::optional<SourceRange> found;
  auto consider = [&](SourceRange range, FileId file) {
    if (!found || (file == document.file && found->file != document.file)) found = range;
  };
  for (const LoadedFile& loaded : document.compilation->files) {
    if (!loaded.ast) continue;
    for (const auto& declaration : loaded.ast->declarations) {
      if (!declaration) continue;
      if (declaration->name == name) consider(declaration->nameRange, loaded.id);
      forEachMember(
          declaration->body, contextOf(*declaration), [&](const ast::Member& member, const std::string& context) {
            if (member.attribute && member.attribute->name == name && (context == "alarms" || context == "metrics"))
              consider(member.attribute->nameRange, loaded.id);
            if (member.block && member.block->type == "region" && member.block->label.text == name)
              consider(member.block->label.range, loaded.id);
          });
    }
  }
  return found;
}

}  // namespace

json::Array diagnosticsOf(const Document& document) {
  json::Array result;
  if (!document.compilation) return result;
  const SourceManager& sources = document.compilation->sources;
  for (const Diagnostic& diagnostic : document.compilation->diagnostics.diagnostics()) {
    if (diagnostic.range.file != document.file) continue;
    json::Array related;
    for (const DiagNote& note : diagnostic.notes)
      if (note.range.valid())
        related.push_back(json::Object{{"location", location(sources, note.range)}, {"message", note.message}});
    std::string message = diagnostic.message;
    if (!diagnostic.help.empty()) message += "\nhelp: " + diagnostic.help;
    json::Object lsp{{"range", toLspRange(sources, diagnostic.range)},
                     {"severity", diagnostic.severity == Severity::Error ? 1 : 2},
                     {"code", std::string(diagKind(diagnostic.code).name)},
                     {"source", "pipec"},
                     {"message", message}};
    if (!related.empty()) lsp["relatedInformation"] = std::move(related);
    result.push_back(std::move(lsp));
  }
  return result;
}

json::Array documentSymbols(const Document& document) {
  json::Array symbols;
  const ast::File* file = document.ast();
  if (!file) return symbols;
  const SourceManager& sources = document.compilation->sources;
  for (const auto& declaration : file->declarations) {
    int kind = kSymbolClass;
    if (declaration->kind == ast::DeclKind::Template) kind = kSymbolInterface;
    if (declaration->kind == ast::DeclKind::Topology) kind = kSymbolNamespace;
    if (declaration->kind == ast::DeclKind::Policy) kind = kSymbolObject;
    json::Object item = symbol(sources, declaration->name, kind, declaration->range, declaration->nameRange,
                               blockSymbols(sources, declaration->body));
    item["detail"] = ast::declKindName(declaration->kind);
    symbols.push_back(std::move(item));
  }
  return symbols;
}

json::Value definition(const Document& document, SourceLoc at) {
  const ast::File* file = document.ast();
  if (!file) return nullptr;
  const SourceManager& sources = document.compilation->sources;
  for (size_t i = 0; i < file->imports.size(); ++i) {
    if (!touches(file->imports[i].range, at)) continue;
    // Only where the compiler loaded it from: a refused import (R103, R104) has no target.
    auto target = document.compilation->importTargets.find({document.file, i});
    if (target == document.compilation->importTargets.end() || target->second == kNoFile) return nullptr;
    json::Object start{{"line", 0}, {"character", 0}};
    return json::Object{{"uri", pathToUri(sources.file(target->second).path)},
                        {"range", json::Object{{"start", json::Object(start)}, {"end", json::Object(start)}}}};
  }
  bool afterSuper = false;
  std::string word = wordAt(sources, document.file, at, &afterSuper);
  if (word.empty()) return nullptr;
  CursorPlace place = placeAt(*file, at);
  bool inherits = place.declaration && place.declaration->kind != ast::DeclKind::Topology;
  // `super.NAME`: the parent's value of the attribute it is written in.
  if (afterSuper && inherits && place.attribute) {
    MergedView view(*document.compilation);
    const sema::MergedBlock* block = view.blockAt(*place.declaration, place.blocks);
    const sema::MergedAttr* merged = block ? block->attr(place.attribute->name) : nullptr;
    const sema::MergedAttr* parent = merged && merged->superScope ? merged->superScope->attr(word) : nullptr;
    if (parent && parent->attr) return location(sources, parent->attr->nameRange);
  }
  // An alarm or metric of the pipeline or template around the cursor: the
  // declaration it inherits (or overrides) it from, as the merge decides.
  if (inherits && place.declaration->kind != ast::DeclKind::Policy) {
    MergedView view(*document.compilation);
    const sema::MergedBlock* body = view.resolve(*place.declaration).body.get();
    for (const char* block : {"alarms", "metrics"}) {
      const sema::MergedBlock* entries = body ? body->child(block) : nullptr;
      const sema::MergedAttr* entry = entries ? entries->attr(word) : nullptr;
      if (entry && entry->attr) return location(sources, entry->attr->nameRange);
    }
  }
  std::optional<SourceRange> target = findDefinition(document, word);
  if (!target) return nullptr;
  return location(sources, *target);
}

json::Array codeActions(const Document& document, SourceRange range) {
  json::Array actions;
  if (!document.compilation) return actions;
  const SourceManager& sources = document.compilation->sources;
  for (const Diagnostic& diagnostic : document.compilation->diagnostics.diagnostics()) {
    if (diagnostic.range.file != document.file || diagnostic.fixes.empty()) continue;
    if (diagnostic.range.end < range.begin || range.end < diagnostic.range.begin) continue;
    for (const FixIt& fix : diagnostic.fixes) {
      json::Object changes;
      changes[pathToUri(sources.file(fix.range.file).path)] =
          json::Array{json::Object{{"range", toLspRange(sources, fix.range)}, {"newText", fix.replacement}}};
      actions.push_back(
          json::Object{{"title", fix.message},
                       {"kind", "quickfix"},
                       {"isPreferred", diagnostic.fixes.size() == 1},
                       {"diagnostics", json::Array{json::Object{{"range", toLspRange(sources, diagnostic.range)},
                                                                {"code", std::string(diagKind(diagnostic.code).name)},
                                                                {"message", diagnostic.message}}}},
                       {"edit", json::Object{{"changes", std::move(changes)}}}});
    }
  }
  return actions;
}

}  // namespace pipelang::lsp
