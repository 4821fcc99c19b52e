#include "plan/PlanDigest.h"
#include "plan/Sha256.h"

#include <llvm/ADT/STLExtras.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

namespace pipelang::planformat {

std::string canonicalBytesReference(const llvm::json::Value& plan) {
  std::string bytes;
  llvm::raw_string_ostream out(bytes);
  out.SetBuffered();  // raw_string_ostream is unbuffered: every quoted character would be a call
  llvm::json::OStream json(out);
  const llvm::json::Object* object = plan.getAsObject();
  if (!object) {
    json.value(plan);
  } else {
    // llvm::json prints object keys sorted and numbers as %.17g; the top level
    // is written here by hand only to blank "digest" without copying the plan.
    // A plan without "digest" is hashed as if it had an empty one.
    std::vector<std::pair<llvm::StringRef, const llvm::json::Value*>> entries;
    for (const auto& entry : *object)
      if (entry.first != "digest") entries.emplace_back(entry.first, &entry.second);
    entries.emplace_back("digest", nullptr);
    llvm::sort(entries, [](const auto& a, const auto& b) { return a.first < b.first; });
    json.object([&] {
      for (const auto& [key, value] : entries) {
        if (value)
          json.attribute(key, *value);
        else
          json.attribute(key, "");
      }
    });
  }
  out.flush();
  return bytes;
}

void appendJsonString(std::string& out, llvm::StringRef text) {
  out += '"';
  size_t plain = 0;  // start of the run of characters copied as they are
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    out += '\\';
    switch (c) {
      case '"':
      case '\\':
        out += static_cast<char>(c);
        break;
      case '\t':
        out += 't';
        break;
      case '\n':
        out += 'n';
        break;
      case '\r':
        out += 'r';
        break;
      default: {
        static const char* hex = "0123456789abcdef";
        out += "u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

namespace {

// llvm::json::OStream's compact output, written straight into a string: keys
// sorted bytewise, strings escaped like llvm::json (`"` and `\\`, \t \n \r,
// other control characters as \u00XX), numbers as llvm::json prints them.
// A third of the digest's cost went to the stream's per-value bookkeeping
// and per-object sorted copies (issue 18).
class CanonicalWriter {
 public:
  explicit CanonicalWriter(std::string& out, JsonDoubles doubles = JsonDoubles::AsLlvm)
      : out_(out), doubles_(doubles) {}

  void value(const llvm::json::Value& v) {
    switch (v.kind()) {
      case llvm::json::Value::Null:
        out_ += "null";
        return;
      case llvm::json::Value::Boolean:
        out_ += *v.getAsBoolean() ? "true" : "false";
        return;
      case llvm::json::Value::Number:
        number(v);
        return;
      case llvm::json::Value::String:
        string(*v.getAsString());
        return;
      case llvm::json::Value::Array: {
        out_ += '[';
        bool first = true;
        for (const llvm::json::Value& element : *v.getAsArray()) {
          if (!first) out_ += ',';
          first = false;
          value(element);
        }
        out_ += ']';
        return;
      }
      case llvm::json::Value::Object:
        object(*v.getAsObject(), nullptr);
        return;
    }
  }

  // `blank`: a key written as "" whatever its value (or absence).
  void object(const llvm::json::Object& object, const char* blank) {
    std::vector<std::pair<llvm::StringRef, const llvm::json::Value*>> entries;
    entries.reserve(object.size() + 1);
    for (const auto& entry : object)
      if (!blank || entry.first != blank) entries.emplace_back(entry.first, &entry.second);
    if (blank) entries.emplace_back(blank, nullptr);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out_ += '{';
    bool first = true;
    for (const auto& [key, value] : entries) {
      if (!first) out_ += ',';
      first = false;
      string(key);
      out_ += ':';
      if (value)
        this->value(*value);
      else
        out_ += "\"\"";
    }
    out_ += '}';
  }

 private:
  void string(llvm::StringRef text) { appendJsonString(out_, text); }

  // llvm::json prints integers with operator<< and doubles with
  // format("%.17g"), i.e. snprintf. The two agree on every integral value
  // below 1e17 except -0; integral values from 1e17 on go through llvm::json
  // itself, which alone knows whether it holds them as integer or double.
  void number(const llvm::json::Value& v) {
    double d = *v.getAsNumber();
    llvm::Optional<int64_t> integer = v.getAsInteger();
    bool negativeZero = d == 0 && std::signbit(d);
    if (integer && *integer > -100'000'000'000'000'000 && *integer < 100'000'000'000'000'000 && !negativeZero) {
      char digits[24];
      auto [end, error] = std::to_chars(digits, digits + sizeof digits, *integer);
      out_.append(digits, end);
      return;
    }
    // An unsigned integer past int64 is held as one too; the digest's form
    // keeps writing it through %.17g, as it always has.
    bool shortest = doubles_ == JsonDoubles::Shortest;
    if ((!integer && !(shortest && v.getAsUINT64())) || negativeZero) return notIntegral(d);
    std::string text;
    llvm::raw_string_ostream stream(text);
    llvm::json::OStream(stream).value(v);
    stream.flush();
    if (shortest && text.find_first_of(".eE") != std::string::npos) return notIntegral(d);  // held as a double
    out_ += text;
  }

  void notIntegral(double d) {
    if (doubles_ == JsonDoubles::AsLlvm) {
      char digits[32];
      int length = std::snprintf(digits, sizeof digits, "%.*g", std::numeric_limits<double>::max_digits10, d);
      out_.append(digits, static_cast<size_t>(std::max(0, length)));
    } else if (!std::isfinite(d)) {
      out_ += "null";  // JSON has no NaN or infinity
    } else {
      char digits[32];
      auto [end, error] = std::to_chars(digits, digits + sizeof digits, d);
      out_.append(digits, end);
    }
  }

  std::string& out_;
  JsonDoubles doubles_;
};

}  // namespace

std::string canonicalBytes(const llvm::json::Value& plan) {
  std::string bytes;
  CanonicalWriter writer(bytes);
  // A plan without "digest" is hashed as if it had an empty one.
  if (const llvm::json::Object* object = plan.getAsObject())
    writer.object(*object, "digest");
  else
    writer.value(plan);
  return bytes;
}

void appendCompactJson(std::string& out, const llvm::json::Value& value, JsonDoubles doubles) {
  CanonicalWriter(out, doubles).value(value);
}

std::string computeDigest(const llvm::json::Value& plan) {
  return sha256Hex(canonicalBytes(plan));
}

}  // namespace pipelang::planformat
