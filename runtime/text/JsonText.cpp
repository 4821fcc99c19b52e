#include "runtime/text/JsonText.h"

#include "plan/PlanDigest.h"

#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace pipelang::runtime {
namespace {

namespace json = llvm::json;

void appendNumber(std::string& out, const json::Value& value) {
  double d = *value.getAsNumber();
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  // Integers, and integral doubles below 1e17 (which %.17g wrote as digits too),
  // keep llvm's text: only llvm knows whether it holds a large integral value as
  // an integer or as a double, and its digits or exponent tell.
  llvm::Optional<std::int64_t> integer = value.getAsInteger();
  bool negativeZero = d == 0 && std::signbit(d);
  if (integer && !negativeZero && *integer > -100'000'000'000'000'000 && *integer < 100'000'000'000'000'000) {
    char digits[24];
    auto result = std::to_chars(digits, digits + sizeof digits, *integer);
    out.append(digits, result.ptr);
    return;
  }
  if (integer || value.getAsUINT64()) {
    std::string text;
    llvm::raw_string_ostream stream(text);
    stream << value;
    stream.flush();
    if (text.find_first_of(".eE") == std::string::npos && text != "-0") {
      out += text;  // held as an integer
      return;
    }
  }
  char digits[64];
  auto result = std::to_chars(digits, digits + sizeof digits, d);
  out.append(digits, result.ptr);
}

void append(std::string& out, const json::Value& value) {
  switch (value.kind()) {
    case json::Value::Null:
      out += "null";
      return;
    case json::Value::Boolean:
      out += *value.getAsBoolean() ? "true" : "false";
      return;
    case json::Value::Number:
      appendNumber(out, value);
      return;
    case json::Value::String:
      planformat::appendJsonString(out, *value.getAsString());
      return;
    case json::Value::Array: {
      out += '[';
      bool first = true;
      for (const json::Value& element : *value.getAsArray()) {
        if (!first) out += ',';
        first = false;
        append(out, element);
      }
      out += ']';
      return;
    }
    case json::Value::Object: {
      // llvm sorts an object's members by key when it prints them.
      const json::Object& object = *value.getAsObject();
      std::vector<const json::Object::value_type*> members;
      members.reserve(object.size());
      for (const auto& member : object) members.push_back(&member);
      std::sort(members.begin(), members.end(),
                [](const auto* a, const auto* b) { return llvm::StringRef(a->first) < llvm::StringRef(b->first); });
      out += '{';
      bool first = true;
      for (const auto* member : members) {
        if (!first) out += ',';
        first = false;
        planformat::appendJsonString(out, member->first);
        out += ':';
        append(out, member->second);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

void appendJsonText(std::string& out, const json::Value& value) {
  append(out, value);
}

std::string jsonText(const json::Value& value) {
  std::string out;
  append(out, value);
  return out;
}

}  // namespace pipelang::runtime
