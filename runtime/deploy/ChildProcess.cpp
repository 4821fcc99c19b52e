#include "runtime/deploy/ChildProcess.h"

#include "runtime/deploy/CaptureFiles.h"
#include "runtime/deploy/HeldChild.h"
#include "runtime/deploy/StopSignals.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

extern char** environ;

namespace pipelang::runtime {
namespace {

// Metric commands of one round start from several threads: the stop
// registry's slots are claimed one at a time.
std::mutex registryMutex;

// What posix_spawnp would run: `name` itself when it holds a '/', else the
// first executable of that name on PATH. Resolved before fork, where only
// async-signal-safe calls are allowed.
// `error` says why there is none: ENOENT, or EACCES for a file that is not executable.
std::string findProgram(const std::string& name, const std::string& path, int& error) {
  error = ENOENT;
  auto usable = [&](const std::string& candidate) {
    if (access(candidate.c_str(), X_OK) == 0) return true;
    if (access(candidate.c_str(), F_OK) == 0) error = EACCES;
    return false;
  };
  if (name.find('/') != std::string::npos) return usable(name) ? name : "";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (usable(candidate)) return candidate;
    start = end + 1;
  }
  return "";
}

}  // namespace

namespace {

ChildProcess::HeldStart& heldStartMode() {
  static ChildProcess::HeldStart mode =
      heldChildSupported() ? ChildProcess::HeldStart::SharedMemory : ChildProcess::HeldStart::Fork;
  return mode;
}

// posix_spawn(p) of args[0] in a new process group, with default signal
// handling and none blocked, stdin /dev/null, stdout and stderr the capture
// files, and no other descriptor. Returns 0 or the errno of the spawn.
int spawnInGroup(pid_t& pid, std::vector<char*>& args, std::vector<char*>& envp, int out, int err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // stdio only
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

}  // namespace

void ChildProcess::useHeldStart(HeldStart mode) {
  heldStartMode() = heldChildSupported() ? mode : HeldStart::Fork;
}

std::string ChildProcess::startGated(std::vector<char*>& args, std::vector<char*>& envp, const std::string& path,
                                     const std::function<void(pid_t)>& beforeExec, bool holdGate) {
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) != 0) return std::string("cannot create a pipe: ") + std::strerror(errno);
  std::string error;
  try {
    if (!(heldStartMode() == HeldStart::SharedMemory && startSharingMemory(args, envp, path, gate[0])))
      error = forkGated(args, envp, path, gate);
  } catch (...) {
    close(gate[0]);
    close(gate[1]);
    throw;
  }
  close(gate[0]);
  if (!error.empty()) {
    close(gate[1]);
    return error;
  }
  commandStarted(pid_);
  try {
    beforeExec(pid_);
  } catch (...) {
    close(gate[1]);  // the child sees EOF and ends without running the command
    throw;
  }
  if (holdGate) {
    gateFd_ = gate[1];
    return {};
  }
  ssize_t written;
  do written = write(gate[1], "g", 1);
  while (written < 0 && errno == EINTR);
  close(gate[1]);
  return {};
}

// One exec a call and no copy of this process's memory (docs/runtime.md):
// false when the kernel or a tool refuses it, and the caller forks instead.
bool ChildProcess::startSharingMemory(std::vector<char*>& args, std::vector<char*>& envp, const std::string& path,
                                      int gate) {
  HeldChildStart held =
      startHeldChild(path, args.data(), envp.data(), outFd_, errFd_, gate, dieWithParent_ ? getpid() : 0);
  if (held.pid <= 0) return false;
  setpgid(held.pid, held.pid);  // also here: the group exists before anything is recorded or signalled
  pid_ = held.pid;
  heldBlock_ = std::move(held.block);
  return true;
}

std::string ChildProcess::forkGated(std::vector<char*>& args, std::vector<char*>& envp, const std::string& path,
                                    int gate[2]) {
  int devNull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int error = errno;
    if (devNull >= 0) close(devNull);
    return std::string("cannot fork: ") + std::strerror(error);
  }
  if (pid == 0) {  // only async-signal-safe calls from here on
    setpgid(0, 0);
    if (dieWithParent_) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(125);  // piperun died before the signal was armed
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    close(gate[1]);
    char go = 0;
    ssize_t n;
    do n = ::read(gate[0], &go, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(125);  // piperun died before recording the call: it never runs
    if (devNull >= 0) dup2(devNull, 0);
    dup2(outFd_, 1);
    dup2(errFd_, 2);
    closefrom(3);
    execve(path.c_str(), args.data(), envp.data());
    ExecFailureText why = execFailure(errno);  // the same words as a held child's (HeldChild.h)
    std::string_view parts[] = {
        "piperun: cannot execute ", path, ": ", {why.text, static_cast<size_t>(why.size)}, "\n"};
    for (std::string_view part : parts)
      if (::write(2, part.data(), part.size()) < 0) break;
    _exit(127);
  }
  setpgid(pid, pid);  // also here: the group exists before anything is recorded or signalled
  if (devNull >= 0) close(devNull);
  pid_ = pid;
  return {};
}

void ChildProcess::openGate() {
  if (gateFd_ < 0) return;
  ssize_t written;
  do written = write(gateFd_, "g", 1);
  while (written < 0 && errno == EINTR);
  close(gateFd_);
  gateFd_ = -1;
}

ChildProcess::~ChildProcess() {
  if (gateFd_ >= 0) close(gateFd_);  // a held child that was never let go ends without running
  if (pid_ > 0 && !status_) {
    killGroup();
    waitBlocking();
  }
  if (outFd_ >= 0) close(outFd_);
  if (errFd_ >= 0) close(errFd_);
}

std::string ChildProcess::start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                const std::function<void(pid_t)>& beforeExec, bool holdGate) {
  outFd_ = takeCaptureFile();
  errFd_ = takeCaptureFile();
  if (outFd_ < 0 || errFd_ < 0) return std::string("cannot create capture file: ") + std::strerror(errno);

  // piperun's environment with `env` over it, sorted by name (the last of a
  // name given twice wins). The inherited entries are pointed at, not copied:
  // a busy service starts hundreds of calls a second (issue 13).
  std::vector<std::string> overlay;
  overlay.reserve(env.size());
  for (const auto& [key, value] : env) overlay.push_back(key + "=" + value);
  auto nameOf = [](const char* entry) {
    const char* eq = std::strchr(entry, '=');
    return std::string_view(entry, eq ? static_cast<size_t>(eq - entry) : std::strlen(entry));
  };
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e)
    if (std::strchr(*e, '=') && !env.count(std::string(nameOf(*e)))) envp.push_back(*e);
  for (auto& entry : overlay) envp.push_back(entry.data());
  std::stable_sort(envp.begin(), envp.end(), [&](const char* a, const char* b) { return nameOf(a) < nameOf(b); });
  // Of equal names the last stands, as it did in a map filled in order.
  std::vector<char*> unique;
  unique.reserve(envp.size() + 1);
  for (size_t i = 0; i < envp.size(); ++i)
    if (i + 1 == envp.size() || nameOf(envp[i]) != nameOf(envp[i + 1])) unique.push_back(envp[i]);
  envp = std::move(unique);
  std::string pathVariable;
  for (const char* entry : envp)
    if (nameOf(entry) == "PATH") pathVariable = entry + 5;
  envp.push_back(nullptr);
  std::vector<char*> args;
  std::vector<std::string> argvCopy = argv;
  for (auto& s : argvCopy) args.push_back(s.data());
  args.push_back(nullptr);
  if (beforeExec) {
    int error = 0;
    std::string path = findProgram(argv[0], pathVariable, error);
    if (path.empty()) return "cannot run " + argv[0] + ": " + std::strerror(error);
    return startGated(args, envp, path, beforeExec, holdGate);
  }

  int rc = spawnInGroup(pid_, args, envp, outFd_, errFd_);
  if (rc != 0) {
    pid_ = -1;
    return "cannot run " + argv[0] + ": " + std::strerror(rc);
  }
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    commandStarted(pid_);  // its own group: pgid == pid
  }
  return {};
}

std::optional<int> ChildProcess::poll() {
  if (status_ || pid_ <= 0) return status_;
  if (stopRequested()) stopNow();  // piperun was asked to stop: so is this command
  int raw = 0;
  pid_t done = waitpid(pid_, &raw, WNOHANG);
  if (done == pid_) {
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    heldBlock_.reset();  // reaped: no longer the stack of a child that shares our memory
  } else if (done < 0 && errno == ECHILD) {
    status_ = 255;
    // Reaped by someone else: whether it is gone is not known, so its block stays.
    (void)heldBlock_.release();
  }
  if (status_) {
    std::lock_guard<std::mutex> lock(registryMutex);
    commandEnded(pid_);
  }
  return status_;
}

void ChildProcess::killGroup() {
  if (pid_ > 0 && !status_) kill(-pid_, SIGKILL);
}

bool ChildProcess::waitUntil(std::chrono::steady_clock::time_point deadline) {
  // Asleep until the child exits (its pidfd turns readable): a busy service's
  // reader threads polling every few milliseconds cost more than the reads.
  int pidfd = pid_ > 0 ? static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)) : -1;
  while (!poll()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      if (pidfd >= 0) close(pidfd);
      return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    if (pidfd >= 0) {
      pollfd exited{pidfd, POLLIN, 0};
      ::poll(&exited, 1, static_cast<int>(std::min<long long>(left, 1000)));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long long>(left, 2)));
    }
  }
  if (pidfd >= 0) close(pidfd);
  return true;
}

int ChildProcess::waitBlocking() {
  while (!poll()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return *status_;
}

std::string ChildProcess::read(int fd) {
  if (fd < 0) return {};
  struct stat file {};
  size_t size = fstat(fd, &file) == 0 ? static_cast<size_t>(std::max<off_t>(file.st_size, 0)) : kCaptureLimit;
  std::string text(std::min(size, kCaptureLimit), '\0');
  ssize_t n = text.empty() ? 0 : pread(fd, text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return text;
}

CommandOutcome runCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          int timeoutMs) {
  ChildProcess child;
  CommandOutcome outcome;
  outcome.error = child.start(argv, env);
  if (!outcome.error.empty()) return outcome;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  if (!child.waitUntil(deadline)) {
    child.killGroup();
    child.waitBlocking();
    outcome.error = "timed out after " + std::to_string(timeoutMs) + "ms";
    return outcome;
  }
  outcome.exitCode = child.poll();
  outcome.output = child.output();
  if (*outcome.exitCode != 0) outcome.error = "exit " + std::to_string(*outcome.exitCode) + ": " + child.errors();
  return outcome;
}

}  // namespace pipelang::runtime
