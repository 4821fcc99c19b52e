// A unified diff of two texts (`pipec fmt --diff`), three lines of context.
#pragma once

#include <string>
#include <string_view>

namespace pipelang {

// Empty when the texts are equal.
std::string unifiedDiff(std::string_view before, std::string_view after, std::string_view oldName,
                        std::string_view newName);

}  // namespace pipelang
