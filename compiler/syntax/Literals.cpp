#include "compiler/syntax/Literals.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace pipelang {

namespace {
constexpr int64_t kMaxInteger = 1'000'000'000'000'000;  // far beyond any real count

bool allDigits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}
}  // namespace

LiteralResult<int64_t> parseInteger(std::string_view text) {
  if (!allDigits(text)) return {0, fmt::format("`{}` is not a whole number", text)};
  if (text.size() > 18) return {0, fmt::format("the number `{}` is too large", text)};
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > kMaxInteger) return {0, fmt::format("the number `{}` is too large", text)};
  return {value, ""};
}

LiteralResult<double> parseNumber(std::string_view text) {
  if (text.size() > 40) return {0, fmt::format("the number `{}` is too long", text)};
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return {0, fmt::format("`{}` is not a number", text)};
  return {value, ""};
}

LiteralResult<double> parsePercent(std::string_view text) {
  std::string_view digits = text.substr(0, text.size() - 1);
  LiteralResult<double> number = parseNumber(digits);
  if (!number.ok()) return {0, fmt::format("`{}` is not a percentage", text)};
  return {number.value / 100.0, ""};
}

LiteralResult<int64_t> parseDurationMillis(std::string_view text) {
  struct Unit {
    std::string_view name;
    int64_t millis;
  };
  static constexpr Unit units[] = {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000},
                                   {"s", 1'000}, {"ms", 1}};
  auto malformed = [&](std::string why) {
    return LiteralResult<int64_t>{0, fmt::format("malformed duration `{}`: {}", text, why)};
  };
  int64_t total = 0;
  int lastRank = -1;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return malformed("each unit needs a number before it, as in `1h30m`");
    std::string_view digits = text.substr(start, i - start);
    size_t unitStart = i;
    while (i < text.size() && !(text[i] >= '0' && text[i] <= '9')) ++i;
    std::string_view unit = text.substr(unitStart, i - unitStart);
    int rank = -1;
    for (int k = 0; k < 5; ++k)
      if (units[k].name == unit) rank = k;
    if (rank < 0)
      return malformed(fmt::format("unknown unit `{}`; use ms, s, m, h or d", unit));
    if (rank <= lastRank)
      return malformed("write units from largest to smallest, each once, as in `1h30m`");
    lastRank = rank;
    if (digits.size() > 9) return malformed("the number is too large");
    int64_t value = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    total += value * units[rank].millis;
  }
  if (total > 3650LL * 86'400'000) return malformed("longer than ten years");
  return {total, ""};
}

LiteralResult<int> parseTimeOfDay(std::string_view text) {
  size_t colon = text.find(':');
  std::string_view hh = text.substr(0, colon), mm = text.substr(colon + 1);
  if (hh.size() != 2 || mm.size() != 2)
    return {0, fmt::format("malformed time of day `{}`: write HH:MM with two digits each, as in `09:00`", text)};
  int hours = (hh[0] - '0') * 10 + (hh[1] - '0');
  int minutes = (mm[0] - '0') * 10 + (mm[1] - '0');
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0))
    return {0, fmt::format("malformed time of day `{}`: hours go from 00 to 23 and minutes from 00 to 59", text)};
  return {hours * 60 + minutes, ""};
}

LiteralResult<std::string> unescapeString(std::string_view quoted) {
  std::string_view inner = quoted.substr(1);
  if (!inner.empty() && inner.back() == '"') inner.remove_suffix(1);
  std::string value;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] != '\\') {
      value += inner[i];
      continue;
    }
    char next = i + 1 < inner.size() ? inner[i + 1] : '\0';
    switch (next) {
      case '"': value += '"'; break;
      case '\\': value += '\\'; break;
      case 'n': value += '\n'; break;
      case 't': value += '\t'; break;
      default:
        return {value, fmt::format("unknown escape `\\{}` in string; use `\\\"`, `\\\\`, `\\n` or `\\t`",
                                   std::string_view(&inner[i + 1], next ? 1 : 0))};
    }
    ++i;
  }
  return {value, ""};
}

std::string formatDuration(int64_t millis) {
  if (millis == 0) return "0s";
  static constexpr std::pair<const char*, int64_t> units[] = {
      {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  std::string out;
  for (auto [name, size] : units) {
    if (millis >= size) {
      out += fmt::format("{}{}", millis / size, name);
      millis %= size;
    }
  }
  return out;
}

std::string formatPercent(double fraction) {
  double percent = std::round(fraction * 100.0 * 1e6) / 1e6;
  return fmt::format("{}%", percent);
}

std::string formatTimeOfDay(int minutes) { return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60); }

std::string quoteString(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

}  // namespace pipelang
