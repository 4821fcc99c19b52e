// `extends` chains and the merge of a child's body over its parent's
// (language.md §4). Chains are walked iteratively, so a long or cyclic chain
// can neither overflow the stack nor loop.
#include "compiler/sema/Merged.h"

#include "compiler/util/Spelling.h"

#include <algorithm>
#include <set>

namespace pipelang::sema {

model::ViaNotes ResolvedDecl::via(int writtenAt) const {
  if (writtenAt < 0) writtenAt = 0;
  if (writtenAt >= level()) return {};
  if (viaByLevel_.empty()) viaByLevel_.resize(chain.size());
  model::ViaNotes& cached = viaByLevel_[static_cast<size_t>(writtenAt)];
  if (cached.empty()) {
    std::vector<DiagNote> notes;
    for (int j = level() - 1; j >= writtenAt; --j)
      notes.push_back(
          {std::string("inherited from ") + declKindWord(chain[j]->kind) + " " + chain[j]->name, chain[j]->nameRange});
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
      MergedAttr merged{a, level, parent, a->isFinal, a->finalRange};
      auto it = std::find_if(out->attrs.begin(), out->attrs.end(), [&](const auto& p) { return p.first == a->name; });
      if (it == out->attrs.end()) {
        out->attrs.emplace_back(a->name, std::move(merged));
        continue;
      }
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
      auto it = std::find_if(out->blocks.begin(), out->blocks.end(),
                             [&](const auto& p) { return p->type == b->type && p->label == b->label.text; });
      if (it == out->blocks.end()) {
        out->blocks.push_back(mergeBody(nullptr, b->body, b->type, b->label.text, b, level, sink));
        continue;
      }
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
  for (const ast::Declaration* cur = &start; cur->hasExtends;) {
    std::string parentName = joinPath(cur->extendsPath);
    if (parentName.empty()) {  // the parser reported what it could not read
      broken = true;
      break;
    }
    const ast::Declaration* parent = names_.find(parentName);
    if (cur->kind == ast::DeclKind::Topology) {
      sink_.report(DiagCode::R111, cur->extendsRange, "a topology cannot extend anything");
      broken = true;
      break;
    }
    if (!parent) {
      std::string kinds = cur->kind == ast::DeclKind::Policy ? "policy" : "template";
      Diagnostic& d = sink_.report(DiagCode::R101, cur->extendsRange, "unknown " + kinds + " `" + parentName + "`");
      auto candidates =
          names_.namesOf(cur->kind == ast::DeclKind::Policy ? ast::DeclKind::Policy : ast::DeclKind::Template);
      if (auto guess = closestSpelling(parentName, candidates)) {
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
    if (auto at = std::find(path.begin(), path.end(), parent); at != path.end()) {
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
    if (parent) {
      resolved.chain = parent->chain;
      resolved.ok = parent->ok;
    }
    if (cycle.count(decl) || (i + 1 == path.size() && broken)) resolved.ok = false;
    resolved.chain.push_back(decl);
    resolved.body = mergeBody(parent ? parent->body : nullptr, decl->body, "", "", nullptr, resolved.level(), sink_);
    done_.emplace(decl, std::move(resolved));
  }
  return done_.at(&start);
}

}  // namespace pipelang::sema
