// Runs the real piperun binary in a scratch directory holding the test deploy
// and metric scripts; every run is bounded in time and killed if it overstays.
#pragma once

#include <llvm/Support/JSON.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pipelang::runtime::testing {

struct ProcessResult {
  int exitCode = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
};

class Sandbox {
 public:
  Sandbox();
  ~Sandbox();
  const std::filesystem::path& dir() const { return dir_; }
  std::string plan(const std::string& name) const;  // path of a plan fixture
  std::string db() const { return (dir_ / "state.db").string(); }
  // Runs piperun with args; `env` is added to the environment.
  ProcessResult piperun(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                        int timeoutS = 60) const;
  // Starts piperun without waiting; returns its pid.
  int start(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) const;
  // Start piperun as a careless parent would: SIGCHLD ignored, SIGTERM and
  // SIGINT blocked (what piperun must undo before it runs anything).
  bool carelessParent = false;
  static ProcessResult wait(int pid, int timeoutS);
  // Whether a started process's standard output has shown `text` within timeoutS seconds.
  static bool waitForOutput(int pid, const std::string& text, int timeoutS);
  std::vector<std::string> deployLog() const;
  std::string read(const std::string& relative) const;
  // The file's text once it has any, polled every 25 ms; empty after timeoutS
  // seconds (e.g. "deploy.pid", which the test deploy command writes).
  std::string waitForText(const std::string& relative, int timeoutS = 10) const;
  void write(const std::string& relative, const std::string& text) const;
  llvm::json::Value status() const;

 private:
  static std::map<int, std::string>& pending_();  // pid -> capture file
  std::filesystem::path dir_;
};

}  // namespace pipelang::runtime::testing
