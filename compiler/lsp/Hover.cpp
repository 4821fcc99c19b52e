// Hover: a diagnostic code's explanation; an attribute's or block's meaning
// from the schema; and for an attribute of a pipeline, template or policy,
// the value the declaration ends up with after inheritance, who set it, and
// (in a template or policy) which open declarations inherit or override it.
#include "compiler/diag/Explanations.h"
#include "compiler/lsp/Cursor.h"
#include "compiler/lsp/Features.h"
#include "compiler/lsp/MergedView.h"
#include "compiler/lsp/Positions.h"
#include "compiler/sema/Show.h"

#include <algorithm>
#include <map>

namespace pipelang::lsp {

namespace json = llvm::json;

namespace {

std::string declared(const ast::Declaration& declaration) {
  return std::string(sema::declKindWord(declaration.kind)) + " `" + declaration.name + "`";
}

// The schema's meaning of the member under the cursor, or "".
std::string schemaDoc(const CursorPlace& place) {
  std::optional<sema::Context> context = place.context();
  if (!context) return "";
  const sema::ContextSpec& spec = sema::contextSpec(*context);
  // A template's own body has the pipeline's schema but is not a pipeline.
  bool templateBody = place.blocks.empty() && place.declaration && place.declaration->kind == ast::DeclKind::Template;
  std::string what = templateBody ? "a template" : spec.what;
  if (place.header) {
    const sema::BlockSpec* block = sema::findBlock(*context, place.header->type);
    if (!block) return "";
    return "**" + place.header->type + "** (block of " + what + "): " + block->doc;
  }
  if (!place.attribute || !place.onAttributeName) return "";
  const std::string& name = place.attribute->name;
  if (spec.anyAttribute && spec.anyDoc) return "**" + name + "** (in " + what + "): " + spec.anyDoc;
  const sema::AttributeSpec* attribute = sema::findAttribute(*context, name);
  if (!attribute) return "";
  return "**" + name + "** (attribute of " + what + "): " + attribute->doc;
}

// Identifies a declaration or attribute across compilations (each has its own syntax trees).
struct Written {
  std::string path;
  SourceLoc at;
  friend bool operator==(const Written&, const Written&) = default;
};

Written writtenAt(const SourceManager& sources, SourceRange range) {
  return {range.valid() ? sources.file(range.file).path : "", range.begin};
}

std::string assignment(const std::string& name, const sema::MergedAttr& merged, const SourceManager& sources) {
  return (merged.isFinal ? "final " : "") + name + " = " + sema::showMergedValue(merged, sources);
}

// "pipeline `P` ends up with `bake = 2h`, set by pipeline `P` at c.pipe:6 (over `12h` from template `T` at t.pipe:9)"
std::string mergedValue(MergedView& view, const SourceManager& sources, const CursorPlace& place,
                        const sema::MergedAttr** result) {
  const ast::Declaration& declaration = *place.declaration;
  const std::string& name = place.attribute->name;
  const sema::MergedBlock* block = view.blockAt(declaration, place.blocks);
  const sema::MergedAttr* merged = block ? block->attr(name) : nullptr;
  *result = merged;
  if (!merged || !merged->attr) return "";
  const sema::ResolvedDecl& resolved = view.resolve(declaration);
  const ast::Declaration* writer = resolved.chain.at(static_cast<size_t>(merged->level));
  std::string text = declared(declaration) + " ends up with `" + assignment(name, *merged, sources) + "`, set by " +
                     declared(*writer) + " at " + displayLocation(sources, merged->attr->nameRange);
  const sema::MergedAttr* parent = merged->superScope ? merged->superScope->attr(name) : nullptr;
  if (parent && parent->attr) {
    const ast::Declaration* parentWriter = resolved.chain.at(static_cast<size_t>(parent->level));
    text += " (over `" + sema::showMergedValue(*parent, sources) + "` from " + declared(*parentWriter) + " at " +
            displayLocation(sources, parent->attr->nameRange) + ")";
  }
  return text;
}

// Which declarations in the open documents' compilations extend this one,
// and whether each keeps its value of the attribute or writes its own.
std::string inheritors(const Document& document, const std::vector<const Document*>& open, const CursorPlace& place,
                       const sema::MergedAttr& merged) {
  const SourceManager& home = document.compilation->sources;
  Written declaration = writtenAt(home, place.declaration->nameRange);
  Written value = writtenAt(home, merged.attr->nameRange);
  std::map<std::string, std::string> keeping, overriding;  // by name: sorted, and once per name
  for (const Document* other : open) {
    if (!other->compilation) continue;
    const SourceManager& sources = other->compilation->sources;
    MergedView view(*other->compilation);
    for (const ast::Declaration* candidate : view.names().all()) {
      if (candidate->kind == ast::DeclKind::Topology) continue;
      const sema::ResolvedDecl& resolved = view.resolve(*candidate);
      bool extends = false;
      for (const sema::Chain* link = resolved.chain.parent(); link; link = link->parent())
        extends |= writtenAt(sources, link->back()->nameRange) == declaration;
      if (!extends) continue;
      const sema::MergedBlock* block = view.blockAt(*candidate, place.blocks);
      const sema::MergedAttr* theirs = block ? block->attr(place.attribute->name) : nullptr;
      if (!theirs || !theirs->attr) continue;
      std::string who = declared(*candidate);
      if (writtenAt(sources, theirs->attr->nameRange) == value)
        keeping.emplace(candidate->name, who);
      else
        overriding.emplace(candidate->name, who + " with `" + sema::showMergedValue(*theirs, sources) + "` at " +
                                                displayLocation(sources, theirs->attr->nameRange));
    }
  }
  auto list = [](const std::map<std::string, std::string>& entries) {
    std::string text;
    for (const auto& [name, entry] : entries) text += (text.empty() ? "" : ", ") + entry;
    return text;
  };
  std::string text;
  if (!keeping.empty()) text += "Inherited by " + list(keeping);
  if (!overriding.empty()) text += (text.empty() ? "" : "\n\n") + ("Overridden by " + list(overriding));
  return text;
}

json::Value markdown(std::string text, const SourceManager& sources, std::optional<SourceRange> range) {
  json::Object result{{"contents", json::Object{{"kind", "markdown"}, {"value", std::move(text)}}}};
  if (range) result["range"] = toLspRange(sources, *range);
  return result;
}

}  // namespace

json::Value hover(const Document& document, SourceLoc at, const std::vector<const Document*>& open) {
  const ast::File* file = document.ast();
  if (!file) return nullptr;
  const SourceManager& sources = document.compilation->sources;
  std::string word = wordAt(sources, document.file, at);
  bool isCode = word.size() == 4 && std::string_view("PRS").find(word[0]) != std::string_view::npos &&
                std::all_of(word.begin() + 1, word.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (isCode)
    if (const Explanation* explanation = findExplanation(word))
      return markdown(std::string(explanation->text), sources, std::nullopt);

  CursorPlace place = placeAt(*file, at);
  std::string text = schemaDoc(place);
  SourceRange range = place.header ? place.header->typeRange : SourceRange{};
  if (place.attribute) range = place.onAttributeName ? place.attribute->nameRange : place.attribute->value->range;
  if (place.attribute && place.declaration->kind != ast::DeclKind::Topology) {
    MergedView view(*document.compilation);
    const sema::MergedAttr* merged = nullptr;
    std::string value = mergedValue(view, sources, place, &merged);
    if (!value.empty()) text += (text.empty() ? "" : "\n\n") + value;
    bool isParent =
        place.declaration->kind == ast::DeclKind::Template || place.declaration->kind == ast::DeclKind::Policy;
    if (merged && merged->attr && isParent) {
      std::string others = inheritors(document, open, place, *merged);
      if (!others.empty()) text += "\n\n" + others;
    }
  }
  if (text.empty()) return nullptr;
  return markdown(std::move(text), sources, range);
}

}  // namespace pipelang::lsp
