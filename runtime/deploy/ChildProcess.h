// One child process started directly (never a shell) in its own process
// group, with stdout/stderr captured to unlinked temp files so a chatty command
// can never block on a full pipe. posix_spawn, except for a held call: that
// one starts as a child sharing piperun's memory and becomes the command once
// its gate opens (HeldChild.h), or, where that cannot be, as a fork.
#pragma once

#include "runtime/deploy/HeldChild.h"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pipelang::runtime {

class ChildProcess {
 public:
  static constexpr size_t kCaptureLimit = 64 * 1024;

  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Returns an error message, or empty on success. `env` adds to (and overrides) ours.
  // With `beforeExec`, the child waits in its new process group until
  // beforeExec(pgid) has returned (the journal records the call), and never
  // runs the command if piperun dies before that.
  // With `holdGate` as well, the child keeps waiting after beforeExec until
  // openGate(): `piperun serve` commits a whole pass of the engine, the call's
  // record included, before any call of that pass may run.
  std::string start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                    const std::function<void(pid_t)>& beforeExec = {}, bool holdGate = false);
  // Before start(): the command's leader gets SIGKILL when the thread that
  // started it (and so piperun) dies (PR_SET_PDEATHSIG; recorded starts only).
  // What the command itself started stays in its group: LeftoverCalls.h.
  void dieWithParent(bool die) { dieWithParent_ = die; }
  // Lets a held child run its command (no-op when not held).
  void openGate();
  // Exit status once finished (128+signal when killed); none while running.
  std::optional<int> poll();
  // Kills the whole process group (the command and anything it started).
  void killGroup();
  int waitBlocking();
  // Waits for the exit until `deadline`; false when it is still running then.
  bool waitUntil(std::chrono::steady_clock::time_point deadline);
  std::string output() const { return read(outFd_); }

  // How held calls start: a child sharing piperun's memory (the default
  // where HeldChild.h is supported), or a fork (elsewhere, and when the
  // kernel refuses the first). Tests use both. Not thread-safe: set it
  // before any start.
  enum class HeldStart { SharedMemory, Fork };
  static void useHeldStart(HeldStart mode);
  std::string errors() const { return read(errFd_); }

 private:
  static std::string read(int fd);
  std::string startGated(std::vector<char*>& args, std::vector<char*>& envp, const std::string& path,
                         const std::function<void(pid_t)>& beforeExec, bool holdGate);
  bool startSharingMemory(std::vector<char*>& args, std::vector<char*>& envp, const std::string& path, int gate);
  std::string forkGated(std::vector<char*>& args, std::vector<char*>& envp, const std::string& path, int gate[2]);
  pid_t pid_ = -1;
  int outFd_ = -1, errFd_ = -1;
  int gateFd_ = -1;  // a held child's gate
  bool dieWithParent_ = false;
  std::optional<int> status_;
  std::unique_ptr<HeldChildBlock> heldBlock_;  // a held child's stack and copies, until it is reaped
};

// Runs a command to completion with a timeout; for metric commands.
struct CommandOutcome {
  std::optional<int> exitCode;  // none: could not start or timed out
  std::string output, error;
};
CommandOutcome runCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          int timeoutMs);

}  // namespace pipelang::runtime
