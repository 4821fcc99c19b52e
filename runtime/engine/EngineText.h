// Wording shared by the engine's files: host lists and counted nouns in
// timeline messages ("deploying 3 hosts (h1, h2 .. h9)").
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

namespace pipelang::runtime {

// "h1, h2, h3", or "h1, h2 .. h9" for more than three hosts.
inline std::string hostList(const std::vector<std::string>& hosts) {
  if (hosts.size() <= 3) return fmt::format("{}", fmt::join(hosts, ", "));
  return fmt::format("{}, {} .. {}", hosts[0], hosts[1], hosts.back());
}

// "1 host", "3 hosts".
inline std::string plural(size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace pipelang::runtime
