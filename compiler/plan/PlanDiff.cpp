#include "compiler/plan/PlanDiff.h"

#include "compiler/plan/PlanAnalysis.h"

#include <fmt/format.h>
#include <llvm/Support/FormatVariadic.h>
#include <llvm/Support/raw_ostream.h>

#include <set>

namespace pipelang::plan {
namespace {

using llvm::json::Object;
using llvm::json::Value;

std::string compact(const Value* value) {
  if (!value) return "";
  std::string text;
  llvm::raw_string_ostream out(text);
  out << *value;
  out.flush();
  return text;
}

std::string seconds(const Value* value) {
  if (!value) return "";
  if (auto s = value->getAsInteger()) return formatDuration(*s);
  return compact(value);
}

std::string percent(double fraction) { return fmt::format("{:.4g}%", fraction * 100); }

std::map<std::string, const Object*> byId(const Object* plan, llvm::StringRef key) {
  std::map<std::string, const Object*> result;
  if (const auto* list = plan ? plan->getArray(key) : nullptr)
    for (const auto& item : *list)
      if (const auto* object = item.getAsObject())
        if (auto id = object->getString("id")) result[id->str()] = object;
  return result;
}

std::set<std::string> names(const Value* list) {
  std::set<std::string> result;
  if (const auto* array = list ? list->getAsArray() : nullptr)
    for (const auto& item : *array)
      if (auto text = item.getAsString()) result.insert(text->str());
  return result;
}

std::string join(const std::set<std::string>& items, const char* sign) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : " ") + std::string(sign) + item;
  return text;
}

// Share of global traffic once each stage is done: the largest exposure of its steps.
std::map<std::string, double> stageExposure(const Object* plan) {
  std::map<std::string, double> byStep, result;
  const auto* analysis = plan ? plan->getObject("analysis") : nullptr;
  if (const auto* list = analysis ? analysis->getArray("exposure") : nullptr)
    for (const auto& item : *list)
      if (const auto* entry = item.getAsObject())
        byStep[entry->getString("step").getValueOr("").str()] = entry->getNumber("global_traffic").getValueOr(0);
  if (const auto* steps = plan ? plan->getArray("steps") : nullptr)
    for (const auto& item : *steps)
      if (const auto* step = item.getAsObject()) {
        auto found = byStep.find(step->getString("id").getValueOr("").str());
        if (found == byStep.end()) continue;
        double& slot = result[step->getString("stage").getValueOr("").str()];
        slot = std::max(slot, found->second);
      }
  return result;
}

class Differ {
 public:
  Differ(std::string pipeline, std::vector<PlanChange>& out) : pipeline_(std::move(pipeline)), out_(out) {}

  void change(std::string scope, std::string field, std::string before, std::string after) {
    if (before != after) out_.push_back({pipeline_, std::move(scope), std::move(field), std::move(before), std::move(after)});
  }

  void plans(const Object* before, const Object* after) {
    for (const char* key : {"artifact", "kind", "policy"})
      change("pipeline", key, compact(before->get(key)), compact(after->get(key)));
    for (const char* key : {"rollback_on", "block_on", "windows", "emergency"})
      change("pipeline", key, compact(before->get(key)), compact(after->get(key)));
    alarms(before->getObject("alarms"), after->getObject("alarms"));
    stages(before, after);
    const auto* a = before->getObject("analysis");
    const auto* b = after->getObject("analysis");
    // A null time to global: the plan leaves a region out of every wave.
    auto toGlobal = [](const Object* analysis) {
      const Value* value = analysis ? analysis->get("time_to_global_s") : nullptr;
      return value && value->kind() == Value::Null ? std::string("never reaches global") : seconds(value);
    };
    change("analysis", "time_to_global_s", toGlobal(a), toGlobal(b));
    change("analysis", "worst_recovery_s", seconds(a ? a->get("worst_recovery_s") : nullptr),
           seconds(b ? b->get("worst_recovery_s") : nullptr));
    auto exposure = [](const Object* analysis) {
      auto value = analysis ? analysis->getNumber("max_exposure_before_wave2") : llvm::None;
      return value ? percent(*value) : "";
    };
    change("analysis", "max_exposure_before_wave2", exposure(a), exposure(b));
  }

 private:
  void alarms(const Object* before, const Object* after) {
    std::set<std::string> keys;
    for (const Object* side : {before, after})
      if (side)
        for (const auto& entry : *side) keys.insert(entry.first.str());
    for (const std::string& name : keys) {
      const Value* old = before ? before->get(name) : nullptr;
      const Value* now = after ? after->get(name) : nullptr;
      change("alarm " + name, "expr", compact(old), compact(now));
    }
  }

  void stages(const Object* before, const Object* after) {
    auto old = byId(before, "stages"), now = byId(after, "stages");
    auto oldExposure = stageExposure(before), newExposure = stageExposure(after);
    std::vector<std::string> order;  // the new plan's order, then stages that were removed
    if (const auto* list = after->getArray("stages"))
      for (const auto& item : *list) order.push_back(item.getAsObject()->getString("id").getValueOr("").str());
    if (const auto* list = before->getArray("stages"))
      for (const auto& item : *list) {
        std::string id = item.getAsObject()->getString("id").getValueOr("").str();
        if (!now.count(id)) order.push_back(id);
      }
    for (const std::string& id : order) {
      std::string scope = "stage " + id;
      const Object* a = old.count(id) ? old[id] : nullptr;
      const Object* b = now.count(id) ? now[id] : nullptr;
      if (!a || !b) {
        change(scope, "stage", a ? "present" : "", b ? "present" : "");
        continue;
      }
      change(scope, "bake_s", seconds(a->get("bake_s")), seconds(b->get("bake_s")));
      std::set<std::string> ra = names(a->get("regions")), rb = names(b->get("regions")), added, removed;
      for (const auto& r : rb)
        if (!ra.count(r)) added.insert(r);
      for (const auto& r : ra)
        if (!rb.count(r)) removed.insert(r);
      if (!added.empty() || !removed.empty())
        change(scope, "regions", join(removed, "-"), join(added, "+"));
      change(scope, "min_traffic", compact(a->get("min_traffic")), compact(b->get("min_traffic")));
      change(scope, "tests", compact(a->get("tests")), compact(b->get("tests")));
      auto exposure = [](const std::map<std::string, double>& map, const std::string& key) {
        auto found = map.find(key);
        return found == map.end() ? std::string() : percent(found->second);
      };
      change(scope, "exposure", exposure(oldExposure, id), exposure(newExposure, id));
    }
  }

  std::string pipeline_;
  std::vector<PlanChange>& out_;
};

}  // namespace

std::vector<PlanChange> diffPlans(const std::string& pipeline, const llvm::json::Value* before,
                                  const llvm::json::Value* after) {
  std::vector<PlanChange> changes;
  Differ differ(pipeline, changes);
  const Object* a = before ? before->getAsObject() : nullptr;
  const Object* b = after ? after->getAsObject() : nullptr;
  if (!a || !b) {
    differ.change("pipeline", "pipeline", a ? "present" : "", b ? "present" : "");
    return changes;
  }
  differ.plans(a, b);
  return changes;
}

std::vector<PlanChange> diffPlanSets(const std::map<std::string, llvm::json::Value>& before,
                                     const std::map<std::string, llvm::json::Value>& after) {
  std::set<std::string> pipelines;
  for (const auto& entry : before) pipelines.insert(entry.first);
  for (const auto& entry : after) pipelines.insert(entry.first);
  std::vector<PlanChange> changes;
  for (const std::string& name : pipelines) {
    auto a = before.find(name), b = after.find(name);
    auto more = diffPlans(name, a == before.end() ? nullptr : &a->second, b == after.end() ? nullptr : &b->second);
    changes.insert(changes.end(), more.begin(), more.end());
  }
  return changes;
}

std::string renderDiffText(const std::vector<PlanChange>& changes) {
  if (changes.empty()) return "no changes\n";
  std::string out, pipeline;
  for (const PlanChange& c : changes) {
    if (c.pipeline != pipeline) {
      pipeline = c.pipeline;
      out += pipeline + ":\n";
    }
    if (c.field == "pipeline" || c.field == "stage") {
      out += fmt::format("  {} {}\n", c.before.empty() ? "added" : "removed", c.scope == "pipeline" ? "pipeline" : c.scope);
    } else if (c.field == "regions") {
      out += fmt::format("  {}: regions {}{}{}\n", c.scope, c.before, c.before.empty() || c.after.empty() ? "" : " ",
                         c.after);
    } else {
      out += fmt::format("  {}: {} {} -> {}\n", c.scope, c.field, c.before.empty() ? "(none)" : c.before,
                         c.after.empty() ? "(none)" : c.after);
    }
  }
  return out;
}

std::string renderDiffJson(const std::vector<PlanChange>& changes) {
  llvm::json::Array list;
  for (const PlanChange& c : changes)
    list.push_back(llvm::json::Object{{"pipeline", c.pipeline}, {"scope", c.scope}, {"field", c.field},
                                      {"before", c.before.empty() ? Value(nullptr) : Value(c.before)},
                                      {"after", c.after.empty() ? Value(nullptr) : Value(c.after)}});
  std::string text;
  llvm::raw_string_ostream out(text);
  out << llvm::formatv("{0:2}", Value(llvm::json::Object{{"changes", std::move(list)}}));
  out.flush();
  return text + "\n";
}

}  // namespace pipelang::plan
