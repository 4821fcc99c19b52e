#include "compiler/plan/PlanDiff.h"

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanDiffSyntax.h"

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

// A top-level field; a plan written before `execution_mode` existed means its
// default, so comparing it with a newer plan of the same pipeline is no change.
const Value* field(const Object& plan, llvm::StringRef key) {
  static const Value superseded("superseded");
  const Value* value = plan.get(key);
  return !value && key == "execution_mode" ? &superseded : value;
}

std::string name(const Value* value) {
  auto text = value ? value->getAsString() : llvm::None;
  return text ? text->str() : compact(value);
}

std::string seconds(const Value* value) {
  if (!value) return "";
  if (auto s = value->getAsInteger()) return formatDuration(*s);
  return compact(value);
}

std::string percent(double fraction) {
  return fmt::format("{:.4g}%", fraction * 100);
}

std::optional<Value> copy(const Value* value) {
  if (!value) return std::nullopt;
  return *value;
}

// A stage's tests as `.pipe` writes them: `test NAME { run = "..." timeout = 20m }`.
std::string testsText(const Value* value) {
  const auto* list = value ? value->getAsArray() : nullptr;
  if (!list) return compact(value);
  std::string text;
  for (const Value& item : *list) {
    const Object* test = item.getAsObject();
    if (!test) return compact(value);
    text +=
        (text.empty() ? "" : "; ") +
        fmt::format("test {} {{ run = {}", test->getString("name").getValueOr("?").str(), compact(test->get("run")));
    if (auto timeout = test->getNumber("timeout_s")) text += "  timeout = " + pipeDuration(*timeout);
    text += " }";
  }
  return text.empty() ? "none" : text;
}

llvm::json::Array nameArray(const std::set<std::string>& items) {
  llvm::json::Array array;
  for (const auto& item : items) array.push_back(item);
  return array;
}

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

  // Records a change when the readable texts differ.
  void change(std::string scope, std::string field, std::string before, std::string after,
              std::optional<Value> beforeValue = std::nullopt, std::optional<Value> afterValue = std::nullopt) {
    if (before == after) return;
    if (!beforeValue && !before.empty()) beforeValue = Value(before);
    if (!afterValue && !after.empty()) afterValue = Value(after);
    out_.push_back({pipeline_, std::move(scope), std::move(field), std::move(before), std::move(after),
                    std::move(beforeValue), std::move(afterValue)});
  }

  // A plan value compared by its `.pipe` text (alarms, conditions, lists of names).
  void expression(const std::string& scope, const std::string& field, const Value* before, const Value* after) {
    change(scope, field, before ? pipeExpression(*before, metricsBefore_) : "",
           after ? pipeExpression(*after, metricsAfter_) : "", copy(before), copy(after));
  }

  void plans(const Object* before, const Object* after) {
    metricsBefore_ = before->getObject("metrics");
    metricsAfter_ = after->getObject("metrics");
    change("pipeline", "artifact", compact(before->get("artifact")), compact(after->get("artifact")),
           copy(before->get("artifact")), copy(after->get("artifact")));
    // Names, written as `.pipe` writes them: `kind = config`, not "config".
    for (const char* key : {"kind", "execution_mode", "policy"})
      change("pipeline", key, name(field(*before, key)), name(field(*after, key)), copy(field(*before, key)),
             copy(field(*after, key)));
    for (const char* key : {"rollback_on", "block_on"}) expression("pipeline", key, before->get(key), after->get(key));
    auto block = [](const Value* value, std::string (*render)(const Value&)) {
      return value ? render(*value) : std::string();
    };
    change("pipeline", "windows", block(before->get("windows"), pipeWindows), block(after->get("windows"), pipeWindows),
           copy(before->get("windows")), copy(after->get("windows")));
    change("pipeline", "emergency", block(before->get("emergency"), pipeEmergency),
           block(after->get("emergency"), pipeEmergency), copy(before->get("emergency")),
           copy(after->get("emergency")));
    alarms(before->getObject("alarms"), after->getObject("alarms"));
    notify(before, after);
    stages(before, after);
    const auto* a = before->getObject("analysis");
    const auto* b = after->getObject("analysis");
    for (const char* key : {"time_to_global_s", "worst_recovery_s"}) {
      const Value* old = a ? a->get(key) : nullptr;
      const Value* now = b ? b->get(key) : nullptr;
      // A null time to global: the plan leaves a region out of every wave.
      auto text = [](const Value* value) {
        return value && value->kind() == Value::Null ? std::string("never reaches global") : seconds(value);
      };
      change("analysis", key, text(old), text(now), copy(old), copy(now));
    }
    auto exposure = [](const Object* analysis) {
      auto value = analysis ? analysis->getNumber("max_exposure_before_wave2") : llvm::None;
      return value ? percent(*value) : "";
    };
    change("analysis", "max_exposure_before_wave2", exposure(a), exposure(b),
           copy(a ? a->get("max_exposure_before_wave2") : nullptr),
           copy(b ? b->get("max_exposure_before_wave2") : nullptr));
    throughput(a ? a->getObject("throughput") : nullptr, b ? b->getObject("throughput") : nullptr);
  }

 private:
  // The bottleneck and the weekly capacity (plan.md "Throughput"); a plan
  // written before they existed has neither, which is no change.
  void throughput(const Object* before, const Object* after) {
    if (!before || !after) return;
    change("throughput", "bottleneck", name(before->get("bottleneck")), name(after->get("bottleneck")),
           copy(before->get("bottleneck")), copy(after->get("bottleneck")));
    auto weekly = [](const Value* value) {
      auto number = value ? value->getAsNumber() : llvm::None;
      return number ? fmt::format("{}", *number) : std::string("none");
    };
    change("throughput", "versions_per_week", weekly(before->get("versions_per_week")),
           weekly(after->get("versions_per_week")), copy(before->get("versions_per_week")),
           copy(after->get("versions_per_week")));
  }

  void alarms(const Object* before, const Object* after) {
    std::set<std::string> keys;
    for (const Object* side : {before, after})
      if (side)
        for (const auto& entry : *side) keys.insert(entry.first.str());
    for (const std::string& name : keys) {
      const Value* old = before ? before->get(name) : nullptr;
      const Value* now = after ? after->get(name) : nullptr;
      expression("alarm " + name, "expr", old, now);
    }
  }

  // Notify targets by name (docs/language.md "Notifications"): one added or
  // removed reads as its block; a changed one as its events (-old +new),
  // blocked_after, webhook and run. A plan without `notify` has no targets.
  void notify(const Object* before, const Object* after) {
    auto targets = [](const Object* plan) {
      std::vector<std::pair<std::string, const Object*>> list;
      if (const auto* array = plan->getArray("notify"))
        for (const auto& item : *array)
          if (const auto* target = item.getAsObject())
            list.emplace_back(target->getString("name").getValueOr("").str(), target);
      return list;
    };
    auto old = targets(before), now = targets(after);
    auto find = [](const auto& list, const std::string& name) -> const Object* {
      for (const auto& [n, target] : list)
        if (n == name) return target;
      return nullptr;
    };
    std::vector<std::string> order;  // the new plan's order, then targets that were removed
    for (const auto& entry : now) order.push_back(entry.first);
    for (const auto& entry : old)
      if (!find(now, entry.first)) order.push_back(entry.first);
    for (const std::string& id : order) {
      std::string scope = "notify " + id;
      const Object* a = find(old, id);
      const Object* b = find(now, id);
      if (!a || !b) {
        change(scope, "notify", a ? pipeNotify(Value(Object(*a))) : "", b ? pipeNotify(Value(Object(*b))) : "",
               a ? std::optional<Value>(Object(*a)) : std::nullopt,
               b ? std::optional<Value>(Object(*b)) : std::nullopt);
        continue;
      }
      std::set<std::string> ea = names(a->get("events")), eb = names(b->get("events")), added, removed;
      for (const auto& e : eb)
        if (!ea.count(e)) added.insert(e);
      for (const auto& e : ea)
        if (!eb.count(e)) removed.insert(e);
      if (!added.empty() || !removed.empty())
        change(scope, "events", join(removed, "-"), join(added, "+"), copy(a->get("events")), copy(b->get("events")));
      auto after = [](const Object* target) {
        auto s = target->getNumber("blocked_after_s");
        return s ? pipeDuration(*s) : std::string();
      };
      change(scope, "blocked_after", after(a), after(b), copy(a->get("blocked_after_s")),
             copy(b->get("blocked_after_s")));
      for (const char* channel : {"webhook", "run"}) {
        auto quoted = [&](const Object* target) {
          auto text = target->getString(channel);
          return text ? compact(target->get(channel)) : std::string();
        };
        change(scope, channel, quoted(a), quoted(b), copy(a->get(channel)), copy(b->get(channel)));
      }
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
      change(scope, "bake_s", seconds(a->get("bake_s")), seconds(b->get("bake_s")), copy(a->get("bake_s")),
             copy(b->get("bake_s")));
      std::set<std::string> ra = names(a->get("regions")), rb = names(b->get("regions")), added, removed;
      for (const auto& r : rb)
        if (!ra.count(r)) added.insert(r);
      for (const auto& r : ra)
        if (!rb.count(r)) removed.insert(r);
      if (!added.empty() || !removed.empty())
        change(scope, "regions", join(removed, "-"), join(added, "+"), Value(nameArray(ra)), Value(nameArray(rb)));
      expression(scope, "min_traffic", a->get("min_traffic"), b->get("min_traffic"));
      change(scope, "tests", testsText(a->get("tests")), testsText(b->get("tests")), copy(a->get("tests")),
             copy(b->get("tests")));
      auto exposure = [](const std::map<std::string, double>& map, const std::string& key) {
        auto found = map.find(key);
        return found == map.end() ? std::string() : percent(found->second);
      };
      auto fraction = [](const std::map<std::string, double>& map, const std::string& key) -> std::optional<Value> {
        auto found = map.find(key);
        if (found == map.end()) return std::nullopt;
        return Value(found->second);
      };
      change(scope, "exposure", exposure(oldExposure, id), exposure(newExposure, id), fraction(oldExposure, id),
             fraction(newExposure, id));
    }
  }

  std::string pipeline_;
  std::vector<PlanChange>& out_;
  const Object* metricsBefore_ = nullptr;
  const Object* metricsAfter_ = nullptr;
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

namespace {

// "  throughput: wave1 bake 12h -> 24h: Cart 4 -> 2 versions a week": the
// capacity with the pipeline's bake changes that moved it, or the bottleneck.
std::string throughputText(const std::vector<PlanChange>& changes, const PlanChange& c) {
  if (c.field == "bottleneck") return fmt::format("  throughput: bottleneck {} -> {}\n", c.beforeText, c.afterText);
  std::string causes;
  for (const PlanChange& other : changes)
    if (other.pipeline == c.pipeline && other.field == "bake_s" && other.scope.rfind("stage ", 0) == 0)
      causes += fmt::format("{}{} bake {} -> {}", causes.empty() ? "" : ", ", other.scope.substr(6),
                            other.beforeText.empty() ? "none" : other.beforeText,
                            other.afterText.empty() ? "none" : other.afterText);
  return fmt::format("  throughput: {}{}{} {} -> {} versions a week\n", causes, causes.empty() ? "" : ": ", c.pipeline,
                     c.beforeText, c.afterText);
}

}  // namespace

std::string renderDiffText(const std::vector<PlanChange>& changes) {
  if (changes.empty()) return "no changes\n";
  std::string out, pipeline;
  for (const PlanChange& c : changes) {
    if (c.pipeline != pipeline) {
      pipeline = c.pipeline;
      out += pipeline + ":\n";
    }
    if (c.scope == "throughput") {
      out += throughputText(changes, c);
    } else if (c.field == "pipeline" || c.field == "stage") {
      out += fmt::format("  {} {}\n", c.beforeText.empty() ? "added" : "removed",
                         c.scope == "pipeline" ? "pipeline" : c.scope);
    } else if (c.field == "notify") {
      // A target added or removed reads as its `notify NAME { ... }` block.
      out += fmt::format("  {} {}\n", c.beforeText.empty() ? "added" : "removed",
                         c.beforeText.empty() ? c.afterText : c.beforeText);
    } else if (c.field == "regions" || c.field == "events") {
      out += fmt::format("  {}: {} {}{}{}\n", c.scope, c.field, c.beforeText,
                         c.beforeText.empty() || c.afterText.empty() ? "" : " ", c.afterText);
    } else if (c.scope.rfind("alarm ", 0) == 0 && (c.beforeText.empty() || c.afterText.empty())) {
      // An alarm added or removed reads as the line of the `alarms` block.
      out += fmt::format("  {} {} = {}\n", c.beforeText.empty() ? "added" : "removed", c.scope,
                         c.beforeText.empty() ? c.afterText : c.beforeText);
    } else {
      out += fmt::format("  {}: {} {} -> {}\n", c.scope, c.field, c.beforeText.empty() ? "(none)" : c.beforeText,
                         c.afterText.empty() ? "(none)" : c.afterText);
    }
  }
  return out;
}

std::string renderDiffJson(const std::vector<PlanChange>& changes) {
  llvm::json::Array list;
  for (const PlanChange& c : changes)
    list.push_back(llvm::json::Object{{"pipeline", c.pipeline},
                                      {"scope", c.scope},
                                      {"field", c.field},
                                      {"before", c.before ? *c.before : Value(nullptr)},
                                      {"after", c.after ? *c.after : Value(nullptr)},
                                      {"before_text", c.beforeText.empty() ? Value(nullptr) : Value(c.beforeText)},
                                      {"after_text", c.afterText.empty() ? Value(nullptr) : Value(c.afterText)}});
  std::string text;
  llvm::raw_string_ostream out(text);
  out << llvm::formatv("{0:2}", Value(llvm::json::Object{{"changes", std::move(list)}}));
  out.flush();
  return text + "\n";
}

}  // namespace pipelang::plan
