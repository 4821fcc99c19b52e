#include "runtime/plan/OperatorHints.h"

#include <fmt/format.h>
#include <llvm/ADT/StringRef.h>

#include <set>

namespace pipelang::runtime {
namespace {

// The names a firing blocker can be shown by: the external alarms its
// expression reads and the alarms it refers to, through references.
struct Names {
  std::set<std::string> externals, alarms;
};

void namesOf(const Plan& plan, const AlarmExpr& expr, Names& out, int depth = 0) {
  if (depth > 64) return;  // plans are acyclic; this only bounds a damaged one
  if (expr.op == AlarmExpr::Op::External) out.externals.insert(expr.name);
  if (expr.op == AlarmExpr::Op::Ref) {
    out.alarms.insert(expr.name);
    if (auto it = plan.alarms.find(expr.name); it != plan.alarms.end()) namesOf(plan, it->second, out, depth + 1);
  }
  for (const auto& arg : expr.args) namesOf(plan, arg, out, depth + 1);
}

Names namesOf(const Plan& plan, const std::string& blocker) {
  Names out;
  if (auto it = plan.alarms.find(blocker); it != plan.alarms.end()) namesOf(plan, it->second, out);
  out.alarms.erase(blocker);
  return out;
}

}  // namespace

std::optional<std::string> resolveBlocker(const Plan& plan, const std::string& name) {
  if (name == "window") return plan.windows ? std::optional<std::string>(name) : std::nullopt;
  for (const auto& blocker : plan.blockOn)
    if (blocker == name) return blocker;
  for (const auto& blocker : plan.blockOn) {
    Names names = namesOf(plan, blocker);
    if (names.externals.count(name) || names.alarms.count(name)) return blocker;
  }
  return std::nullopt;
}

std::vector<std::string> overridableNames(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& blocker : plan.blockOn) {
    Names names = namesOf(plan, blocker);
    std::vector<std::string> also;
    if (!names.externals.empty()) also.push_back(fmt::format("external alarm {}", fmt::join(names.externals, ", ")));
    if (!names.alarms.empty()) also.push_back(fmt::format("alarm {}", fmt::join(names.alarms, ", ")));
    out.push_back(also.empty() ? blocker : fmt::format("{} ({})", blocker, fmt::join(also, "; ")));
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

}  // namespace pipelang::runtime
