// "Did you mean" suggestions by edit distance.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipelang {

size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if close enough to be a plausible typo.
std::optional<std::string> closestSpelling(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace pipelang
