// `extends` chains and the merge of a child's body over its parent's
// (language.md §4). Chains are walked iteratively, so a long or cyclic chain
// can neither overflow the stack nor loop.
#include "compiler/sema/Merged.h"

#include "compiler/util/Spelling.h"

#include <algorithm>
#include <optional>
#include <set>

namespace pipelang::sema {

void Chain::link(const ast::Declaration* decl, const Chain* parent) {
  decl_ = decl;
  parent_ = parent;
  size_ = parent ? parent->size_ + 1 : 1;
  // Skew-binary jump pointers (Myers 1983): O(1) space per link, O(log N) to any ancestor.
  jump_ = parent;
  if (parent && parent->jump_ && parent->jump_->jump_ &&
      parent->size_ - parent->jump_->size_ == parent->jump_->size_ - parent->jump_->jump_->size_)
    jump_ = parent->jump_->jump_;
}

const Chain* Chain::ancestorAt(size_t index) const {
  const Chain* cur = this;
  while (cur->size_ > index + 1) cur = cur->jump_ && cur->jump_->size_ >= index + 1 ? cur->jump_ : cur->parent_;
  return cur;
}

const ast::Declaration* Chain::at(size_t index) const {
  if (index >= size_) throw std::out_of_range("Chain::at");
  return (*this)[index];
}

std::vector<const ast::Declaration*> Chain::toVector() const {
  std::vector<const ast::Declaration*> result(size_);
  size_t i = size_;
  for (const Chain* cur = this; cur; cur = cur->parent_) result[--i] = cur->decl_;
  return result;
}

model::ViaNotes ResolvedDecl::via(int writtenAt) const {
  if (writtenAt < 0) writtenAt = 0;
  if (writtenAt >= level()) return {};
  model::ViaNotes& cached = viaByLevel_[writtenAt];
  if (cached.empty()) {
    auto note = [](const Chain* link) {
      return DiagNote{std::string("inherited from ") + declKindWord(link->back()->kind) + " " + link->back()->name,
                      link->back()->nameRange};
    };
    std::vector<DiagNote> notes;
    int count = level() - writtenAt;
    int nearest = count <= kMaxViaNotes ? count : kMaxViaNotes - 2;
    const Chain* link = chain.parent();
    for (int i = 0; i < nearest; ++i, link = link->parent()) notes.push_back(note(link));
    if (nearest < count) {
      notes.push_back({"... and " + std::to_string(count - nearest - 1) + " more levels", SourceRange{}});
      notes.push_back(note(chain.ancestorAt(static_cast<size_t>(writtenAt))));
    }
    cached = model::ViaNotes(std::move(notes));
  }
  return cached;
}

namespace {

std::string joinPath(const std::vector<std::string>& path) {
  std::string result;
  for (const std::string& part : path) result += (result.empty() ? "" : ".") + part;
  return result;
}

bool mayExtend(ast::DeclKind child, ast::DeclKind parent) {
  switch (child) {
    case ast::DeclKind::Template:
    case ast::DeclKind::Pipeline:
      return parent == ast::DeclKind::Template;
    case ast::DeclKind::Policy:
      return parent == ast::DeclKind::Policy;
    case ast::DeclKind::Topology:
      return false;
  }
  return false;
}

// The first `super.NAME` that is an item of a list (at any depth) in `e`.
const ast::Expr* superInList(const ast::Expr& e, bool inList) {
  if (e.kind == ast::ExprKind::Ref && e.isSuper && inList) return &e;
  for (const auto& arg : e.args)
    if (arg)
      if (const ast::Expr* found = superInList(*arg, inList || e.kind == ast::ExprKind::List)) return found;
  return nullptr;
}

// An item of a list as it would be written (for the suggested list).
std::optional<std::string> itemText(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Ref: {
      std::string text = e.isSuper ? "super" : "";
      for (const std::string& part : e.path) text += (text.empty() ? "" : ".") + part;
      return text;
    }
    case ast::ExprKind::String:
      return "\"" + e.text + "\"";
    default:
      return e.spelling.empty() ? std::nullopt : std::optional<std::string>(e.spelling);
  }
}

// Lists are replaced, never concatenated (language.md §4.4): `[super.block_on,
// x]` is one error (R114) at the child's `super`, with the list written out
// from the parent's items when they are plain names or literals.
void reportSuperInList(const ast::Attribute& attr, const MergedBlock* parent, DiagnosticSink& sink) {
  const ast::Expr* found = attr.value ? superInList(*attr.value, false) : nullptr;
  if (!found) return;
  std::string name = found->path.empty() ? std::string() : found->path[0];
  Diagnostic& d =
      sink.report(DiagCode::R114, found->range,
                  "`super." + name + "` cannot be an item of a list: lists are replaced, never concatenated");
  const MergedAttr* inherited = parent && !name.empty() ? parent->attr(name) : nullptr;
  const ast::Expr* old = inherited && inherited->attr ? inherited->attr->value.get() : nullptr;
  if (attr.value->kind == ast::ExprKind::List && old && old->kind == ast::ExprKind::List) {
    std::vector<std::string> items;
    bool writable = true;
    for (const auto& item : attr.value->args) {
      if (!item) continue;
      bool splice =
          item->kind == ast::ExprKind::Ref && item->isSuper && item->path.size() == 1 && item->path[0] == name;
      if (splice) {
        for (const auto& part : old->args) {
          std::optional<std::string> text = part ? itemText(*part) : std::nullopt;
          if (!text || (part->kind == ast::ExprKind::Ref && part->isSuper)) writable = false;
          if (text && std::find(items.begin(), items.end(), *text) == items.end()) items.push_back(*text);
        }
        continue;
      }
      std::optional<std::string> text = itemText(*item);
      if (!text || item->isSuper) writable = false;
      if (text && std::find(items.begin(), items.end(), *text) == items.end()) items.push_back(*text);
    }
    if (writable) {
      std::string list = "[";
      for (size_t i = 0; i < items.size(); ++i) list += (i ? ", " : "") + items[i];
      list += "]";
      d.help = "write the whole list: `" + attr.name + " = " + list + "`";
      d.fixes.push_back({"write the whole list", attr.value->range, list});
      return;
    }
  }
  d.help = "write every item of `" + attr.name + "` here: the parent's list is replaced, not extended";
}

}  // namespace

std::shared_ptr<const MergedBlock> mergeBody(std::shared_ptr<const MergedBlock> parent, const ast::Body& body,
                                             const std::string& type, const std::string& label, const ast::Block* block,
                                             int level, DiagnosticSink& sink) {
  auto out = std::make_shared<MergedBlock>();
  if (parent) {
    *out = *parent;
  } else {
    out->type = type;
    out->label = label;
    out->level = level;
  }
  if (block) {
    out->block = block;
    if (block->isFinal && !out->isFinal) {
      out->isFinal = true;
      out->finalRange = block->finalRange;
    }
  }
  // Duplicates inside one body are reported by the schema (R102); the first wins here.
  std::set<std::string> seenAttrs;
  std::set<std::pair<std::string, std::string>> seenBlocks;
  for (const ast::Member& member : body.members) {
    if (const ast::Attribute* a = member.attribute.get()) {
      if (a->name.empty() || !seenAttrs.insert(a->name).second) continue;
      reportSuperInList(*a, parent.get(), sink);
      MergedAttr merged{a, level, parent, a->isFinal, a->finalRange};
      auto known = out->attrIndex.find(a->name);
      if (known == out->attrIndex.end()) {
        out->attrIndex.emplace(a->name, out->attrs.size());
        out->attrs.emplace_back(a->name, std::move(merged));
        continue;
      }
      auto it = out->attrs.begin() + static_cast<std::ptrdiff_t>(known->second);
      if (it->second.isFinal) {
        Diagnostic& d = sink.report(DiagCode::R106, a->nameRange,
                                    "`" + a->name + "` is `final` in a parent and cannot be overridden");
        d.notes.push_back({"declared `final` here", it->second.finalRange});
        d.help = "remove this `" + a->name + "`, or extend a parent that does not pin it";
        continue;
      }
      it->second = std::move(merged);
    } else if (const ast::Block* b = member.block.get()) {
      if (b->type.empty() || !seenBlocks.insert({b->type, b->label.text}).second) continue;
      auto known = out->blockIndex.find({b->type, b->label.text});
      if (known == out->blockIndex.end()) {
        out->blockIndex.emplace(std::make_pair(b->type, b->label.text), out->blocks.size());
        out->blocks.push_back(mergeBody(nullptr, b->body, b->type, b->label.text, b, level, sink));
        continue;
      }
      auto it = out->blocks.begin() + static_cast<std::ptrdiff_t>(known->second);
      if ((*it)->isFinal) {
        std::string what = b->type + (b->label.text.empty() ? "" : " " + b->label.text);
        Diagnostic& d = sink.report(DiagCode::R106, b->typeRange,
                                    "block `" + what + "` is `final` in a parent and cannot be changed");
        d.notes.push_back({"declared `final` here", (*it)->finalRange});
        continue;
      }
      *it = mergeBody(*it, b->body, b->type, b->label.text, b, level, sink);
    }
  }
  return out;
}

const ResolvedDecl& Inheritance::resolve(const ast::Declaration& start) {
  if (auto it = done_.find(&start); it != done_.end()) return it->second;
  // Walk up to a root, a resolved ancestor, or a broken link.
  std::vector<const ast::Declaration*> path{&start};
  bool broken = false;
  std::set<const ast::Declaration*> cycle;
  std::set<const ast::Declaration*> onPath{&start};  // the cycle test, in O(log N) per step
  for (const ast::Declaration* cur = &start; cur->hasExtends;) {
    std::string parentName = joinPath(cur->extendsPath);
    if (parentName.empty()) {  // the parser reported what it could not read
      broken = true;
      break;
    }
    const ast::Declaration* parent = names_.findFrom(parentName, cur->extendsRange.file);
    if (cur->kind == ast::DeclKind::Topology) {
      sink_.report(DiagCode::R111, cur->extendsRange, "a topology cannot extend anything");
      broken = true;
      break;
    }
    if (!parent && names_.hasFailedImport(cur->extendsRange.file)) {  // R103/R104 said why
      broken = true;
      break;
    }
    if (!parent) {
      std::string kinds = cur->kind == ast::DeclKind::Policy ? "policy" : "template";
      Diagnostic& d = sink_.report(DiagCode::R101, cur->extendsRange, "unknown " + kinds + " `" + parentName + "`");
      auto candidates =
          names_.namesOf(cur->kind == ast::DeclKind::Policy ? ast::DeclKind::Policy : ast::DeclKind::Template);
      if (std::string help = names_.importHelp(parentName, cur->extendsRange.file); !help.empty()) {
        d.help = help;
      } else if (auto guess = closestSpelling(parentName, candidates)) {
        d.help = "did you mean `" + *guess + "`?";
        d.fixes.push_back({"replace with `" + *guess + "`", cur->extendsRange, *guess});
      }
      broken = true;
      break;
    }
    if (!mayExtend(cur->kind, parent->kind)) {
      std::string expected = cur->kind == ast::DeclKind::Policy ? "policy" : "template";
      std::string message = cur->kind == ast::DeclKind::Topology
                                ? "a topology cannot extend anything"
                                : std::string(declKindWord(cur->kind)) + " `" + cur->name + "` extends " +
                                      declKindWord(parent->kind) + " `" + parent->name + "`, which is not a " +
                                      expected;
      Diagnostic& d = sink_.report(DiagCode::R111, cur->extendsRange, message);
      d.notes.push_back(
          {std::string(declKindWord(parent->kind)) + " `" + parent->name + "` declared here", parent->nameRange});
      broken = true;
      break;
    }
    if (!onPath.insert(parent).second) {
      auto at = std::find(path.begin(), path.end(), parent);
      std::string names;
      for (auto it = at; it != path.end(); ++it) names += "`" + (*it)->name + "` extends ";
      names += "`" + parent->name + "`";
      // Reported at the cycle's first member in name order (resolution order), once.
      Diagnostic& d = sink_.report(DiagCode::R105, (*at)->extendsRange, "inheritance cycle: " + names);
      for (auto it = at; it != path.end(); ++it) {
        cycle.insert(*it);
        if (it != at) d.notes.push_back({"`" + (*it)->name + "` is part of the cycle", (*it)->extendsRange});
      }
      broken = true;
      break;
    }
    if (done_.count(parent)) {
      path.push_back(parent);
      break;
    }
    path.push_back(parent);
    cur = parent;
  }
  // Resolve from the top of the path down; the last element may already be done.
  for (size_t i = path.size(); i-- > 0;) {
    const ast::Declaration* decl = path[i];
    if (done_.count(decl)) continue;
    ResolvedDecl resolved;
    const ResolvedDecl* parent = (i + 1 < path.size() && !cycle.count(decl)) ? &done_.at(path[i + 1]) : nullptr;
    if (i + 1 == path.size() && broken) parent = nullptr;
    if (parent) resolved.ok = parent->ok;
    if (cycle.count(decl) || (i + 1 == path.size() && broken)) resolved.ok = false;
    // Linked in place: the chain points at the parent's, which lives in done_ too.
    ResolvedDecl& placed = done_.emplace(decl, std::move(resolved)).first->second;
    placed.chain.link(decl, parent ? &parent->chain : nullptr);
    if (deferPipelines_ && decl->kind == ast::DeclKind::Pipeline)
      deferred_.emplace(decl, parent);
    else
      placed.body = mergeBody(parent ? parent->body : nullptr, decl->body, "", "", nullptr, placed.level(), sink_);
  }
  return done_.at(&start);
}

const ResolvedDecl& Inheritance::merge(const ast::Declaration& decl) {
  return merge(decl, sink_);
}

const ResolvedDecl& Inheritance::merge(const ast::Declaration& decl, DiagnosticSink& sink) {
  resolve(decl);
  ResolvedDecl& resolved = done_.at(&decl);
  // deferred_ is only read here (several threads may merge at once): a
  // pipeline is merged once, while its body is not there yet.
  if (auto it = deferred_.find(&decl); it != deferred_.end() && !resolved.body && !resolved.merged) {
    const ResolvedDecl* parent = it->second;
    resolved.merged = true;
    resolved.body = mergeBody(parent ? parent->body : nullptr, decl.body, "", "", nullptr, resolved.level(), sink);
  }
  return resolved;
}

void Inheritance::release(const ast::Declaration& decl) {
  auto it = done_.find(&decl);
  if (it == done_.end()) return;
  it->second.body.reset();
  it->second.viaByLevel_.clear();
}

}  // namespace pipelang::sema
