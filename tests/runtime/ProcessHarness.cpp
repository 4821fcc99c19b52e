#include "ProcessHarness.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace pipelang::runtime::testing {
namespace fs = std::filesystem;

namespace {
std::mutex pendingMutex;  // crash points run in parallel threads

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}
}  // namespace

Sandbox::Sandbox() {
  std::string pattern = (fs::temp_directory_path() / "piperun-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  for (const char* script : {"deploy.sh", "metric.sh"})
    fs::copy_file(fs::path(PIPE_RUNTIME_FIXTURES) / "fixtures" / script, dir_ / script);
}

Sandbox::~Sandbox() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string Sandbox::plan(const std::string& name) const {
  return (fs::path(PIPE_RUNTIME_FIXTURES) / "plans" / (name + ".plan.json")).string();
}

int Sandbox::start(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) const {
  // Everything exec needs is built before fork: only async-signal-safe calls after it.
  std::vector<std::string> argStrings = {PIPERUN_BINARY};
  argStrings.insert(argStrings.end(), args.begin(), args.end());
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  merged.erase("PIPERUN_TEST_CRASH_AFTER_COMMITS");
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> envStrings;
  for (const auto& [k, v] : merged) envStrings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& s : argStrings) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : envStrings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string dir = dir_.string();
  static int counter = 0;
  std::string outPath = (dir_ / ("out-" + std::to_string(getpid()) + "-" + std::to_string(++counter))).string();
  std::string errPath = outPath + ".err";
  bool careless = carelessParent;
  pid_t pid = fork();
  if (pid == 0) {
    if (careless) {  // both are kept across execve
      signal(SIGCHLD, SIG_IGN);
      sigset_t stops;
      sigemptyset(&stops);
      sigaddset(&stops, SIGTERM);
      sigaddset(&stops, SIGINT);
      sigprocmask(SIG_BLOCK, &stops, nullptr);
    }
    if (chdir(dir.c_str()) != 0) _exit(126);
    int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    // Other test threads may hold files open for writing (a script being
    // copied): an inherited descriptor would make exec of it fail (ETXTBSY).
    closefrom(3);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  std::lock_guard<std::mutex> lock(pendingMutex);
  pending_()[pid] = outPath;
  return pid;
}

std::map<int, std::string>& Sandbox::pending_() {
  static std::map<int, std::string> paths;
  return paths;
}

bool Sandbox::waitForOutput(int pid, const std::string& text, int timeoutS) {
  std::string outPath;
  {
    std::lock_guard<std::mutex> lock(pendingMutex);
    outPath = pending_()[pid];
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutS);
  do {
    if (slurp(outPath).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

ProcessResult Sandbox::wait(int pid, int timeoutS) {
  ProcessResult result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutS);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.err = "test harness: killed after " + std::to_string(timeoutS) + "s\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status)) result.exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  std::string outPath;
  {
    std::lock_guard<std::mutex> lock(pendingMutex);
    outPath = pending_()[pid];
    pending_().erase(pid);
  }
  result.out = slurp(outPath);
  result.err += slurp(outPath + ".err");
  return result;
}

ProcessResult Sandbox::piperun(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                               int timeoutS) const {
  return wait(start(args, env), timeoutS);
}

std::vector<std::string> Sandbox::deployLog() const {
  std::vector<std::string> lines;
  std::ifstream in(dir_ / "deploy.log");
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Sandbox::read(const std::string& relative) const {
  std::ifstream in(dir_ / relative);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Sandbox::waitForText(const std::string& relative, int timeoutS) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutS);
  std::string text = read(relative);
  while (text.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    text = read(relative);
  }
  return text;
}

void Sandbox::write(const std::string& relative, const std::string& text) const {
  std::ofstream(dir_ / relative) << text;
}

llvm::json::Value Sandbox::status() const {
  ProcessResult result = piperun({"status", "--state", db(), "--format", "json"});
  auto json = llvm::json::parse(result.out);
  if (!json) {
    llvm::consumeError(json.takeError());
    throw std::runtime_error("status is not JSON: " + result.out + result.err);
  }
  return std::move(*json);
}

}  // namespace pipelang::runtime::testing
