// `pipec explain CODE`: the text of compiler/diag/explanations/CODE.md.
#pragma once

#include <string_view>
#include <vector>

namespace pipelang {

struct Explanation {
  std::string_view code;
  std::string_view text;
};

const std::vector<Explanation>& explanations();  // generated at build time

inline const Explanation* findExplanation(std::string_view code) {
  for (const Explanation& e : explanations())
    if (e.code == code) return &e;
  return nullptr;
}

}  // namespace pipelang
