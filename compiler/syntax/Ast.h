// The project's own syntax tree. Built once from ANTLR's parse tree by
// AstBuilder; nothing after that sees ANTLR. Every node keeps its exact
// source range. The tree mirrors the uniform syntax (language.md §2): what a
// block or attribute *means* is decided later by the schema.
#pragma once

#include "compiler/source/SourceManager.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pipelang::ast {

enum class ExprKind {
  String,     // text = unescaped value
  Integer,    // integer
  Number,     // number
  Percent,    // number = the written value as a fraction (33% -> 0.33)
  Duration,   // millis
  Time,       // minutes since midnight
  Bool,       // boolean
  Rest,       // `rest`
  None,       // `none`
  Ref,        // path (+ isSuper): `a`, `super.a`, `a.b`
  List,       // args = items
  Range,      // args = {low, high}
  Call,       // text = callee; args = arguments
  Compare,    // text = operator; args = {left, right}
  Not,        // args = {operand}
  And,        // args = operands (n-ary)
  Or,         // args = operands (n-ary)
  Condition,  // args = {comparison}; m, n, periodMillis (0 = default)
  Error,      // a place the parser could not make sense of: no further diagnostics
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::Error;
  SourceRange range;
  std::string text;
  int64_t integer = 0;
  double number = 0;
  int64_t millis = 0;
  int minutes = 0;
  bool boolean = false;
  bool isSuper = false;
  std::vector<std::string> path;
  std::vector<SourceRange> pathRanges;
  std::vector<ExprPtr> args;
  int64_t m = 0, n = 0;
  int64_t periodMillis = 0;
  bool periodWritten = false;  // `every` with a well-formed duration (so `every 0s` is not the default)
  SourceRange periodRange;     // of the `every` duration, when written

  // The source spelling of a literal as written (for messages), e.g. "50%".
  std::string spelling;
  bool parenthesized = false;  // written as `( expr )`
};

struct Body;

enum class LabelKind { None, Ident, Integer, String };

struct Label {
  LabelKind kind = LabelKind::None;
  std::string text;  // identifier, digits or unescaped string
  SourceRange range;
};

struct Attribute {
  bool isFinal = false;
  SourceRange finalRange;
  std::string name;
  SourceRange nameRange;
  ExprPtr value;  // never null (an Error expr when the parser failed)
  SourceRange range;
};

struct Block;

struct Member {
  // Exactly one of the two is set; the order of members is the source order.
  std::unique_ptr<Attribute> attribute;
  std::unique_ptr<Block> block;
};

struct Body {
  std::vector<Member> members;
  SourceRange range;  // from `{` to `}` inclusive
};

struct Block {
  bool isFinal = false;
  SourceRange finalRange;
  std::string type;
  SourceRange typeRange;
  Label label;
  Body body;
  SourceRange range;
};

enum class DeclKind { Template, Pipeline, Topology, Policy };

const char* declKindName(DeclKind kind);

struct Declaration {
  DeclKind kind = DeclKind::Template;
  SourceRange kindRange;
  std::string name;
  SourceRange nameRange;
  bool hasExtends = false;
  std::vector<std::string> extendsPath;
  SourceRange extendsRange;
  Body body;
  SourceRange range;
};

struct Import {
  std::string path;   // unescaped string
  SourceRange range;  // of the string literal
};

struct Comment {
  std::string text;  // including the `//` or `/* */`
  SourceRange range;
};

struct File {
  FileId file = kNoFile;
  std::vector<Import> imports;
  std::vector<std::unique_ptr<Declaration>> declarations;
  std::vector<Comment> comments;  // for the formatter
  bool hasSyntaxErrors = false;
};

}  // namespace pipelang::ast
