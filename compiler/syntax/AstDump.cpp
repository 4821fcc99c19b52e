#include "compiler/syntax/AstDump.h"

#include "compiler/syntax/Literals.h"

#include <fmt/format.h>

namespace pipelang {

namespace {

std::string at(const SourceRange& range) {
  return fmt::format("@{}:{}-{}:{}", range.begin.line, range.begin.column, range.end.line, range.end.column);
}

const char* kindName(ast::ExprKind kind) {
  switch (kind) {
    case ast::ExprKind::String: return "string";
    case ast::ExprKind::Integer: return "integer";
    case ast::ExprKind::Number: return "number";
    case ast::ExprKind::Percent: return "percent";
    case ast::ExprKind::Duration: return "duration";
    case ast::ExprKind::Time: return "time";
    case ast::ExprKind::Bool: return "bool";
    case ast::ExprKind::Rest: return "rest";
    case ast::ExprKind::None: return "none";
    case ast::ExprKind::Ref: return "ref";
    case ast::ExprKind::List: return "list";
    case ast::ExprKind::Range: return "range";
    case ast::ExprKind::Call: return "call";
    case ast::ExprKind::Compare: return "compare";
    case ast::ExprKind::Not: return "not";
    case ast::ExprKind::And: return "and";
    case ast::ExprKind::Or: return "or";
    case ast::ExprKind::Condition: return "condition";
    case ast::ExprKind::Error: return "error";
  }
  return "?";
}

}  // namespace

std::string dumpExpr(const ast::Expr& e) {
  std::string head = kindName(e.kind);
  switch (e.kind) {
    case ast::ExprKind::String: head += " " + quoteString(e.text); break;
    case ast::ExprKind::Integer: head += fmt::format(" {}", e.integer); break;
    case ast::ExprKind::Number: head += fmt::format(" {}", e.number); break;
    case ast::ExprKind::Percent: head += " " + formatPercent(e.number); break;
    case ast::ExprKind::Duration: head += " " + formatDuration(e.millis); break;
    case ast::ExprKind::Time: head += " " + formatTimeOfDay(e.minutes); break;
    case ast::ExprKind::Bool: head += e.boolean ? " true" : " false"; break;
    case ast::ExprKind::Ref: head += " " + std::string(e.isSuper ? "super." : "") + fmt::format("{}", fmt::join(e.path, ".")); break;
    case ast::ExprKind::Call:
    case ast::ExprKind::Compare: head += " " + e.text; break;
    case ast::ExprKind::Condition:
      head += fmt::format(" for {} of {}", e.m, e.n);
      if (e.periodMillis) head += " every " + formatDuration(e.periodMillis);
      break;
    default: break;
  }
  if (e.args.empty()) return head;
  std::vector<std::string> args;
  for (const auto& arg : e.args) args.push_back(dumpExpr(*arg));
  return fmt::format("({} {})", head, fmt::join(args, " "));
}

namespace {

void dumpBody(const ast::Body& body, int depth, std::string& out) {
  std::string indent(depth * 2, ' ');
  for (const ast::Member& member : body.members) {
    if (member.attribute) {
      const ast::Attribute& a = *member.attribute;
      out += fmt::format("{}{}attribute {} {} = {}\n", indent, a.isFinal ? "final " : "", a.name, at(a.range),
                         dumpExpr(*a.value));
    } else if (member.block) {
      const ast::Block& b = *member.block;
      out += fmt::format("{}{}block {}{} {}\n", indent, b.isFinal ? "final " : "", b.type,
                         b.label.kind == ast::LabelKind::None ? "" : " " + b.label.text, at(b.range));
      dumpBody(b.body, depth + 1, out);
    }
  }
}

}  // namespace

std::string dumpAst(const ast::File& file) {
  std::string out;
  for (const ast::Import& import : file.imports) out += fmt::format("import {} {}\n", quoteString(import.path), at(import.range));
  for (const auto& decl : file.declarations) {
    out += fmt::format("{} {}{} {}\n", ast::declKindName(decl->kind), decl->name,
                       decl->hasExtends ? fmt::format(" extends {}", fmt::join(decl->extendsPath, ".")) : "",
                       at(decl->range));
    dumpBody(decl->body, 1, out);
  }
  return out;
}

}  // namespace pipelang
