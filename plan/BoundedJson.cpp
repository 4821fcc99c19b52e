#include "plan/BoundedJson.h"

#include "plan/PlainJson.h"

namespace pipelang::planformat {

llvm::Expected<llvm::json::Value> parseBoundedJson(llvm::StringRef text, unsigned maxDepth) {
  // The scan also counts each array's elements, so the parse reserves them (PlainJson.h).
  constexpr std::uint32_t kObject = UINT32_MAX;
  std::vector<std::uint32_t> arraySizes;  // by '[' in the order of the text
  std::vector<std::uint32_t> open;        // the arrays (their number) and objects open, innermost last
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth)
        return llvm::createStringError(llvm::inconvertibleErrorCode(), "JSON nests deeper than %u levels", maxDepth);
      if (c == '{') {
        open.push_back(kObject);
        continue;
      }
      size_t next = text.find_first_not_of(" \t\r\n", i + 1);
      open.push_back(static_cast<std::uint32_t>(arraySizes.size()));
      arraySizes.push_back(next < text.size() && text[next] == ']' ? 0 : 1);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
      open.pop_back();
    } else if (c == ',' && !open.empty() && open.back() != kObject) {
      ++arraySizes[open.back()];
    }
  }
  if (auto value = parsePlainJson(text, arraySizes)) return std::move(*value);
  return llvm::json::parse(text);
}

}  // namespace pipelang::planformat
