#include "compiler/format/UnifiedDiff.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace pipelang {

namespace {

constexpr size_t kContext = 3;

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) end = text.size() - 1;
    lines.push_back(text.substr(0, end + 1));
    text.remove_prefix(end + 1);
  }
  return lines;
}

enum class Op { Keep, Remove, Add };
struct Edit {
  Op op;
  size_t oldLine, newLine;  // 0-based indices into each side
};

// Longest common subsequence by dynamic programming: .pipe files are small.
// Beyond a size limit the whole file is one hunk, which is still a valid diff.
std::vector<Edit> editScript(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::vector<Edit> edits;
  size_t n = a.size(), m = b.size();
  if (n * m > 16'000'000) {
    for (size_t i = 0; i < n; ++i) edits.push_back({Op::Remove, i, 0});
    for (size_t j = 0; j < m; ++j) edits.push_back({Op::Add, n, j});
    return edits;
  }
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) edits.push_back({Op::Keep, i++, j++});
    else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) edits.push_back({Op::Remove, i++, j});
    else edits.push_back({Op::Add, i, j++});
  }
  return edits;
}

std::string lineOf(std::string_view line) {
  std::string result(line);
  if (result.empty() || result.back() != '\n') result += "\n\\ No newline at end of file\n";
  return result;
}

}  // namespace

std::string unifiedDiff(std::string_view before, std::string_view after, std::string_view oldName,
                        std::string_view newName) {
  if (before == after) return "";
  std::vector<std::string_view> a = splitLines(before), b = splitLines(after);
  std::vector<Edit> edits = editScript(a, b);
  std::string out = fmt::format("--- {}\n+++ {}\n", oldName, newName);
  size_t k = 0;
  while (k < edits.size()) {
    while (k < edits.size() && edits[k].op == Op::Keep) ++k;
    if (k == edits.size()) break;
    // A hunk: from kContext lines before this change to kContext lines after
    // the last change that is closer than 2 * kContext to the previous one.
    size_t start = k >= kContext ? k - kContext : 0;
    while (start < k && edits[start].op != Op::Keep) ++start;
    size_t end = k;
    size_t keepsInARow = 0;
    for (size_t e = k; e < edits.size(); ++e) {
      if (edits[e].op == Op::Keep) {
        if (++keepsInARow > 2 * kContext) break;
      } else {
        keepsInARow = 0;
        end = e + 1;
      }
    }
    size_t stop = std::min(edits.size(), end + kContext);
    size_t oldCount = 0, newCount = 0;
    for (size_t e = start; e < stop; ++e) {
      if (edits[e].op != Op::Add) ++oldCount;
      if (edits[e].op != Op::Remove) ++newCount;
    }
    size_t oldStart = edits[start].oldLine + (oldCount ? 1 : 0);
    size_t newStart = edits[start].newLine + (newCount ? 1 : 0);
    out += fmt::format("@@ -{},{} +{},{} @@\n", oldStart, oldCount, newStart, newCount);
    for (size_t e = start; e < stop; ++e) {
      const Edit& edit = edits[e];
      if (edit.op == Op::Keep) out += " " + lineOf(a[edit.oldLine]);
      else if (edit.op == Op::Remove) out += "-" + lineOf(a[edit.oldLine]);
      else out += "+" + lineOf(b[edit.newLine]);
    }
    k = stop;
  }
  return out;
}

}  // namespace pipelang
