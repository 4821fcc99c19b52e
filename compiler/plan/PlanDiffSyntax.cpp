#include "compiler/plan/PlanDiffSyntax.h"

#include <fmt/format.h>
#include <llvm/Support/raw_ostream.h>

#include <cmath>

namespace pipelang::plan {
namespace {

using llvm::json::Object;
using llvm::json::Value;

std::string compactJson(const Value& value) {
  std::string text;
  llvm::raw_string_ostream out(text);
  out << value;
  out.flush();
  return text;
}

// Shortest text that reads back as the same number (no trailing zeros).
std::string number(double value) {
  return fmt::format("{}", value);
}

// Binding strength: `or` binds loosest, then `and`, then `not` and atoms.
int strength(const Object& expression) {
  auto op = expression.getString("op").getValueOr("");
  if (op == "or") return 1;
  if (op == "and") return 2;
  return 3;
}

std::string expression(const Value& value, const Object* metrics);

// An operand in parentheses when it binds looser than its context (`or` in `and`, either in `not`).
std::string operand(const Value& value, const Object* metrics, int context) {
  const Object* object = value.getAsObject();
  std::string text = expression(value, metrics);
  if (object && strength(*object) < context) return "(" + text + ")";
  return text;
}

std::string expression(const Value& value, const Object* metrics) {
  const Object* object = value.getAsObject();
  if (!object) return compactJson(value);
  std::string op = object->getString("op").getValueOr("").str();
  if (op.empty() && object->getString("metric") && object->getString("cmp") && object->getNumber("value")) {
    std::string metric = object->getString("metric")->str();  // a `min_traffic` condition
    return metric + " " + object->getString("cmp")->str() + " " +
           pipeValue(*object->getNumber("value"), metric, metrics);
  }
  if (op == "cond") {
    std::string metric = object->getString("metric").getValueOr("").str();
    std::string text = metric + " " + object->getString("cmp").getValueOr("?").str() + " " +
                       pipeValue(object->getNumber("value").getValueOr(0), metric, metrics);
    auto m = object->getInteger("m"), n = object->getInteger("n");
    auto period = object->getNumber("period_s");
    if (m && n) text += fmt::format(" for {} of {}", *m, *n);
    if (period) text += " every " + pipeDuration(*period);
    return text;
  }
  if (op == "ref") return object->getString("alarm").getValueOr("?").str();
  if (op == "external") return "external(\"" + object->getString("name").getValueOr("").str() + "\")";
  if (op == "not") {
    const Value* arg = object->get("arg");
    return "not " + (arg ? operand(*arg, metrics, 3) : std::string("?"));
  }
  if (op == "or" || op == "and") {
    std::string text;
    int own = op == "or" ? 1 : 2;
    if (const auto* args = object->getArray("args"))
      for (const Value& arg : *args) text += (text.empty() ? "" : " " + op + " ") + operand(arg, metrics, own);
    return text;
  }
  return compactJson(value);
}

}  // namespace

std::string pipeDuration(double seconds) {
  // Negative, non-finite or absurd values (not from pipec) print as they are.
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e15) return number(seconds) + "s";
  if (seconds == 0) return "0s";
  double whole = std::floor(seconds);
  if (seconds != whole) {
    double ms = std::round(seconds * 1000);
    if (seconds < 1 && std::fabs(ms - seconds * 1000) < 1e-6) return number(ms) + "ms";
    return number(seconds) + "s";
  }
  auto rest = static_cast<long long>(whole);
  std::string text;
  for (auto [unit, size] : {std::pair{"d", 86400LL}, {"h", 3600LL}, {"m", 60LL}, {"s", 1LL}})
    if (rest >= size) {
      text += std::to_string(rest / size) + unit;
      rest %= size;
    }
  return text;
}

std::string pipeValue(double value, const std::string& metric, const llvm::json::Object* metrics) {
  const Object* definition = metrics ? metrics->getObject(metric) : nullptr;
  std::string unit = definition ? definition->getString("unit").getValueOr("").str() : "";
  if (unit == "percent") return fmt::format("{:.10g}%", value * 100);
  if (unit == "duration") return pipeDuration(value);
  return number(value);
}

std::string pipeExpression(const llvm::json::Value& value, const llvm::json::Object* metrics) {
  if (const auto* list = value.getAsArray()) {
    std::string text;
    for (const Value& item : *list) {
      auto name = item.getAsString();
      text += (text.empty() ? "" : ", ") + (name ? name->str() : expression(item, metrics));
    }
    return "[" + text + "]";
  }
  return expression(value, metrics);
}

namespace {

std::string quoted(llvm::StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string names(const Value* list, bool quote) {
  std::string text;
  if (const auto* array = list ? list->getAsArray() : nullptr)
    for (const Value& item : *array)
      if (auto name = item.getAsString()) text += (text.empty() ? "" : ", ") + (quote ? quoted(*name) : name->str());
  return "[" + text + "]";
}

// One `allow NAME { ... }` or `deny NAME { ... }` rule.
std::string rule(const char* kind, const Object& entry) {
  std::string text = std::string(kind) + " " + entry.getString("name").getValueOr("").str() + " {";
  if (const Value* days = entry.get("days"); days && days->getAsArray()) text += " days = " + names(days, false) + " ";
  if (const Object* hours = entry.getObject("hours"))
    text += " hours = " + hours->getString("from").getValueOr("").str() + ".." +
            hours->getString("to").getValueOr("").str() + " ";
  if (const auto* dates = entry.getArray("dates")) {
    std::string list;
    for (const Value& item : *dates)
      if (const Object* range = item.getAsObject())
        list += (list.empty() ? "" : ", ") + quoted(range->getString("from").getValueOr("")) + ".." +
                quoted(range->getString("to").getValueOr(""));
    text += " dates = [" + list + "] ";
  }
  return text + "}";
}

}  // namespace

std::string pipeWindows(const llvm::json::Value& windows) {
  const Object* object = windows.getAsObject();
  if (!object) return windows.kind() == Value::Null ? "none" : compactJson(windows);
  std::string text = "windows {";
  if (auto zone = object->getString("timezone")) text += " timezone = " + quoted(*zone) + " ";
  for (const char* kind : {"allow", "deny"})
    if (const auto* list = object->getArray(kind))
      for (const Value& item : *list)
        if (const Object* entry = item.getAsObject()) text += " " + rule(kind, *entry) + " ";
  if (auto bake = object->getNumber("off_hours_bake")) text += fmt::format(" off_hours_bake = {:.10g}% ", *bake * 100);
  return text + "}";
}

std::string pipeEmergency(const llvm::json::Value& emergency) {
  const Object* object = emergency.getAsObject();
  if (!object) return emergency.kind() == Value::Null ? "none" : compactJson(emergency);
  std::string text = "emergency {";
  if (const Value* approvers = object->get("approvers")) text += " approvers = " + names(approvers, true) + " ";
  if (auto bake = object->getNumber("bake")) text += fmt::format(" bake = {:.10g}% ", *bake * 100);
  if (auto minBake = object->getNumber("min_bake_s")) text += " min_bake = " + pipeDuration(*minBake) + " ";
  return text + "}";
}

std::string pipeNotify(const llvm::json::Value& target) {
  const Object* object = target.getAsObject();
  if (!object) return target.kind() == Value::Null ? "none" : compactJson(target);
  std::string text = "notify " + object->getString("name").getValueOr("").str() + " {";
  const Value* events = object->get("events");
  text += " events = " + names(events, false) + " ";
  bool blocked = false;
  if (const auto* list = events ? events->getAsArray() : nullptr)
    for (const Value& item : *list)
      blocked = blocked || item.getAsString() == llvm::Optional<llvm::StringRef>("blocked");
  if (auto after = object->getNumber("blocked_after_s"); after && (blocked || *after != 1800))
    text += " blocked_after = " + pipeDuration(*after) + " ";
  for (const char* channel : {"webhook", "run"})
    if (auto value = object->getString(channel)) text += " " + std::string(channel) + " = " + quoted(*value) + " ";
  return text + "}";
}

}  // namespace pipelang::plan
