#include "compiler/util/Spelling.h"

#include <algorithm>
#include <numeric>

namespace pipelang {

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closestSpelling(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t bestDistance = std::max<size_t>(1, (word.size() + 2) / 3);  // up to a third of the word
  for (const std::string& candidate : candidates) {
    size_t distance = editDistance(word, candidate);
    if (distance > 0 && distance <= bestDistance && (!best || distance < bestDistance || candidate < *best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

}  // namespace pipelang
