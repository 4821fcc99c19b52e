// What may be written where (language.md §5, checks.md §3), and the
// per-declaration validation of it: unknown members (R107), duplicates in
// one body (R102), value shapes and units of literals (R109). Checked once
// per declaration on its own body, so a mistake in a template is reported
// once, not once per pipeline that extends it.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/syntax/Ast.h"

#include <string>
#include <vector>

namespace pipelang::sema {

// clang-format off
enum class Context {
  Pipeline, Topology, Region, Policy, Deploy, Metrics, Alarms, Windows, WindowRule,
  Emergency, Stage, Onebox, Test, Prod, Wave, Rolling, Canary, Notify,
};

enum class ValueType {
  String, Int, Percent, Duration, Time, Bool,
  Kind,         // code | config | infrastructure | os | tools
  ExecutionMode,  // superseded | queued
  TopologyRef, PolicyRef,
  Zones,        // list of identifiers
  Regions,      // list of region refs
  RegionsOrRest,
  StageNames,   // list of stage names
  AlarmExpr, AlarmRefs,
  Condition,    // METRIC CMP VALUE
  MetricSource, // prometheus("...", unit) | command("...", unit)
  Days, Hours, Dates,
  Strings, Percents,
  NotifyEvents, // list of event names (plan/NotifyRules.h)
};
// clang-format on

enum class LabelRule { None, Ident, Integer };

// Each entry's `doc` is the one-line meaning shown by the language server
// (hover, completion): the schema is its single source.
struct AttributeSpec {
  const char* name;
  ValueType type;
  const char* doc;
  bool noneAllowed = false;  // policy thresholds: `none` turns the check off
};

struct BlockSpec {
  const char* type;
  Context context;
  LabelRule label;
  const char* doc;
};

struct ContextSpec {
  const char* what;  // for messages: "a wave"
  std::vector<AttributeSpec> attributes;
  std::vector<BlockSpec> blocks;
  bool anyAttribute = false;  // metrics { NAME = ... }, alarms { NAME = ... }
  ValueType anyType = ValueType::String;
  const char* anyDoc = nullptr;  // the meaning of such a NAME = ... entry
};

const ContextSpec& contextSpec(Context context);
const AttributeSpec* findAttribute(Context context, const std::string& name);
const BlockSpec* findBlock(Context context, const std::string& type);
const char* typeName(ValueType type);
// "a percent (`5%`)": what an expression is, for R109 messages.
std::string describeValue(const ast::Expr& expr);

Context declarationContext(ast::DeclKind kind);
void validateDeclaration(const ast::Declaration& decl, DiagnosticSink& sink);

// The names a value of an enumerated type may be (`kind`, `execution_mode`,
// each item of a notify target's `events`),
// in the order completion offers them, and the noun its messages use ("kind",
// "execution mode"); nullptr / "" for other types. An unknown name is R101
// with a did-you-mean, a value that is not a name R109 (language.md §5.2).
const std::vector<std::string>* enumNames(ValueType type);
const char* enumNoun(ValueType type);

extern const std::vector<std::string> kDayNames;            // mon ... sun
extern const std::vector<std::string> kKindNames;           // code config ...
extern const std::vector<std::string> kExecutionModeNames;  // superseded queued

}  // namespace pipelang::sema
