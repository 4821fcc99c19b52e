// The schema tables of language.md §5 and checks.md §3, and the checks that
// need nothing but one declaration's own syntax.
#include "compiler/sema/Schema.h"

#include "compiler/util/Spelling.h"

#include <map>
#include <set>

namespace pipelang::sema {

const std::vector<std::string> kDayNames = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
const std::vector<std::string> kKindNames = {"code", "config", "infrastructure", "os", "tools"};

namespace {

using VT = ValueType;

const std::map<Context, ContextSpec>& specs() {
  static const std::map<Context, ContextSpec> table = {
      {Context::Pipeline,
       {"a pipeline",
        {{"artifact", VT::String}, {"kind", VT::Kind}, {"topology", VT::TopologyRef}, {"policy", VT::PolicyRef},
         {"hosts_per_zone", VT::Int}, {"prometheus_url", VT::String}, {"rollback_on", VT::AlarmExpr},
         {"block_on", VT::AlarmRefs}},
        {{"deploy", Context::Deploy, LabelRule::None}, {"metrics", Context::Metrics, LabelRule::None},
         {"alarms", Context::Alarms, LabelRule::None}, {"windows", Context::Windows, LabelRule::None},
         {"emergency", Context::Emergency, LabelRule::None}, {"stage", Context::Stage, LabelRule::Ident},
         {"prod", Context::Prod, LabelRule::None}}}},
      {Context::Topology, {"a topology", {}, {{"region", Context::Region, LabelRule::Ident}}}},
      {Context::Region,
       {"a region", {{"zones", VT::Zones}, {"traffic", VT::Percent}, {"hosts_per_zone", VT::Int}}, {}}},
      {Context::Policy,
       {"a policy",
        {{"onebox_max_traffic", VT::Percent, true}, {"max_batch", VT::Percent, true},
         {"min_healthy", VT::Percent, true}, {"max_zones_per_region", VT::Int, true},
         {"first_wave_max_regions", VT::Int, true}, {"min_bake_onebox", VT::Duration, true},
         {"min_bake_first_wave", VT::Duration, true}, {"min_bake_wave", VT::Duration, true},
         {"require_preprod", VT::StageNames, true}, {"friday_cutoff", VT::Time, true},
         {"latest_start", VT::Time, true}, {"max_time_to_global", VT::Duration, true},
         {"max_recovery", VT::Duration, true}},
        {}}},
      {Context::Deploy,
       {"`deploy`",
        {{"run", VT::String}, {"rollback", VT::String}, {"timeout", VT::Duration}, {"expected", VT::Duration},
         {"rollback_time", VT::Duration}},
        {}}},
      {Context::Metrics, {"`metrics`", {}, {}, true, VT::MetricSource}},
      {Context::Alarms, {"`alarms`", {}, {}, true, VT::AlarmExpr}},
      {Context::Windows,
       {"`windows`", {{"timezone", VT::String}, {"off_hours_bake", VT::Percent}},
        {{"allow", Context::WindowRule, LabelRule::Ident}, {"deny", Context::WindowRule, LabelRule::Ident}}}},
      {Context::WindowRule, {"a window", {{"days", VT::Days}, {"hours", VT::Hours}, {"dates", VT::Dates}}, {}}},
      {Context::Emergency,
       {"`emergency`", {{"approvers", VT::Strings}, {"bake", VT::Percent}, {"min_bake", VT::Duration}}, {}}},
      {Context::Stage,
       {"a stage", {{"regions", VT::Regions}, {"bake", VT::Duration}},
        {{"onebox", Context::Onebox, LabelRule::None}, {"test", Context::Test, LabelRule::Ident}}}},
      {Context::Onebox, {"a one-box", {{"traffic", VT::Percent}, {"bake", VT::Duration}}, {}}},
      {Context::Test, {"a test", {{"run", VT::String}, {"timeout", VT::Duration}}, {}}},
      {Context::Prod,
       {"`prod`", {},
        {{"onebox", Context::Onebox, LabelRule::None}, {"rolling", Context::Rolling, LabelRule::None},
         {"canary", Context::Canary, LabelRule::None}, {"wave", Context::Wave, LabelRule::Integer}}}},
      {Context::Wave,
       {"a wave",
        {{"regions", VT::RegionsOrRest}, {"bake", VT::Duration}, {"zone_bake", VT::Duration},
         {"min_traffic", VT::Condition}, {"parallel_zones", VT::Int}},
        {{"onebox", Context::Onebox, LabelRule::None}, {"rolling", Context::Rolling, LabelRule::None},
         {"canary", Context::Canary, LabelRule::None}}}},
      {Context::Rolling, {"`rolling`", {{"batch", VT::Percent}, {"min_healthy", VT::Percent}}, {}}},
      {Context::Canary, {"`canary`", {{"steps", VT::Percents}, {"bake", VT::Duration}}, {}}},
  };
  return table;
}

const char* kindWord(ast::ExprKind kind) {
  switch (kind) {
    case ast::ExprKind::String: return "a string";
    case ast::ExprKind::Integer: return "an integer";
    case ast::ExprKind::Number: return "a number";
    case ast::ExprKind::Percent: return "a percent";
    case ast::ExprKind::Duration: return "a duration";
    case ast::ExprKind::Time: return "a time of day";
    case ast::ExprKind::Bool: return "a boolean";
    case ast::ExprKind::Rest: return "`rest`";
    case ast::ExprKind::None: return "`none`";
    case ast::ExprKind::Ref: return "a name";
    case ast::ExprKind::List: return "a list";
    case ast::ExprKind::Range: return "a range";
    case ast::ExprKind::Call: return "a call";
    case ast::ExprKind::Compare: return "a comparison";
    case ast::ExprKind::Not:
    case ast::ExprKind::And:
    case ast::ExprKind::Or:
    case ast::ExprKind::Condition: return "an alarm expression";
    case ast::ExprKind::Error: return "an error";
  }
  return "a value";
}

class DeclValidator {
 public:
  explicit DeclValidator(DiagnosticSink& sink) : sink_(sink) {}

  void validateBody(const ast::Body& members, Context context) {
    const ContextSpec& spec = contextSpec(context);
    std::map<std::string, const ast::Attribute*> attrs;
    std::map<std::pair<std::string, std::string>, const ast::Block*> blocks;
    for (const ast::Member& member : members.members) {
      if (const ast::Attribute* a = member.attribute.get()) {
        if (a->name.empty()) continue;
        if (auto [it, inserted] = attrs.emplace(a->name, a); !inserted) {
          Diagnostic& d = sink_.report(DiagCode::R102, a->nameRange, "`" + a->name + "` is set twice in " + spec.what);
          d.notes.push_back({"first set here", it->second->nameRange});
          continue;
        }
        if (spec.anyAttribute) {
          value(spec.anyType, false, *a->value, a->name);
          continue;
        }
        const AttributeSpec* attrSpec = findAttribute(context, a->name);
        if (!attrSpec) {
          unknown(a->name, a->nameRange, spec, true);
          continue;
        }
        value(attrSpec->type, attrSpec->noneAllowed, *a->value, a->name);
      } else if (const ast::Block* b = member.block.get()) {
        if (b->type.empty()) continue;
        const BlockSpec* blockSpec = findBlock(context, b->type);
        if (!blockSpec) {
          unknown(b->type, b->typeRange, spec, false);
          continue;
        }
        if (auto [it, inserted] = blocks.emplace(std::make_pair(b->type, b->label.text), b); !inserted) {
          Diagnostic& d = sink_.report(DiagCode::R102, b->typeRange,
                                       "block `" + b->type + (b->label.text.empty() ? "" : " " + b->label.text) +
                                           "` appears twice in " + spec.what);
          d.notes.push_back({"first written here", it->second->typeRange});
          continue;
        }
        label(*b, blockSpec->label);
        validateBody(b->body, blockSpec->context);
      }
    }
  }

 private:
  void unknown(const std::string& name, SourceRange range, const ContextSpec& spec, bool isAttribute) {
    std::vector<std::string> candidates;
    for (const AttributeSpec& a : spec.attributes) candidates.push_back(a.name);
    for (const BlockSpec& b : spec.blocks) candidates.push_back(b.type);
    bool isOtherKind = false;
    for (size_t i = 0; i < candidates.size(); ++i)
      if (candidates[i] == name) isOtherKind = true;
    std::string message = isOtherKind ? "`" + name + "` is " + (isAttribute ? "a block" : "an attribute") + " in " +
                                            spec.what + ", not " + (isAttribute ? "an attribute" : "a block")
                                      : std::string("unknown ") + (isAttribute ? "attribute" : "block") + " `" +
                                            name + "` in " + spec.what;
    Diagnostic& d = sink_.report(DiagCode::R107, range, message);
    if (isOtherKind) return;
    if (auto guess = closestSpelling(name, candidates)) {
      d.message += " (did you mean `" + *guess + "`?)";
      d.fixes.push_back({"replace with `" + *guess + "`", range, *guess});
    } else if (!candidates.empty()) {
      std::string list;
      for (const std::string& c : candidates) list += (list.empty() ? "`" : ", `") + c + "`";
      d.help = std::string("allowed here: ") + list;
    }
  }

  void label(const ast::Block& b, LabelRule rule) {
    bool ok = rule == LabelRule::None      ? b.label.kind == ast::LabelKind::None
              : rule == LabelRule::Integer ? b.label.kind == ast::LabelKind::Integer
                                           : b.label.kind == ast::LabelKind::Ident ||
                                                 b.label.kind == ast::LabelKind::String;
    if (ok) return;
    SourceRange range = b.label.kind == ast::LabelKind::None ? b.typeRange : b.label.range;
    std::string message = rule == LabelRule::None      ? "`" + b.type + "` takes no label"
                          : rule == LabelRule::Integer ? "a `" + b.type + "` is labelled with its number, e.g. `" +
                                                             b.type + " 1`"
                                                       : "a `" + b.type + "` needs a name, e.g. `" + b.type + " gamma`";
    sink_.report(DiagCode::R109, range, message);
  }

  void mismatch(const ast::Expr& expr, const std::string& attr, ValueType type) {
    sink_.report(DiagCode::R109, expr.range,
                 "`" + attr + "` must be " + typeName(type) + ", but " + describeValue(expr) + " is not");
  }

  bool isName(const ast::Expr& e) { return e.kind == ast::ExprKind::Ref && !e.isSuper && e.path.size() == 1; }

  void nameIn(const ast::Expr& e, const std::vector<std::string>& allowed, const std::string& what) {
    if (e.kind == ast::ExprKind::Error) return;
    if (!isName(e)) {
      sink_.report(DiagCode::R109, e.range, describeValue(e) + " is not a " + what);
      return;
    }
    for (const std::string& a : allowed)
      if (a == e.path[0]) return;
    Diagnostic& d = sink_.report(DiagCode::R101, e.range, "unknown " + what + " `" + e.path[0] + "`");
    if (auto guess = closestSpelling(e.path[0], allowed)) {
      d.message += " (did you mean `" + *guess + "`?)";
      d.fixes.push_back({"replace with `" + *guess + "`", e.range, *guess});
    }
  }

  void listOf(const ast::Expr& expr, const std::string& attr, ValueType type, ast::ExprKind item) {
    if (expr.kind != ast::ExprKind::List) return mismatch(expr, attr, type);
    for (const auto& e : expr.args) {
      if (!e || e->kind == ast::ExprKind::Error) continue;
      if (item == ast::ExprKind::Ref ? !isName(*e) : e->kind != item) mismatch(*e, attr, type);
    }
  }

  bool isDate(const ast::Expr& e) {
    if (e.kind != ast::ExprKind::String) return false;
    const std::string& t = e.text;
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
      if (t[i] < '0' || t[i] > '9') return false;
    int month = std::stoi(t.substr(5, 2)), day = std::stoi(t.substr(8, 2));
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
  }

  void dateItem(const ast::Expr& e, const std::string& attr) {
    if (e.kind == ast::ExprKind::Error) return;
    if (e.kind == ast::ExprKind::Range && e.args.size() == 2 && e.args[0] && e.args[1]) {
      for (const auto& end : e.args)
        if (end->kind != ast::ExprKind::Error && !isDate(*end))
          sink_.report(DiagCode::R109, end->range, "`" + attr + "` takes dates written \"YYYY-MM-DD\"");
      return;
    }
    if (!isDate(e)) sink_.report(DiagCode::R109, e.range, "`" + attr + "` takes dates written \"YYYY-MM-DD\"");
  }

  void dayItem(const ast::Expr& e) {
    if (e.kind == ast::ExprKind::Range && e.args.size() == 2 && e.args[0] && e.args[1]) {
      nameIn(*e.args[0], kDayNames, "day");
      nameIn(*e.args[1], kDayNames, "day");
      return;
    }
    nameIn(e, kDayNames, "day");
  }

  void value(ValueType type, bool noneAllowed, const ast::Expr& e, const std::string& attr) {
    using K = ast::ExprKind;
    if (e.kind == K::Error || (e.kind == K::Ref && e.isSuper)) return;
    if (noneAllowed && e.kind == K::None) return;
    switch (type) {
      case VT::String: if (e.kind != K::String) mismatch(e, attr, type); return;
      case VT::Int: if (e.kind != K::Integer) mismatch(e, attr, type); return;
      case VT::Percent: if (e.kind != K::Percent) mismatch(e, attr, type); return;
      case VT::Duration: if (e.kind != K::Duration) mismatch(e, attr, type); return;
      case VT::Time: if (e.kind != K::Time) mismatch(e, attr, type); return;
      case VT::Bool: if (e.kind != K::Bool) mismatch(e, attr, type); return;
      case VT::Kind: return nameIn(e, kKindNames, "kind");
      case VT::TopologyRef:
      case VT::PolicyRef: if (!isName(e)) mismatch(e, attr, type); return;
      case VT::RegionsOrRest: if (e.kind == K::Rest) return; [[fallthrough]];
      case VT::Zones:
      case VT::Regions:
      case VT::StageNames:
      case VT::AlarmRefs: return listOf(e, attr, type, K::Ref);
      case VT::Strings: return listOf(e, attr, type, K::String);
      case VT::Percents: return listOf(e, attr, type, K::Percent);
      case VT::AlarmExpr:
      case VT::Condition: return;  // need the metrics: checked on the merged pipeline
      case VT::MetricSource: {
        if (e.kind != K::Call) return mismatch(e, attr, type);
        static const std::vector<std::string> sources = {"prometheus", "command"};
        bool known = e.text == "prometheus" || e.text == "command";
        if (!known) {
          Diagnostic& d = sink_.report(DiagCode::R101, e.range, "unknown metric source `" + e.text + "`");
          if (auto guess = closestSpelling(e.text, sources)) d.message += " (did you mean `" + *guess + "`?)";
          return;
        }
        if (e.args.empty() || e.args.size() > 2 || !e.args[0]) {
          sink_.report(DiagCode::R109, e.range, "`" + e.text + "` takes a string and an optional unit");
          return;
        }
        if (e.args[0]->kind != K::String && e.args[0]->kind != K::Error)
          sink_.report(DiagCode::R109, e.args[0]->range,
                       "the first argument of `" + e.text + "` must be a string, but " + describeValue(*e.args[0]) +
                           " is not");
        if (e.args.size() == 2 && e.args[1]) nameIn(*e.args[1], {"percent", "duration", "count"}, "unit");
        return;
      }
      case VT::Days:
        if (e.kind == K::List) {
          for (const auto& item : e.args)
            if (item) dayItem(*item);
        } else {
          dayItem(e);
        }
        return;
      case VT::Hours:
        if (e.kind != K::Range || e.args.size() != 2 || !e.args[0] || !e.args[1]) return mismatch(e, attr, type);
        for (const auto& end : e.args)
          if (end->kind != K::Time && end->kind != K::Error) mismatch(*end, attr, VT::Time);
        return;
      case VT::Dates:
        if (e.kind == K::List) {
          for (const auto& item : e.args)
            if (item) dateItem(*item, attr);
        } else {
          dateItem(e, attr);
        }
        return;
    }
  }

  DiagnosticSink& sink_;
};

}  // namespace

const ContextSpec& contextSpec(Context context) { return specs().at(context); }

const AttributeSpec* findAttribute(Context context, const std::string& name) {
  for (const AttributeSpec& a : contextSpec(context).attributes)
    if (name == a.name) return &a;
  return nullptr;
}

const BlockSpec* findBlock(Context context, const std::string& type) {
  for (const BlockSpec& b : contextSpec(context).blocks)
    if (type == b.type) return &b;
  return nullptr;
}

const char* typeName(ValueType type) {
  switch (type) {
    case VT::String: return "a string";
    case VT::Int: return "an integer";
    case VT::Percent: return "a percent";
    case VT::Duration: return "a duration";
    case VT::Time: return "a time of day";
    case VT::Bool: return "`true` or `false`";
    case VT::Kind: return "one of `code`, `config`, `infrastructure`, `os`, `tools`";
    case VT::TopologyRef: return "the name of a topology";
    case VT::PolicyRef: return "the name of a policy";
    case VT::Zones: return "a list of zone names";
    case VT::Regions: return "a list of regions";
    case VT::RegionsOrRest: return "a list of regions or `rest`";
    case VT::StageNames: return "a list of stage names";
    case VT::AlarmExpr: return "an alarm expression";
    case VT::AlarmRefs: return "a list of alarm names";
    case VT::Condition: return "a condition like `requests >= 100`";
    case VT::MetricSource: return "`prometheus(\"...\")` or `command(\"...\")`";
    case VT::Days: return "days like `mon..thu` or `[fri]`";
    case VT::Hours: return "hours like `09:00..16:00`";
    case VT::Dates: return "dates like `\"2026-12-24\"..\"2027-01-02\"`";
    case VT::Strings: return "a list of strings";
    case VT::Percents: return "a list of percents";
  }
  return "a value";
}

std::string describeValue(const ast::Expr& expr) {
  std::string word = kindWord(expr.kind);
  if (!expr.spelling.empty()) return word + " (`" + expr.spelling + "`)";
  if (expr.kind == ast::ExprKind::Ref && !expr.path.empty()) return word + " (`" + expr.path[0] + "`)";
  return word;
}

Context declarationContext(ast::DeclKind kind) {
  switch (kind) {
    case ast::DeclKind::Topology: return Context::Topology;
    case ast::DeclKind::Policy: return Context::Policy;
    default: return Context::Pipeline;
  }
}

void validateDeclaration(const ast::Declaration& decl, DiagnosticSink& sink) {
  DeclValidator(sink).validateBody(decl.body, declarationContext(decl.kind));
}

}  // namespace pipelang::sema
