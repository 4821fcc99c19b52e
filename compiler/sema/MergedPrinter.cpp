// Prints a merged declaration (Merged.h) as `.pipe` source: every attribute
// and block annotated with the file and line that wrote it, `super.NAME`
// replaced by the parent's value so the result reads on its own.
#include "compiler/sema/Merged.h"
#include "compiler/sema/Show.h"

#include "compiler/syntax/Literals.h"
#include "compiler/util/Spelling.h"

#include <algorithm>
#include <functional>

namespace pipelang::sema {

namespace {

constexpr int kMaxDepth = 64;

class MergedPrinter {
 public:
  MergedPrinter(const SourceManager& sources, std::string& out) : sources_(sources), out_(out) {}

  void declaration(const ResolvedDecl& decl) {
    const ast::Declaration& d = decl.decl();
    out_ += std::string(declKindWord(d.kind)) + " " + d.name + " {  // " + where(d.nameRange);
    if (decl.chain.size() > 1) {
      out_ += ", extends";
      for (const Chain* link = decl.chain.parent(); link; link = link->parent()) out_ += " " + link->back()->name;
    }
    out_ += "\n";
    body(*decl.body, 1);
    out_ += "}\n";
  }

  std::string value(const MergedAttr& attr) { return attr.attr ? expr(attr.attr->value.get(), &attr, 0) : "<error>"; }

 private:
  std::string where(SourceRange range) const {
    if (!range.valid()) return "?";
    return sources_.file(range.file).displayName + ":" + std::to_string(range.begin.line);
  }

  void body(const MergedBlock& block, int depth) {
    std::string indent(depth * 2, ' ');
    size_t width = 0;
    auto written = [](const std::string& name, const MergedAttr& attr) {
      return (attr.isFinal ? "final " : "") + name;
    };
    for (const auto& [name, attr] : block.attrs) width = std::max(width, written(name, attr).size());
    for (const auto& [name, attr] : block.attrs) {
      if (!attr.attr) continue;
      std::string lhs = written(name, attr);
      out_ += indent + lhs + std::string(width - lhs.size(), ' ') + " = " + expr(attr.attr->value.get(), &attr, 0) +
              "  // from " + where(attr.attr->nameRange) + "\n";
    }
    bool first = block.attrs.empty();
    for (const auto& child : block.blocks) {
      out_ += (first ? "" : "\n") + indent + (child->isFinal ? "final " : "") + child->type;
      if (!child->label.empty()) out_ += " " + label(*child);
      out_ += " {  // from " + (child->block ? where(child->block->typeRange) : "?") + "\n";
      body(*child, depth + 1);
      out_ += indent + "}\n";
      first = false;
    }
  }

  static std::string label(const MergedBlock& block) {
    if (block.block && block.block->label.kind == ast::LabelKind::String) return quoteString(block.label);
    return block.label;
  }

  // An operand of `and`/`or`/`not` in parentheses when it binds looser.
  std::string operand(const ast::Expr* e, const MergedAttr* context, int depth, ast::ExprKind parent) {
    std::string text = expr(e, context, depth + 1);
    if (!e) return text;
    ast::ExprKind kind = e->kind;
    // An inlined `super.NAME` binds like the parent's value it stands for.
    for (int hops = 0; kind == ast::ExprKind::Ref && e->isSuper && context && context->superScope &&
                       e->path.size() == 1 && hops < kMaxDepth;
         ++hops) {
      const MergedAttr* parent = context->superScope->attr(e->path[0]);
      if (!parent || !parent->attr || !parent->attr->value) break;
      context = parent;
      e = parent->attr->value.get();
      kind = e->kind;
    }
    bool looser = (parent == ast::ExprKind::And && kind == ast::ExprKind::Or) ||
                  (parent == ast::ExprKind::Not &&
                   (kind == ast::ExprKind::Or || kind == ast::ExprKind::And || kind == ast::ExprKind::Condition));
    return looser ? "(" + text + ")" : text;
  }

  std::string join(const std::vector<ast::ExprPtr>& args, const MergedAttr* context, int depth, const char* sep) {
    std::string text;
    for (const auto& arg : args) text += (text.empty() ? "" : sep) + expr(arg.get(), context, depth + 1);
    return text;
  }

  std::string expr(const ast::Expr* e, const MergedAttr* context, int depth) {
    if (!e || depth > kMaxDepth) return "<error>";
    using K = ast::ExprKind;
    switch (e->kind) {
      case K::String:
        return quoteString(e->text);
      case K::Integer:
        return std::to_string(e->integer);
      case K::Number:
        return e->spelling.empty() ? std::to_string(e->number) : e->spelling;
      case K::Percent:
        return e->spelling.empty() ? formatPercent(e->number) : e->spelling;
      case K::Duration:
        return formatDuration(e->millis);
      case K::Time:
        return formatTimeOfDay(e->minutes);
      case K::Bool:
        return e->boolean ? "true" : "false";
      case K::Rest:
        return "rest";
      case K::None:
        return "none";
      case K::Ref: {
        if (e->isSuper && context && context->superScope && e->path.size() == 1)
          if (const MergedAttr* parent = context->superScope->attr(e->path[0]); parent && parent->attr)
            return expr(parent->attr->value.get(), parent, depth + 1);
        std::string text = e->isSuper ? "super" : "";
        for (const std::string& part : e->path) text += (text.empty() ? "" : ".") + part;
        return text;
      }
      case K::List:
        return "[" + join(e->args, context, depth, ", ") + "]";
      case K::Range:
        return e->args.size() == 2
                   ? expr(e->args[0].get(), context, depth + 1) + ".." + expr(e->args[1].get(), context, depth + 1)
                   : "<error>";
      case K::Call:
        return e->text + "(" + join(e->args, context, depth, ", ") + ")";
      case K::Compare:
        return e->args.size() == 2 ? expr(e->args[0].get(), context, depth + 1) + " " + e->text + " " +
                                         expr(e->args[1].get(), context, depth + 1)
                                   : "<error>";
      case K::Not:
        return e->args.empty() ? "<error>" : "not " + operand(e->args[0].get(), context, depth, K::Not);
      case K::And:
      case K::Or: {
        std::string text;
        for (const auto& arg : e->args)
          text += (text.empty() ? "" : (e->kind == K::And ? " and " : " or ")) +
                  operand(arg.get(), context, depth, e->kind);
        return text;
      }
      case K::Condition: {
        if (e->args.empty()) return "<error>";
        std::string text = expr(e->args[0].get(), context, depth + 1);
        text += " for " + std::to_string(e->m) + " of " + std::to_string(e->n);
        if (e->periodMillis > 0) text += " every " + formatDuration(e->periodMillis);
        return text;
      }
      case K::Error:
        return "<error>";
    }
    return "<error>";
  }

  const SourceManager& sources_;
  std::string& out_;
};

}  // namespace

std::string showMergedValue(const MergedAttr& attr, const SourceManager& sources) {
  std::string unused;
  return MergedPrinter(sources, unused).value(attr);
}

bool withMergedDeclaration(const std::vector<LoadedFile>& files, const SourceManager& sources, const std::string& name,
                           std::string& error, const std::map<std::pair<FileId, size_t>, FileId>* importTargets,
                           FileId prelude, const std::function<void(const ResolvedDecl&)>& use) {
  std::vector<const ast::File*> asts;
  for (const LoadedFile& file : files)
    if (file.ast) asts.push_back(file.ast.get());
  DiagnosticSink ignored;  // `pipec show` prints the check's diagnostics separately
  Namespace names(asts, sources, ignored);
  if (importTargets) names.setImports(asts, *importTargets, prelude);
  const ast::Declaration* decl = names.find(name);
  if (!decl) {
    std::vector<std::string> candidates = names.namesOf(ast::DeclKind::Pipeline);
    auto templates = names.namesOf(ast::DeclKind::Template);
    candidates.insert(candidates.end(), templates.begin(), templates.end());
    error = "no pipeline or template named `" + name + "`";
    if (auto guess = closestSpelling(name, candidates)) error += " (did you mean `" + *guess + "`?)";
    return false;
  }
  Inheritance inheritance(names, ignored);
  use(inheritance.resolve(*decl));
  return true;
}

bool showMerged(const std::vector<LoadedFile>& files, const SourceManager& sources, const std::string& name,
                std::string& out, const std::map<std::pair<FileId, size_t>, FileId>* importTargets, FileId prelude) {
  return withMergedDeclaration(files, sources, name, out, importTargets, prelude, [&](const ResolvedDecl& resolved) {
    MergedPrinter(sources, out).declaration(resolved);
  });
}

}  // namespace pipelang::sema
