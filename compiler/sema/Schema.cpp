// The schema tables of language.md §5 and checks.md §3, and the checks that
// need nothing but one declaration's own syntax.
#include "compiler/sema/Schema.h"

#include "compiler/plan/TimeZones.h"
#include "compiler/sema/Ranges.h"
#include "compiler/util/Spelling.h"
#include "plan/NotifyRules.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <string_view>

#include <map>
#include <set>

namespace pipelang::sema {

const std::vector<std::string> kDayNames = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
const std::vector<std::string> kKindNames = {"code", "config", "infrastructure", "os", "tools"};
const std::vector<std::string> kExecutionModeNames = {"superseded", "queued"};

namespace {

using VT = ValueType;

const std::map<Context, ContextSpec>& specs() {
  static const std::map<Context, ContextSpec> table = {
      {Context::Pipeline,
       {"a pipeline",
        {{"artifact", VT::String, "string, required: what is deployed (image, package, config set)"},
         {"kind", VT::Kind, "`code`, `config`, `infrastructure`, `os` or `tools` (default `code`)"},
         {"execution_mode", VT::ExecutionMode,
          "`superseded` (default) or `queued`: versions waiting to enter the first stage under `piperun serve`; "
          "the newest replaces the others, or every one runs in submission order"},
         {"topology", VT::TopologyRef, "ref, required: the topology whose regions the pipeline deploys to"},
         {"policy", VT::PolicyRef, "ref, default `strict`: the thresholds the checks enforce"},
         {"hosts_per_zone", VT::Int, "int: overrides the topology's hosts per zone for this service"},
         {"prometheus_url", VT::String,
          "string: the Prometheus server of the `prometheus(...)` metrics (`piperun --prometheus` overrides it)"},
         {"alertmanager_url", VT::String,
          "string: the Alertmanager whose active alerts are the `external(NAME)` alarms "
          "(`piperun --alertmanager` overrides it)"},
         {"rollback_on", VT::AlarmExpr, "alarm expression, required for prod: the aggregate rollback alarm"},
         {"block_on", VT::AlarmRefs, "list of alarms that stop a new stage from starting while firing"}},
        {{"deploy", Context::Deploy, LabelRule::None,
          "required: the command the runtime calls per batch (`run`, `rollback`, `timeout`)"},
         {"metrics", Context::Metrics, LabelRule::None,
          "named metrics: `NAME = prometheus(QUERY [, UNIT])` or `command(CMD [, UNIT])`"},
         {"alarms", Context::Alarms, LabelRule::None,
          "named alarms: `NAME = METRIC CMP VALUE [for M of N [every PERIOD]]`"},
         {"windows", Context::Windows, LabelRule::None,
          "when a stage may start: `allow` and `deny` blocks, `timezone`"},
         {"emergency", Context::Emergency, LabelRule::None,
          "expedited mode: shorter bakes with approvals, never skipped stages"},
         {"notify", Context::Notify, LabelRule::Ident,
          "`notify NAME { events = [...] webhook = \"URL\" run = \"CMD\" }`: who is told what under `piperun`; "
          "several named targets allowed"},
         {"stage", Context::Stage, LabelRule::Ident, "a pre-production stage (`alpha`, `beta`, `gamma`...), in order"},
         {"prod", Context::Prod, LabelRule::None,
          "required for a pipeline: the production phase, in waves of regions"}}}},
      {Context::Topology,
       {"a topology",
        {},
        {{"region", Context::Region, LabelRule::Ident,
          "`region ID { zones = [...] traffic = N% hosts_per_zone = N }`"}}}},
      {Context::Region,
       {"a region",
        {{"zones", VT::Zones, "list of zone IDs, required, unique across the topology"},
         {"traffic", VT::Percent, "percent of global requests (blast-radius analysis)"},
         {"hosts_per_zone", VT::Int, "int, default 10"}},
        {}}},
      {Context::Policy,
       {"a policy",
        {{"onebox_max_traffic", VT::Percent, "percent or `none`: the largest one-box traffic share (S202)", true},
         {"max_batch", VT::Percent, "percent or `none`: the largest rolling `batch` (S204)", true},
         {"min_healthy", VT::Percent, "percent or `none`: the smallest rolling `min_healthy` (S205)", true},
         {"max_zones_per_region", VT::Int, "int or `none`: zones of one region deployed at once (S206)", true},
         {"first_wave_max_regions", VT::Int, "int or `none`: regions in the first wave (S207)", true},
         {"min_bake_onebox", VT::Duration, "duration or `none`: the shortest bake of a prod one-box (S211)", true},
         {"min_bake_first_wave", VT::Duration, "duration or `none`: the shortest bake of the first wave (S211)", true},
         {"min_bake_wave", VT::Duration, "duration or `none`: the shortest bake of a later wave (S211)", true},
         {"require_preprod", VT::StageNames, "list of stage names or `none`: stages that must run before prod (S216)",
          true},
         {"friday_cutoff", VT::Time, "time or `none`: no stage may start on a Friday after it (S214)", true},
         {"latest_start", VT::Time, "time or `none`: no stage may start later in the day (S214)", true},
         {"max_time_to_global", VT::Duration, "duration or `none`: the longest computed time to global (S218)", true},
         {"max_recovery", VT::Duration, "duration or `none`: the longest worst-case detection plus rollback (S219)",
          true},
         {"min_versions_per_week", VT::Int,
          "int or `none`: the fewest versions a week the pipeline must be able to take to global (S227); unset in "
          "`strict`",
          true}},
        {}}},
      {Context::Deploy,
       {"`deploy`",
        {{"run", VT::String, "string: the command run for each batch"},
         {"rollback", VT::String, "string: the rollback command (default: `run` with the last good version)"},
         {"timeout", VT::Duration, "duration: a batch that takes longer fails"},
         {"expected", VT::Duration, "duration, default 5m: what a batch usually takes (plan analysis)"},
         {"rollback_time", VT::Duration, "duration, default 2m: what a rollback usually takes (plan analysis)"}},
        {}}},
      {Context::Metrics,
       {"`metrics`",
        {},
        {},
        true,
        VT::MetricSource,
        "a metric: `prometheus(QUERY [, UNIT])` or `command(CMD [, UNIT])`, UNIT one of `percent`, `duration`, "
        "`count`"}},
      {Context::Alarms,
       {"`alarms`",
        {},
        {},
        true,
        VT::AlarmExpr,
        "an alarm: `METRIC CMP VALUE [for M of N [every PERIOD]]`, alarms combined with `and`, `or`, `not`, or "
        "`external(NAME)`"}},
      {Context::Windows,
       {"`windows`",
        {{"timezone", VT::String, "string: IANA time zone of the windows, e.g. \"America/Los_Angeles\""},
         {"off_hours_bake", VT::Percent, "percent: bake multiplier for a stage that starts outside every allow"}},
        {{"allow", Context::WindowRule, LabelRule::Ident, "a window in which a stage may start: `days`, `hours`"},
         {"deny", Context::WindowRule, LabelRule::Ident,
          "a window in which no stage may start: `dates`, `days`, `hours`"}}}},
      {Context::WindowRule,
       {"a window",
        {{"days", VT::Days, "range or list of days, e.g. `mon..thu`"},
         {"hours", VT::Hours, "range of times of day, e.g. `09:00..16:00`"},
         {"dates", VT::Dates, "list of dates or date ranges, e.g. `[\"2026-12-24\"..\"2027-01-02\"]`"}},
        {}}},
      {Context::Emergency,
       {"`emergency`",
        {{"approvers", VT::Strings, "list of strings, required, non-empty: who may approve"},
         {"bake", VT::Percent, "percent: every bake is scaled by this"},
         {"min_bake", VT::Duration, "duration: the floor of a scaled bake; never zero (S210)"}},
        {}}},
      {Context::Notify,
       {"a notify target",
        {{"events", VT::NotifyEvents,
          "list, required: `run_started`, `stage_started`, `stage_done`, `approval_needed`, `blocked`, "
          "`rollback_started`, `rolled_back`, `deployed`, `failed`, `failed_readings`"},
         {"blocked_after", VT::Duration,
          "duration, default 30m: `blocked` is sent once a stage has waited this long on the same blocker or window"},
         {"webhook", VT::String, "string: an http:// or https:// URL that receives each event as a JSON POST"},
         {"run", VT::String,
          "string: a command run for each event, without a shell, the event in `PIPE_NOTIFY_*` variables"}},
        {}}},
      {Context::Stage,
       {"a stage",
        {{"regions", VT::Regions, "list of regions (default: the first wave's regions)"},
         {"bake", VT::Duration, "duration: how long the stage bakes while alarms are watched"}},
        {{"onebox", Context::Onebox, LabelRule::None, "a one-box first: `traffic`, `bake`"},
         {"test", Context::Test, LabelRule::Ident, "a test run after the deployment: `run`, `timeout`"}}}},
      {Context::Onebox,
       {"a one-box",
        {{"traffic", VT::Percent, "percent: the one-box's share of the zone's requests"},
         {"bake", VT::Duration, "duration: how long the one-box bakes"}},
        {}}},
      {Context::Test,
       {"a test",
        {{"run", VT::String, "string: the test command"},
         {"timeout", VT::Duration, "duration: a test that takes longer fails"}},
        {}}},
      {Context::Prod,
       {"`prod`",
        {},
        {{"onebox", Context::Onebox, LabelRule::None, "the one-box every wave starts with (default for every wave)"},
         {"rolling", Context::Rolling, LabelRule::None, "hosts replaced in batches: `batch`, `min_healthy`"},
         {"canary", Context::Canary, LabelRule::None,
          "traffic shifted in steps: `steps`, `bake` (config and feature flags)"},
         {"wave", Context::Wave, LabelRule::Integer,
          "`wave N`: a group of regions deployed together, in order of N"}}}},
      {Context::Wave,
       {"a wave",
        {{"regions", VT::RegionsOrRest, "list of regions, or `rest` (only in the last wave)"},
         {"bake", VT::Duration, "duration: bake after the whole wave"},
         {"zone_bake", VT::Duration, "duration, default 0: bake after each zone step"},
         {"min_traffic", VT::Condition, "condition the bake must also meet, e.g. `requests >= 100`"},
         {"parallel_zones", VT::Int, "int, default 1: zones per region deployed at a time"}},
        {{"onebox", Context::Onebox, LabelRule::None, "overrides the prod one-box for this wave"},
         {"rolling", Context::Rolling, LabelRule::None, "overrides the prod rolling settings for this wave"},
         {"canary", Context::Canary, LabelRule::None, "overrides the prod canary settings for this wave"}}}},
      {Context::Rolling,
       {"`rolling`",
        {{"batch", VT::Percent, "percent: max share of a zone's hosts replaced at once"},
         {"min_healthy", VT::Percent, "percent: share of capacity always serving"}},
        {}}},
      {Context::Canary,
       {"`canary`",
        {{"steps", VT::Percents, "list of percents; the last must be 100%"},
         {"bake", VT::Duration, "duration: bake per step"}},
        {}}},
  };
  return table;
}

const char* kindWord(ast::ExprKind kind) {
  switch (kind) {
    case ast::ExprKind::String:
      return "a string";
    case ast::ExprKind::Integer:
      return "an integer";
    case ast::ExprKind::Number:
      return "a number";
    case ast::ExprKind::Percent:
      return "a percent";
    case ast::ExprKind::Duration:
      return "a duration";
    case ast::ExprKind::Time:
      return "a time of day";
    case ast::ExprKind::Bool:
      return "a boolean";
    case ast::ExprKind::Rest:
      return "`rest`";
    case ast::ExprKind::None:
      return "`none`";
    case ast::ExprKind::Ref:
      return "a name";
    case ast::ExprKind::List:
      return "a list";
    case ast::ExprKind::Range:
      return "a range";
    case ast::ExprKind::Call:
      return "a call";
    case ast::ExprKind::Compare:
      return "a comparison";
    case ast::ExprKind::Not:
    case ast::ExprKind::And:
    case ast::ExprKind::Or:
    case ast::ExprKind::Condition:
      return "an alarm expression";
    case ast::ExprKind::Error:
      return "an error";
  }
  return "a value";
}

class DeclValidator {
 public:
  // `declWhat` names the declaration's own body in messages ("a template"),
  // where its context's word would be wrong: templates share the pipeline's schema.
  DeclValidator(DiagnosticSink& sink, const char* declWhat) : sink_(sink), declWhat_(declWhat) {}

  // `blockType` is the body's block type ("" for a declaration's own body): it picks the value ranges.
  void validateBody(const ast::Body& members, Context context, const std::string& blockType = "") {
    const ContextSpec& spec = contextSpec(context);
    const std::string what = blockType.empty() && declWhat_ ? declWhat_ : spec.what;
    std::map<std::string, const ast::Attribute*> attrs;
    std::map<std::pair<std::string, std::string>, const ast::Block*> blocks;
    for (const ast::Member& member : members.members) {
      if (const ast::Attribute* a = member.attribute.get()) {
        if (a->name.empty()) continue;
        if (auto [it, inserted] = attrs.emplace(a->name, a); !inserted) {
          Diagnostic& d = sink_.report(DiagCode::R102, a->nameRange, "`" + a->name + "` is set twice in " + what);
          d.notes.push_back({"first set here", it->second->nameRange});
          continue;
        }
        if (spec.anyAttribute) {
          value(spec.anyType, false, *a->value, a->name);
          continue;
        }
        const AttributeSpec* attrSpec = findAttribute(context, a->name);
        if (!attrSpec) {
          unknown(a->name, a->nameRange, spec, what, true);
          continue;
        }
        value(attrSpec->type, attrSpec->noneAllowed, *a->value, a->name);
        if (const ValueRange* range = valueRange(blockType, a->name))
          checkRange(*a->value, a->name, *range, attrSpec->type);
        if (blockType == "windows" && a->name == "timezone") timezone(*a->value);
        if (blockType == "notify" && a->name == "webhook") webhook(*a->value);
        if (blockType == "notify" && a->name == "run") command(*a->value);
      } else if (const ast::Block* b = member.block.get()) {
        if (b->type.empty()) continue;
        const BlockSpec* blockSpec = findBlock(context, b->type);
        if (!blockSpec) {
          unknown(b->type, b->typeRange, spec, what, false);
          continue;
        }
        if (auto [it, inserted] = blocks.emplace(std::make_pair(b->type, b->label.text), b); !inserted) {
          Diagnostic& d = sink_.report(
              DiagCode::R102, b->typeRange,
              "block `" + b->type + (b->label.text.empty() ? "" : " " + b->label.text) + "` appears twice in " + what);
          d.notes.push_back({"first written here", it->second->typeRange});
          continue;
        }
        label(*b, blockSpec->label);
        validateBody(b->body, blockSpec->context, b->type);
      }
    }
  }

 private:
  void unknown(const std::string& name, SourceRange range, const ContextSpec& spec, const std::string& what,
               bool isAttribute) {
    std::vector<std::string> candidates;
    for (const AttributeSpec& a : spec.attributes) candidates.push_back(a.name);
    for (const BlockSpec& b : spec.blocks) candidates.push_back(b.type);
    bool isOtherKind = false;
    for (size_t i = 0; i < candidates.size(); ++i)
      if (candidates[i] == name) isOtherKind = true;
    std::string message =
        isOtherKind ? "`" + name + "` is " + (isAttribute ? "a block" : "an attribute") + " in " + what + ", not " +
                          (isAttribute ? "an attribute" : "a block")
                    : std::string("unknown ") + (isAttribute ? "attribute" : "block") + " `" + name + "` in " + what;
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
    bool ok = rule == LabelRule::None ? b.label.kind == ast::LabelKind::None
              : rule == LabelRule::Integer
                  ? b.label.kind == ast::LabelKind::Integer
                  : b.label.kind == ast::LabelKind::Ident || b.label.kind == ast::LabelKind::String;
    if (ok && rule == LabelRule::Integer) return waveNumber(b);
    if (ok && b.label.kind == ast::LabelKind::String && !isIdentifier(b.label.text)) {
      // `stage "gamma"` is `stage gamma`; any other string would be a second spelling of no name.
      sink_.report(DiagCode::R109, b.label.range,
                   "a `" + b.type + "` name must be an identifier (a letter or `_`, then letters, digits, `_` or `-`)");
      return;
    }
    if (ok) return;
    SourceRange range = b.label.kind == ast::LabelKind::None ? b.typeRange : b.label.range;
    std::string message = rule == LabelRule::None ? "`" + b.type + "` takes no label"
                          : rule == LabelRule::Integer
                              ? "a `" + b.type + "` is labelled with its number, e.g. `" + b.type + " 1`"
                              : "a `" + b.type + "` needs a name, e.g. `" + b.type + " gamma`";
    sink_.report(DiagCode::R109, range, message);
  }

  static bool isIdentifier(const std::string& text) {
    if (text.empty() || !(std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) return false;
    for (char c : text)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
  }

  // Labels are canonical numbers already (`01` is `1`, AstBuilder); here only their range.
  void waveNumber(const ast::Block& b) {
    const std::string& digits = b.label.text;
    bool small =
        digits.size() <= 4 && std::stoi(digits) >= kWaveNumberRange.low && std::stoi(digits) <= kWaveNumberRange.high;
    if (!small)
      sink_.report(DiagCode::R112, b.label.range,
                   "a `" + b.type + "` number must be " + kWaveNumberRange.text + ", but `" + digits + "` is not");
  }

  void outOfRange(const ast::Expr& e, const std::string& attr, const ValueRange& range) {
    std::string spelled = e.spelling.empty() ? describeValue(e) : "`" + e.spelling + "`";
    sink_.report(DiagCode::R112, e.range, "`" + attr + "` must be " + range.text + ", but " + spelled + " is not");
  }

  // Only a value of the attribute's own type: another type is R109's business.
  void checkRange(const ast::Expr& e, const std::string& attr, const ValueRange& range, ValueType type) {
    using K = ast::ExprKind;
    auto number = [type](const ast::Expr& item) -> std::optional<double> {
      if (item.kind == K::Integer && type == VT::Int) return static_cast<double>(item.integer);
      if (item.kind == K::Percent && (type == VT::Percent || type == VT::Percents)) return item.number;
      if (item.kind == K::Duration && type == VT::Duration) return static_cast<double>(item.millis);
      return std::nullopt;
    };
    if (e.kind == K::List) {
      for (const auto& item : e.args)
        if (item)
          if (auto v = number(*item); v && !inRange(range, *v)) outOfRange(*item, attr, range);
      return;
    }
    if (auto v = number(e); v && !inRange(range, *v)) outOfRange(e, attr, range);
  }

  // windows.timezone names a zone of the system's database, never a path (R113).
  void timezone(const ast::Expr& e) {
    if (e.kind != ast::ExprKind::String || planformat::isKnownTimeZone(e.text)) return;
    std::string shown = e.spelling.empty() ? "\"" + e.text + "\"" : e.spelling;
    Diagnostic& d = sink_.report(DiagCode::R113, e.range,
                                 "unknown time zone " + shown + ": not in the system's time-zone database");
    if (auto guess = closestSpelling(e.text, planformat::knownTimeZones())) {
      d.message += " (did you mean `" + *guess + "`?)";
      d.fixes.push_back({"replace with \"" + *guess + "\"", e.range, "\"" + *guess + "\""});
    } else {
      d.help = "write an IANA zone name such as \"America/Los_Angeles\", \"Europe/Berlin\" or \"UTC\"";
    }
  }

  // notify.webhook: piperun POSTs with libcurl, which would also speak file:// or smtp:// (R116).
  void webhook(const ast::Expr& e) {
    if (e.kind != ast::ExprKind::String || planformat::isWebhookUrl(e.text)) return;
    std::string shown = e.spelling.empty() ? "\"" + e.text + "\"" : e.spelling;
    Diagnostic& d =
        sink_.report(DiagCode::R116, e.range, "`webhook` must be an http:// or https:// URL, but " + shown + " is not");
    d.help = "write the receiver's address, e.g. \"https://chat.example/hooks/deploys\"";
  }

  // notify.run: a command with nothing to run would fail every event (R117).
  void command(const ast::Expr& e) {
    if (e.kind != ast::ExprKind::String || planformat::hasCommand(e.text)) return;
    Diagnostic& d = sink_.report(DiagCode::R117, e.range, "`run` of a notify target is an empty command");
    d.help = "write the program and its arguments, e.g. \"scripts/page-oncall.sh\", or remove `run`";
  }

  // notify.events: the runtime's event kinds only (R115).
  void notifyEvent(const ast::Expr& e) {
    if (e.kind == ast::ExprKind::Error) return;
    if (!isName(e)) return mismatch(e, "events", VT::NotifyEvents);
    if (planformat::isNotifyEvent(e.path[0])) return;
    Diagnostic& d = sink_.report(DiagCode::R115, e.range, "unknown notification event `" + e.path[0] + "`");
    if (auto guess = closestSpelling(e.path[0], planformat::notifyEventNames())) {
      d.message += " (did you mean `" + *guess + "`?)";
      d.fixes.push_back({"replace with `" + *guess + "`", e.range, *guess});
    } else {
      std::string list;
      for (const std::string& name : planformat::notifyEventNames()) list += (list.empty() ? "`" : ", `") + name + "`";
      d.help = "events are " + list;
    }
  }

  void mismatch(const ast::Expr& expr, const std::string& attr, ValueType type) {
    Diagnostic& d =
        sink_.report(DiagCode::R109, expr.range,
                     "`" + attr + "` must be " + typeName(type) + ", but " + describeValue(expr) + " is not");
    suggestUnit(d, expr, type);
  }

  // A bare number where a unit is needed: `10` -> `10m`? (issue 12 §8).
  static void suggestUnit(Diagnostic& d, const ast::Expr& expr, ValueType type) {
    if (expr.kind != ast::ExprKind::Integer || expr.spelling.empty()) return;
    std::string unit = type == ValueType::Duration ? "m" : type == ValueType::Percent ? "%" : "";
    if (unit.empty()) return;
    std::string suggestion = expr.spelling + unit;
    d.help = "a number needs a unit here: did you mean `" + suggestion + "`?" +
             (unit == "m" ? " (units: ms, s, m, h, d)" : "");
    d.fixes.push_back({"write `" + suggestion + "`", expr.range, suggestion});
  }

  bool isName(const ast::Expr& e) { return e.kind == ast::ExprKind::Ref && !e.isSuper && e.path.size() == 1; }

  void nameIn(const ast::Expr& e, const std::vector<std::string>& allowed, const std::string& what) {
    if (e.kind == ast::ExprKind::Error) return;
    if (!isName(e)) {
      bool vowel = std::string_view("aeio").find(what[0]) != std::string_view::npos;  // "a unit", "an execution mode"
      std::string noun = (vowel ? "an " : "a ") + what;
      Diagnostic& d = sink_.report(DiagCode::R109, e.range, describeValue(e) + " is not " + noun);
      // `kind = "config"`: the right name, quoted.
      if (e.kind == ast::ExprKind::String && std::find(allowed.begin(), allowed.end(), e.text) != allowed.end()) {
        d.help = noun + " is a name: write `" + e.text + "` without quotes";
        d.fixes.push_back({"write `" + e.text + "`", e.range, e.text});
      }
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

  // A date of the calendar: no 2026-02-29, no 2026-04-31 (R112).
  static bool isRealDay(const std::string& t) {
    int year = std::stoi(t.substr(0, 4)), month = std::stoi(t.substr(5, 2)), day = std::stoi(t.substr(8, 2));
    static const int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= lengths[month - 1] + (month == 2 && leap ? 1 : 0);
  }

  // Reports a well-formed date that names no day; true when it is a real day.
  bool realDay(const ast::Expr& e) {
    if (isRealDay(e.text)) return true;
    sink_.report(DiagCode::R112, e.range, "\"" + e.text + "\" is not a day of the calendar");
    return false;
  }

  void dateItem(const ast::Expr& e, const std::string& attr) {
    if (e.kind == ast::ExprKind::Error) return;
    if (e.kind == ast::ExprKind::Range && e.args.size() == 2 && e.args[0] && e.args[1]) {
      bool valid = true;
      for (const auto& end : e.args)
        if (end->kind != ast::ExprKind::Error && !isDate(*end)) {
          valid = false;
          sink_.report(DiagCode::R109, end->range, "`" + attr + "` takes dates written \"YYYY-MM-DD\"");
        } else if (end->kind != ast::ExprKind::Error && !realDay(*end)) {
          valid = false;
        }
      // "YYYY-MM-DD" strings order as the dates do.
      if (valid && e.args[0]->kind == ast::ExprKind::String && e.args[1]->kind == ast::ExprKind::String &&
          e.args[0]->text > e.args[1]->text)
        sink_.report(DiagCode::R112, e.range,
                     "the dates of `" + attr + "` run backwards: \"" + e.args[0]->text + "\" is after \"" +
                         e.args[1]->text + "\"");
      return;
    }
    if (!isDate(e))
      sink_.report(DiagCode::R109, e.range, "`" + attr + "` takes dates written \"YYYY-MM-DD\"");
    else
      realDay(e);
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
      case VT::String:
        if (e.kind != K::String) mismatch(e, attr, type);
        return;
      case VT::Int:
        if (e.kind != K::Integer) mismatch(e, attr, type);
        return;
      case VT::Percent:
        if (e.kind != K::Percent) mismatch(e, attr, type);
        return;
      case VT::Duration:
        if (e.kind != K::Duration) mismatch(e, attr, type);
        return;
      case VT::Time:
        if (e.kind != K::Time) mismatch(e, attr, type);
        return;
      case VT::Bool:
        if (e.kind != K::Bool) mismatch(e, attr, type);
        return;
      case VT::Kind:
      case VT::ExecutionMode:
        return nameIn(e, *enumNames(type), enumNoun(type));
      case VT::TopologyRef:
      case VT::PolicyRef:
        if (!isName(e)) mismatch(e, attr, type);
        return;
      case VT::RegionsOrRest:
        if (e.kind == K::Rest) return;
        [[fallthrough]];
      case VT::Zones:
      case VT::Regions:
      case VT::StageNames:
      case VT::AlarmRefs:
        return listOf(e, attr, type, K::Ref);
      case VT::Strings:
        return listOf(e, attr, type, K::String);
      case VT::Percents:
        return listOf(e, attr, type, K::Percent);
      case VT::NotifyEvents:
        if (e.kind != K::List) return mismatch(e, attr, type);
        for (const auto& item : e.args)
          if (item) notifyEvent(*item);
        return;
      case VT::AlarmExpr:
      case VT::Condition:
        return;  // need the metrics: checked on the merged pipeline
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
          sink_.report(
              DiagCode::R109, e.args[0]->range,
              "the first argument of `" + e.text + "` must be a string, but " + describeValue(*e.args[0]) + " is not");
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
  const char* declWhat_;
};

}  // namespace

const ContextSpec& contextSpec(Context context) {
  return specs().at(context);
}

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

const std::vector<std::string>* enumNames(ValueType type) {
  switch (type) {
    case VT::Kind:
      return &kKindNames;
    case VT::ExecutionMode:
      return &kExecutionModeNames;
    case VT::NotifyEvents:  // a list of them; offered by completion inside `[...]` too
      return &planformat::notifyEventNames();
    default:
      return nullptr;
  }
}

const char* enumNoun(ValueType type) {
  switch (type) {
    case VT::Kind:
      return "kind";
    case VT::ExecutionMode:
      return "execution mode";
    case VT::NotifyEvents:
      return "notification event";
    default:
      return "";
  }
}

const char* typeName(ValueType type) {
  switch (type) {
    case VT::String:
      return "a string";
    case VT::Int:
      return "an integer";
    case VT::Percent:
      return "a percent";
    case VT::Duration:
      return "a duration";
    case VT::Time:
      return "a time of day";
    case VT::Bool:
      return "`true` or `false`";
    case VT::Kind:
      return "one of `code`, `config`, `infrastructure`, `os`, `tools`";
    case VT::ExecutionMode:
      return "one of `superseded`, `queued`";
    case VT::TopologyRef:
      return "the name of a topology";
    case VT::PolicyRef:
      return "the name of a policy";
    case VT::Zones:
      return "a list of zone names";
    case VT::Regions:
      return "a list of regions";
    case VT::RegionsOrRest:
      return "a list of regions or `rest`";
    case VT::StageNames:
      return "a list of stage names";
    case VT::AlarmExpr:
      return "an alarm expression";
    case VT::AlarmRefs:
      return "a list of alarm names";
    case VT::Condition:
      return "a condition like `requests >= 100`";
    case VT::MetricSource:
      return "`prometheus(\"...\")` or `command(\"...\")`";
    case VT::Days:
      return "days like `mon..thu` or `[fri]`";
    case VT::Hours:
      return "hours like `09:00..16:00`";
    case VT::Dates:
      return "dates like `\"2026-12-24\"..\"2027-01-02\"`";
    case VT::Strings:
      return "a list of strings";
    case VT::Percents:
      return "a list of percents";
    case VT::NotifyEvents:
      return "a list of events like `[rolled_back, blocked]`";
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
    case ast::DeclKind::Topology:
      return Context::Topology;
    case ast::DeclKind::Policy:
      return Context::Policy;
    default:
      return Context::Pipeline;
  }
}

void validateDeclaration(const ast::Declaration& decl, DiagnosticSink& sink) {
  DeclValidator(sink, decl.kind == ast::DeclKind::Template ? "a template" : nullptr)
      .validateBody(decl.body, declarationContext(decl.kind));
}

}  // namespace pipelang::sema
