#include "runtime/metrics/ReadingRule.h"

#include <fmt/format.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/ADT/StringRef.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace pipelang::runtime {

namespace {

// Printable and short: a metric command's output lands in the timeline.
std::string excerpt(llvm::StringRef text) {
  std::string out;
  for (char c : text.take_front(40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return text.size() > 40 ? out + "..." : out;
}

}  // namespace

bool isDecimalNumber(llvm::StringRef text) {
  return !text.empty() && text.find_first_not_of("0123456789.+-eE") == llvm::StringRef::npos;
}

MetricReading applyReadingRule(MetricReading reading) {
  if (!reading.error.empty()) {
    reading.value.reset();
    return reading;
  }
  if (!reading.value) {
    reading.error = "no data";
  } else if (!std::isfinite(*reading.value)) {
    reading.error = fmt::format("not a finite number ({})", *reading.value);
    reading.value.reset();
  }
  return reading;
}

std::optional<double> parseOneNumber(const std::string& output, std::string& error) {
  llvm::SmallVector<llvm::StringRef, 4> words;
  llvm::StringRef(output).split(words, ' ', -1, false);
  llvm::SmallVector<llvm::StringRef, 4> tokens;
  for (llvm::StringRef word : words) {
    llvm::SmallVector<llvm::StringRef, 4> parts;
    word.split(parts, '\n', -1, false);
    for (llvm::StringRef part : parts)
      if (!part.trim().empty()) tokens.push_back(part.trim());
  }
  if (tokens.empty()) {
    error = "printed nothing: no data";
    return std::nullopt;
  }
  if (tokens.size() > 1) {
    error = fmt::format("printed {} words ('{}'); a metric command prints exactly one number", tokens.size(),
                        excerpt(llvm::StringRef(output).trim()));
    return std::nullopt;
  }
  std::string text = tokens.front().str();
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') {
    error = fmt::format("not a number: '{}'", excerpt(text));
    return std::nullopt;
  }
  if (!std::isfinite(value)) {
    error = fmt::format("not a finite number: '{}'", excerpt(text));
    return std::nullopt;
  }
  if (!isDecimalNumber(text)) {  // strtod also reads hex ("0x10" = 16): not what a metric prints
    error = fmt::format("not a decimal number: '{}'", excerpt(text));
    return std::nullopt;
  }
  return value;
}

}  // namespace pipelang::runtime
