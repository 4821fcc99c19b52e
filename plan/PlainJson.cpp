#include "plan/PlainJson.h"

#include <cstdlib>
#include <cstring>

namespace pipelang::planformat {
namespace {

namespace json = llvm::json;

// Follows llvm::json's Parser step by step (whitespace, literals, strings,
// numbers, arrays, objects with keys inserted in order), and gives up where
// it would have to know more than the plain subset.
class PlainParser {
 public:
  PlainParser(llvm::StringRef text, const std::vector<std::uint32_t>& arraySizes)
      : p_(text.begin()), end_(text.end()), sizes_(arraySizes) {}

  bool document(json::Value& out) {
    if (!value(out)) return false;
    space();
    return p_ == end_;
  }

 private:
  void space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool value(json::Value& out) {
    space();
    if (p_ == end_) return false;
    switch (*p_) {
      case 'n':
        out = nullptr;
        return literal("null");
      case 't':
        out = true;
        return literal("true");
      case 'f':
        out = false;
        return literal("false");
      case '"': {
        std::string text;
        if (!string(text)) return false;
        out = std::move(text);
        return true;
      }
      case '[':
        return array(out);
      case '{':
        return object(out);
      default:
        return number(out);
    }
  }

  bool literal(llvm::StringRef word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
    p_ += word.size();
    return true;
  }

  // After the opening quote; escapes other than \u as llvm::json reads them.
  bool string(std::string& out) {
    ++p_;
    const char* run = p_;  // start of the characters copied as they are
    while (p_ != end_) {
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(run, p_);
        ++p_;
        return true;
      }
      if (c < 0x20) return false;  // a control character: llvm::json's error
      if (c != '\\') {
        ++p_;
        continue;
      }
      out.append(run, p_);
      if (++p_ == end_) return false;
      switch (*p_) {
        case '"':
        case '\\':
        case '/':
          out += *p_;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        default:
          return false;  // \u (surrogates...) and invalid escapes
      }
      run = ++p_;
    }
    return false;
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }
  static bool numberChar(char c) { return digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'; }

  // llvm::json takes every character that may be part of a number, then an
  // int64 if strtoll reads it whole, else a double from strtod. Here: an
  // integer of up to 18 digits (always an int64), or JSON's decimal form
  // with a fraction or an exponent (never read whole by strtoll or strtoull),
  // through the same strtod.
  bool number(json::Value& out) {
    const char* start = p_;
    while (p_ != end_ && numberChar(*p_)) ++p_;
    size_t size = static_cast<size_t>(p_ - start);
    size_t i = size > 0 && start[0] == '-' ? 1 : 0;
    size_t first = i;
    while (i < size && digit(start[i])) ++i;
    size_t digits = i - first;
    if (digits == 0) return false;
    if (i == size) {
      if (digits > 18) return false;
      std::int64_t integer = 0;
      for (size_t k = first; k < size; ++k) integer = integer * 10 + (start[k] - '0');
      out = first == 1 ? -integer : integer;
      return true;
    }
    if (start[i] == '.') {
      size_t from = ++i;
      while (i < size && digit(start[i])) ++i;
      if (i == from) return false;
    }
    if (i < size && (start[i] == 'e' || start[i] == 'E')) {
      ++i;
      if (i < size && (start[i] == '+' || start[i] == '-')) ++i;
      size_t from = i;
      while (i < size && digit(start[i])) ++i;
      if (i == from) return false;
    }
    char text[64];
    if (i != size || size >= sizeof text) return false;
    std::memcpy(text, start, size);
    text[size] = '\0';
    char* end = nullptr;
    double value = std::strtod(text, &end);
    if (end != text + size) return false;
    out = value;
    return true;
  }

  bool array(json::Value& out) {
    ++p_;
    out = json::Array();
    json::Array& elements = *out.getAsArray();
    if (nextArray_ < sizes_.size()) elements.reserve(sizes_[nextArray_]);
    ++nextArray_;
    space();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      elements.emplace_back(nullptr);
      if (!value(elements.back())) return false;
      space();
      if (p_ == end_) return false;
      char c = *p_++;
      if (c == ']') return true;
      if (c != ',') return false;
    }
  }

  bool object(json::Value& out) {
    ++p_;
    out = json::Object();
    json::Object& members = *out.getAsObject();
    space();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      space();
      if (p_ == end_ || *p_ != '"') return false;
      std::string key;
      if (!string(key)) return false;
      space();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      // llvm::json inserts each key as it meets it (the same table, so the
      // same order when iterated); a repeated key is left to its rules.
      auto [member, added] = members.try_emplace(json::ObjectKey(std::move(key)), nullptr);
      if (!added || !value(member->second)) return false;
      space();
      if (p_ == end_) return false;
      char c = *p_++;
      if (c == '}') return true;
      if (c != ',') return false;
    }
  }

  const char* p_;
  const char* end_;
  const std::vector<std::uint32_t>& sizes_;
  size_t nextArray_ = 0;
};

}  // namespace

std::optional<llvm::json::Value> parsePlainJson(llvm::StringRef text, const std::vector<std::uint32_t>& arraySizes) {
  if (!json::isUTF8(text)) return std::nullopt;  // llvm::json checks the whole text first
  json::Value value = nullptr;
  PlainParser parser(text, arraySizes);
  if (!parser.document(value)) return std::nullopt;
  return value;
}

}  // namespace pipelang::planformat
