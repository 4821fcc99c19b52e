// pipec run as a user runs it: a real process started from a folder, bounded
// by `timeout` (30 s unless told), with its exit status and what it printed on stdout and
// stderr. PIPEC_PATH comes from tests/compiler/CMakeLists.txt.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace pipelang::testing {

struct PipecOutcome {
  int status = -1;  // the exit status; -1 when pipec did not exit (killed)
  std::string out, err;
};

// How many times WHAT occurs in TEXT, not overlapping.
inline size_t countOf(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
  return count;
}

inline std::string slurpFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// COMMAND (a shell command line; tests pass fixed text) run in FROM under
// `timeout TIMEOUT_S`, after ENV (assignments such as "HOME='/x' ", or empty);
// its output goes through out.txt and err.txt in SCRATCH.
inline PipecOutcome runCommand(const std::filesystem::path& from, const std::string& command,
                               const std::filesystem::path& scratch, int timeoutS = 30, const std::string& env = "") {
  std::string line = "cd '" + from.string() + "' && " + env + "timeout " + std::to_string(timeoutS) + " " + command +
                     " >'" + (scratch / "out.txt").string() + "' 2>'" + (scratch / "err.txt").string() + "'";
  int raw = std::system(line.c_str());
  PipecOutcome run;
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = slurpFile(scratch / "out.txt");
  run.err = slurpFile(scratch / "err.txt");
  return run;
}

// `pipec ARGS` (ARGS as a shell would split them; tests pass fixed text) run
// in FROM, as runCommand.
inline PipecOutcome runPipec(const std::filesystem::path& from, const std::string& args,
                             const std::filesystem::path& scratch, int timeoutS = 30) {
  return runCommand(from, std::string("'") + PIPEC_PATH + "' " + args, scratch, timeoutS);
}

}  // namespace pipelang::testing
