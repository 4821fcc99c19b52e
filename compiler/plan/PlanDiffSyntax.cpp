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

}  // namespace pipelang::plan
