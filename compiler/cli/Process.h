// Running a helper program (git, tar, dot) without a shell: every argument
// is one argv entry, so nothing from a plan or a person is ever shell text.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pipelang::cli {

// Runs argv[0] (found on PATH) and returns its standard output without
// trailing newlines; nullopt when it cannot start or exits non-zero.
// `quiet` sends its standard error to /dev/null.
std::optional<std::string> captureOutput(const std::vector<std::string>& argv, bool quiet = false);

// True when `program` is an executable on PATH.
bool onPath(const std::string& program);

}  // namespace pipelang::cli
