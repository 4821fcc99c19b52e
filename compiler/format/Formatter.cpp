#include "compiler/format/Formatter.h"

#include "compiler/format/SourceText.h"
#include "compiler/syntax/Parse.h"

#include <algorithm>

namespace pipelang {

namespace {

constexpr std::string_view kIndent = "  ";
// Between the members of a block kept on one line, and before a trailing comment.
constexpr std::string_view kGap = "  ";

bool contains(SourceRange range, SourceLoc loc) { return range.begin <= loc && loc < range.end; }

std::string indent(int depth) {
  std::string result;
  for (int i = 0; i < depth; ++i) result += kIndent;
  return result;
}

std::string padded(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

// One line of output (or one multi-line block) at one nesting level, with
// the comments that belong to it.
struct Entry {
  const ast::Comment* comment = nullptr;  // a comment on its own line
  const ast::Import* import = nullptr;
  const ast::Declaration* declaration = nullptr;
  const ast::Member* member = nullptr;
  SourceRange range;  // what the entry covers in the source
  SourceRange inner;  // the body of a block or declaration (comments inside belong to it)
  std::vector<const ast::Comment*> hoisted;   // written inside the header or value: printed above
  std::vector<const ast::Comment*> trailing;  // on the line where the entry ends
  uint32_t firstLine = 0, lastLine = 0;
};

class Printer {
 public:
  Printer(const ast::File& file, const SourceManager& sources) : file_(file), sources_(sources) {
    for (const ast::Comment& comment : file.comments) comments_.push_back(&comment);
    std::sort(comments_.begin(), comments_.end(),
              [](const ast::Comment* a, const ast::Comment* b) { return a->range.begin < b->range.begin; });
  }

  std::string print() {
    std::vector<Entry> entries;
    for (const ast::Import& import : file_.imports) {
      Entry entry;
      entry.import = &import;
      entry.range = import.range;
      entries.push_back(std::move(entry));
    }
    for (const auto& declaration : file_.declarations) {
      Entry entry;
      entry.declaration = declaration.get();
      entry.range = declaration->range;
      entry.inner = declaration->body.range;
      entries.push_back(std::move(entry));
    }
    SourceRange whole{file_.file, {0, 0}, {UINT32_MAX, UINT32_MAX}};
    return renderEntries(arrange(std::move(entries), whole, nullptr), 0);
  }

 private:
  std::string text(SourceRange range) const { return std::string(sourceText(sources_, range)); }

  // Distributes the comments inside `scope` (but not inside a nested body)
  // over the entries and returns them in source order with the comments
  // that stand on their own lines.
  std::vector<Entry> arrange(std::vector<Entry> members, SourceRange scope,
                             std::vector<const ast::Comment*>* afterOpenBrace) {
    std::sort(members.begin(), members.end(),
              [](const Entry& a, const Entry& b) { return a.range.begin < b.range.begin; });
    std::vector<Entry> ownLine;
    for (const ast::Comment* comment : comments_) {
      SourceLoc at = comment->range.begin;
      if (!(scope.begin < at && at < scope.end)) continue;
      auto owner = std::find_if(members.begin(), members.end(), [&](const Entry& e) { return contains(e.range, at); });
      if (owner != members.end()) {
        if (!(owner->inner.valid() && owner->inner.begin < at && at < owner->inner.end))
          owner->hoisted.push_back(comment);
        continue;
      }
      Entry* previous = nullptr;
      for (Entry& member : members)
        if (member.range.end <= at) previous = &member;
      if (previous && previous->range.end.line == at.line) {
        previous->trailing.push_back(comment);
      } else if (!previous && afterOpenBrace && at.line == scope.begin.line) {
        afterOpenBrace->push_back(comment);
      } else {
        Entry entry;
        entry.comment = comment;
        entry.range = comment->range;
        ownLine.push_back(std::move(entry));
      }
    }
    std::vector<Entry> result;
    size_t nextComment = 0;
    for (Entry& member : members) {
      while (nextComment < ownLine.size() && ownLine[nextComment].range.begin < member.range.begin)
        result.push_back(std::move(ownLine[nextComment++]));
      for (const ast::Comment* comment : member.hoisted) {
        Entry entry;
        entry.comment = comment;
        entry.range = comment->range;
        entry.firstLine = entry.lastLine = member.range.begin.line;
        result.push_back(std::move(entry));
      }
      result.push_back(std::move(member));
    }
    while (nextComment < ownLine.size()) result.push_back(std::move(ownLine[nextComment++]));
    for (Entry& entry : result) {
      if (entry.firstLine != 0) continue;
      entry.firstLine = entry.range.begin.line;
      entry.lastLine = entry.range.end.line;
      for (const ast::Comment* comment : entry.trailing) entry.lastLine = std::max(entry.lastLine, comment->range.end.line);
    }
    return result;
  }

  bool hasCommentIn(SourceRange range) const {
    return std::any_of(comments_.begin(), comments_.end(),
                       [&](const ast::Comment* c) { return contains(range, c->range.begin); });
  }

  // A block stays on one line when it was written on one line and has no
  // comment inside; an empty body is always `{}`.
  bool isOneLine(const ast::Block& block) const {
    if (hasCommentIn(block.range)) return false;
    return block.body.members.empty() || block.body.range.begin.line == block.body.range.end.line;
  }

  bool isMultiLine(const Entry& entry) const {
    if (entry.declaration) return true;
    return entry.member && entry.member->block && !isOneLine(*entry.member->block);
  }

  std::string key(const ast::Member& member) const {
    if (member.attribute) return (member.attribute->isFinal ? "final " : "") + member.attribute->name;
    const ast::Block& block = *member.block;
    std::string result = (block.isFinal ? "final " : "") + block.type;
    if (block.label.kind != ast::LabelKind::None) result += " " + text(block.label.range);
    return result;
  }

  std::string oneLine(const ast::Member& member) const {
    if (member.attribute) return key(member) + " = " + expr(*member.attribute->value);
    return key(member) + " " + oneLineBody(member.block->body);
  }

  std::string oneLineBody(const ast::Body& body) const {
    if (body.members.empty()) return "{}";
    std::string result = "{ ";
    for (size_t i = 0; i < body.members.size(); ++i) {
      if (i > 0) result += kGap;
      result += oneLine(body.members[i]);
    }
    return result + " }";
  }

  // `{`, the body one level deeper, `}`.
  std::string multiLineBody(const ast::Body& body, int depth) {
    std::vector<const ast::Comment*> afterBrace;
    std::vector<Entry> members;
    for (const ast::Member& member : body.members) {
      Entry entry;
      entry.member = &member;
      entry.range = member.attribute ? member.attribute->range : member.block->range;
      if (member.block) entry.inner = member.block->body.range;
      members.push_back(std::move(entry));
    }
    std::vector<Entry> entries = arrange(std::move(members), body.range, &afterBrace);
    if (entries.empty() && afterBrace.empty()) return "{}";
    std::string result = "{";
    for (const ast::Comment* comment : afterBrace) result += " " + comment->text;
    result += "\n" + renderEntries(std::move(entries), depth + 1) + indent(depth) + "}";
    return result;
  }

  std::string renderEntries(std::vector<Entry> entries, int depth) {
    size_t count = entries.size();
    std::vector<bool> multi(count), blank(count);
    for (size_t i = 0; i < count; ++i) multi[i] = isMultiLine(entries[i]);
    for (size_t i = 1; i < count; ++i)
      blank[i] = entries[i].firstLine > entries[i - 1].lastLine + 1 || multi[i] || multi[i - 1];
    // The comments right above a multi-line block go with it: the blank line goes above them.
    for (size_t i = 1; i < count; ++i) {
      if (!multi[i] || multi[i - 1]) continue;
      size_t first = i;
      while (first > 0 && entries[first - 1].comment && entries[first].firstLine <= entries[first - 1].lastLine + 1)
        --first;
      if (first == i) continue;
      blank[i] = false;
      if (first > 0) blank[first] = true;
    }

    std::string out;
    size_t runStart = 0;
    while (runStart < count) {
      // A run: entries with no blank line and no multi-line block between them.
      size_t runEnd = runStart + 1;
      if (!multi[runStart])
        while (runEnd < count && !blank[runEnd] && !multi[runEnd]) ++runEnd;
      size_t keyWidth = 0;
      for (size_t i = runStart; i < runEnd; ++i)
        if (entries[i].member) keyWidth = std::max(keyWidth, key(*entries[i].member).size());
      std::vector<std::string> lines;
      size_t commentColumn = 0;
      for (size_t i = runStart; i < runEnd; ++i) {
        lines.push_back(render(entries[i], keyWidth, depth));
        if (!entries[i].trailing.empty() && !multi[i])
          commentColumn = std::max(commentColumn, codePointCount(lines.back()) + kGap.size());
      }
      for (size_t i = runStart; i < runEnd; ++i) {
        std::string& line = lines[i - runStart];
        if (!entries[i].trailing.empty()) {
          line = multi[i] ? line + std::string(kGap) : padded(line, commentColumn + line.size() - codePointCount(line));
          for (size_t k = 0; k < entries[i].trailing.size(); ++k)
            line += (k > 0 ? " " : "") + entries[i].trailing[k]->text;
        }
        if (blank[i]) out += "\n";
        out += indent(depth) + line + "\n";
      }
      runStart = runEnd;
    }
    return out;
  }

  std::string render(const Entry& entry, size_t keyWidth, int depth) {
    if (entry.comment) return entry.comment->text;
    if (entry.import) return "import " + text(entry.import->range);
    if (entry.declaration) {
      const ast::Declaration& d = *entry.declaration;
      std::string header = std::string(ast::declKindName(d.kind)) + " " + d.name;
      if (d.hasExtends) {
        std::string path;
        for (const std::string& part : d.extendsPath) path += (path.empty() ? "" : ".") + part;
        header += " extends " + path;
      }
      return header + " " + multiLineBody(d.body, depth);
    }
    const ast::Member& member = *entry.member;
    std::string name = padded(key(member), keyWidth);
    if (member.attribute) return name + " = " + expr(*member.attribute->value);
    if (isOneLine(*member.block)) return name + " " + oneLineBody(member.block->body);
    return key(member) + " " + multiLineBody(member.block->body, depth);
  }

  std::string joined(const std::vector<ast::ExprPtr>& args, std::string_view separator) const {
    std::string result;
    for (size_t i = 0; i < args.size(); ++i) result += (i > 0 ? std::string(separator) : "") + expr(*args[i]);
    return result;
  }

  std::string expr(const ast::Expr& e) const {
    std::string bare = bareExpr(e);
    return e.parenthesized ? "(" + bare + ")" : bare;
  }

  // Literals keep their spelling: `1h30m` is not rewritten to `90m`.
  std::string bareExpr(const ast::Expr& e) const {
    using K = ast::ExprKind;
    switch (e.kind) {
      case K::String:
      case K::Integer:
      case K::Number:
      case K::Percent:
      case K::Duration:
      case K::Time:
      case K::Bool:
        return e.spelling.empty() ? text(e.range) : e.spelling;
      case K::Rest: return "rest";
      case K::None: return "none";
      case K::Ref: {
        std::string result = e.isSuper ? "super" : "";
        for (const std::string& part : e.path) result += (result.empty() ? "" : ".") + part;
        return result;
      }
      case K::List: return "[" + joined(e.args, ", ") + "]";
      case K::Range: return joined(e.args, "..");
      case K::Call: return e.text + "(" + joined(e.args, ", ") + ")";
      case K::Compare: return joined(e.args, " " + e.text + " ");
      case K::Not: return "not " + joined(e.args, "");
      case K::And: return joined(e.args, " and ");
      case K::Or: return joined(e.args, " or ");
      case K::Condition: {
        std::string result = joined(e.args, "") + " for " + std::to_string(e.m) + " of " + std::to_string(e.n);
        if (e.periodRange.valid()) result += " every " + text(e.periodRange);
        return result;
      }
      case K::Error: return text(e.range);
    }
    return text(e.range);
  }

  const ast::File& file_;
  const SourceManager& sources_;
  std::vector<const ast::Comment*> comments_;
};

}  // namespace

std::string formatFile(const ast::File& file, const SourceManager& sources) { return Printer(file, sources).print(); }

FormatOutcome formatSource(std::string_view text, std::string displayName) {
  FormatOutcome outcome;
  std::vector<size_t> badBytes;
  std::string clean = sanitizeUtf8(text, &badBytes);
  FileId id = outcome.sources.addFile(displayName, displayName, std::move(clean));
  DiagnosticSink sink;
  if (!badBytes.empty()) {
    SourceLoc at{1, 1};
    sink.report(DiagCode::P001, SourceRange{id, at, {1, 2}}, "invalid UTF-8: `.pipe` files must be UTF-8 text");
  }
  std::unique_ptr<ast::File> file = parseFile(outcome.sources, id, sink);
  outcome.diagnostics = sink.diagnostics();
  if (file->hasSyntaxErrors || sink.errorCount() > 0) return outcome;
  outcome.text = formatFile(*file, outcome.sources);
  outcome.ok = true;
  return outcome;
}

}  // namespace pipelang
