// Decoding and validation of literal tokens (language.md §1). The lexer is
// deliberately lenient (`12x` lexes as a duration-like word) so that
// malformed literals get a precise P003 message from here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pipelang {

template <typename T>
struct LiteralResult {
  T value{};
  std::string error;  // empty when valid; otherwise a message for P003
  bool ok() const { return error.empty(); }
};

LiteralResult<int64_t> parseInteger(std::string_view text);
LiteralResult<double> parseNumber(std::string_view text);
// "33%" -> 0.33
LiteralResult<double> parsePercent(std::string_view text);
// "1h30m" -> 5400000; units ms s m h d, largest first, each at most once.
LiteralResult<int64_t> parseDurationMillis(std::string_view text);
// "09:00" -> 540; HH:MM, two digits each, 00:00..24:00.
LiteralResult<int> parseTimeOfDay(std::string_view text);
// The text between the quotes with escapes \" \\ \n \t decoded.
LiteralResult<std::string> unescapeString(std::string_view quoted);

// Canonical spellings, used by the formatter, `pipec show` and messages.
std::string formatDuration(int64_t millis);
std::string formatPercent(double fraction);
std::string formatTimeOfDay(int minutes);
std::string quoteString(std::string_view value);

}  // namespace pipelang
