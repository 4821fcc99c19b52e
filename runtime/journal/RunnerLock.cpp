#include "runtime/journal/Journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace pipelang::runtime {

llvm::Expected<std::unique_ptr<RunnerLock>> RunnerLock::acquire(const std::string& dbPath) {
  std::string path = dbPath + ".lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot open lock file %s", path.c_str());
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buffer[64] = {0};
    ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
    std::string holder = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "unknown";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd);
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "state DB %s is held by another live piperun (pid %s); one runner per DB",
                                   dbPath.c_str(), holder.c_str());
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only informative; the flock is the lock.
  }
  return std::unique_ptr<RunnerLock>(new RunnerLock(fd));
}

RunnerLock::~RunnerLock() {
  ::close(fd_);
}

}  // namespace pipelang::runtime
