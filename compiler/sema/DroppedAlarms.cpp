// S226: a child that stops watching an alarm its parent watched in
// `rollback_on` or `block_on` (issue 12 §6): a safety setting must not be
// dropped without a word. Reported once, at the level that dropped it.
#include "compiler/sema/Builder.h"

#include <map>
#include <set>

namespace pipelang::sema {

namespace {

void collectRefs(const model::AlarmExpr& e, std::vector<std::string>& out) {
  if (e.op == model::AlarmExpr::Op::Ref) out.push_back(e.alarm);
  for (const model::AlarmExpr& arg : e.args) collectRefs(arg, out);
}

// Every alarm reachable from `start` through the alarms' own references.
std::set<std::string> closure(const model::Pipeline& p, std::vector<std::string> start) {
  std::map<std::string, const model::Alarm*> byName;
  for (const model::Alarm& alarm : p.alarms) byName.emplace(alarm.name, &alarm);
  std::set<std::string> seen;
  while (!start.empty()) {
    std::string name = std::move(start.back());
    start.pop_back();
    if (!seen.insert(name).second) continue;
    if (auto it = byName.find(name); it != byName.end()) collectRefs(it->second->expr, start);
  }
  return seen;
}

std::set<std::string> rollbackWatch(const model::Pipeline& p) {
  std::vector<std::string> start;
  if (p.rollbackOn) collectRefs(*p.rollbackOn, start);
  return closure(p, std::move(start));
}

std::set<std::string> blockWatch(const model::Pipeline& p) {
  return closure(p, p.blockOn);
}

}  // namespace

void reportDroppedAlarms(const ResolvedDecl& resolved, const model::Pipeline& self, const model::Pipeline& parent,
                         DiagnosticSink& sink) {
  const MergedBlock& body = *resolved.body;
  const MergedBlock* alarms = body.child("alarms");
  const ast::Declaration* parentDecl = resolved.chain.parent() ? resolved.chain.parent()->back() : nullptr;
  if (!parentDecl) return;
  struct Setting {
    const char* attr;
    std::set<std::string> (*watch)(const model::Pipeline&);
    const char* verb;
  };
  for (const Setting& setting :
       {Setting{"rollback_on", rollbackWatch, "rolls back on"}, Setting{"block_on", blockWatch, "blocks starts on"}}) {
    std::set<std::string> before = setting.watch(parent), after = setting.watch(self);
    std::vector<std::string> dropped;
    for (const std::string& alarm : before)
      if (!after.count(alarm) && parent.findAlarm(alarm)) dropped.push_back(alarm);
    if (dropped.empty()) continue;
    // Where this level changed what is watched: the setting itself, or an
    // alarm it redefined; else the declaration.
    SourceRange at = resolved.decl().nameRange;
    const MergedAttr* written = body.attr(setting.attr);
    if (written && written->attr && written->level == resolved.level()) {
      at = written->attr->nameRange;
    } else if (alarms) {
      for (const auto& [name, attr] : alarms->attrs)
        if (attr.attr && attr.level == resolved.level() && before.count(name)) {
          at = attr.attr->nameRange;
          break;
        }
    }
    std::string names;
    for (const std::string& alarm : dropped) names += (names.empty() ? "`" : ", `") + alarm + "`";
    const char* noun = dropped.size() == 1 ? "alarm" : "alarms";
    Diagnostic& d = sink.report(DiagCode::S226, at,
                                std::string(declKindWord(resolved.decl().kind)) + " `" + self.name +
                                    "` stops watching " + noun + " " + names + " in `" + setting.attr + "`");
    d.notes.push_back(
        {std::string(declKindWord(parentDecl->kind)) + " `" + parent.name + "` " + setting.verb + " " + names,
         parentDecl->nameRange});
    d.help = std::string(setting.attr) == "rollback_on"
                 ? "keep the parent's alarms: `rollback_on = super.rollback_on or NEW_ALARM`"
                 : "lists are replaced: write every alarm to keep in `block_on`";
  }
}

}  // namespace pipelang::sema
