#include "runtime/cli/OperatorHints.h"

#include <fmt/format.h>
#include <llvm/ADT/StringRef.h>

#include <set>

namespace pipelang::runtime::cli {
namespace {

// External alarm names an alarm expression reads, through references.
void externalsOf(const Plan& plan, const AlarmExpr& expr, std::set<std::string>& out, int depth = 0) {
  if (depth > 64) return;  // plans are acyclic; this only bounds a damaged one
  if (expr.op == AlarmExpr::Op::External) out.insert(expr.name);
  if (expr.op == AlarmExpr::Op::Ref)
    if (auto it = plan.alarms.find(expr.name); it != plan.alarms.end()) externalsOf(plan, it->second, out, depth + 1);
  for (const auto& arg : expr.args) externalsOf(plan, arg, out, depth + 1);
}

std::set<std::string> externalsOf(const Plan& plan, const std::string& blocker) {
  std::set<std::string> out;
  if (auto it = plan.alarms.find(blocker); it != plan.alarms.end()) externalsOf(plan, it->second, out);
  return out;
}

}  // namespace

std::optional<std::string> resolveBlocker(const Plan& plan, const std::string& name) {
  if (name == "window") return plan.windows ? std::optional<std::string>(name) : std::nullopt;
  for (const auto& blocker : plan.blockOn)
    if (blocker == name) return blocker;
  for (const auto& blocker : plan.blockOn)
    if (externalsOf(plan, blocker).count(name)) return blocker;
  return std::nullopt;
}

std::vector<std::string> overridableNames(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& blocker : plan.blockOn) {
    auto externals = externalsOf(plan, blocker);
    out.push_back(externals.empty() ? blocker
                                    : fmt::format("{} (external alarm {})", blocker, fmt::join(externals, ", ")));
  }
  if (plan.windows) out.push_back("window");
  if (out.empty()) out.push_back("nothing: the plan has no blockers and no windows");
  return out;
}

std::string waitHint(const Plan& plan, const std::string& reason, const std::string& dbPath) {
  llvm::StringRef text(reason);
  std::string state = dbPath.empty() ? "" : " --state " + dbPath;
  std::optional<std::string> target;
  if (text.startswith("window closed")) target = "window";
  if (text.startswith("blocker ")) target = resolveBlocker(plan, text.drop_front(8).split(' ').first.str());
  if (target) return fmt::format("piperun override --blocker {} --reason TEXT --by WHO{}", *target, state);
  if (text.contains("waiting for approval")) return fmt::format("piperun approve --by WHO{}", state);
  return "";
}

}  // namespace pipelang::runtime::cli
