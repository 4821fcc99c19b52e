// From a merged declaration to the model (Model.h): typed, converted values
// with their origins, references resolved against the program.
#pragma once

#include "compiler/sema/Merged.h"
#include "compiler/sema/Model.h"

#include <optional>

namespace pipelang::sema {

// Shared by the builders: a value's origin, `super` expansion, literal reads.
class ValueReader {
 public:
  ValueReader(const ResolvedDecl& decl, DiagnosticSink& sink) : decl_(decl), sink_(sink) {}

  model::Origin originOf(const MergedAttr& attr, const ast::Expr& value) const {
    return {value.range, decl_.via(attr.level)};
  }
  model::Origin originOf(const MergedBlock& block) const;
  // The attribute's expression with `super.NAME` followed to the parent's
  // value; `writer` is set to the attribute that wrote the result.
  const ast::Expr* value(const MergedAttr* attr, const MergedAttr** writer = nullptr) const;

  std::optional<model::Located<std::string>> string(const MergedBlock* block, const char* name) const;
  std::optional<model::Located<int64_t>> integer(const MergedBlock* block, const char* name) const;
  std::optional<model::Located<double>> percent(const MergedBlock* block, const char* name) const;
  std::optional<model::Located<int64_t>> duration(const MergedBlock* block, const char* name) const;
  std::optional<model::Located<int>> time(const MergedBlock* block, const char* name) const;
  // A single name (`topology = aws`).
  std::optional<model::Located<std::string>> name(const MergedBlock* block, const char* attrName) const;
  // A list of names or of strings.
  std::optional<model::Located<std::vector<std::string>>> names(const MergedBlock* block, const char* attrName,
                                                                std::vector<SourceRange>* itemRanges = nullptr) const;
  bool isNone(const MergedBlock* block, const char* name) const;

  const ResolvedDecl& decl() const { return decl_; }
  DiagnosticSink& sink() const { return sink_; }

 private:
  const ast::Expr* literal(const MergedBlock* block, const char* name, ast::ExprKind kind, model::Origin* origin) const;
  const ResolvedDecl& decl_;
  DiagnosticSink& sink_;
};

model::Topology buildTopology(const ResolvedDecl& decl, DiagnosticSink& sink);
model::Policy buildPolicy(const ResolvedDecl& decl, DiagnosticSink& sink);
// Builds a pipeline or template; `program` holds the topologies and policies.
model::Pipeline buildPipeline(const ResolvedDecl& decl, const model::Program& program, const Namespace& names,
                              DiagnosticSink& sink);

// The parent declaration when `resolved` only adds what it deploys to it, so
// its plan has the parent's shape; null otherwise (PlanShape.cpp).
const void* planShapeOf(const ResolvedDecl& resolved);

// S226 (warning): `self` no longer watches, in rollback_on or block_on
// (directly or through the alarms it names), an alarm that `parent` (the
// model of resolved's direct parent) watched there (DroppedAlarms.cpp).
void reportDroppedAlarms(const ResolvedDecl& resolved, const model::Pipeline& self, const model::Pipeline& parent,
                         DiagnosticSink& sink);

// alarms { ... }, rollback_on, block_on (Alarms.cpp).
void buildAlarms(const ValueReader& reader, model::Pipeline& pipeline);

}  // namespace pipelang::sema
