#include "runtime/deploy/ProcessIdentity.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace pipelang::runtime {
namespace {

struct Stat {
  char state = '?';
  long pgrp = 0;
  unsigned long long startTicks = 0;
};

// /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and
// parentheses, so fields are counted from the last ')'. Read with one open and
// one read (no streams): every deploy call `piperun serve` starts asks it on
// the service's loop.
std::optional<Stat> readStat(pid_t pid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buffer[1024];  // the line is about 300 bytes; comm at most 64
  ssize_t n;
  do n = ::read(fd, buffer, sizeof buffer - 1);
  while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  std::string_view line(buffer, static_cast<size_t>(n));
  auto close = line.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // Fields after ')': f[0] is field 3 (state), f[2] field 5 (pgrp), f[19] field 22 (starttime).
  std::string_view f[20];
  size_t count = 0, at = close + 1;
  while (count < 20) {
    at = line.find_first_not_of(" \n", at);
    if (at == std::string_view::npos) break;
    size_t end = line.find_first_of(" \n", at);
    if (end == std::string_view::npos) end = line.size();
    f[count++] = line.substr(at, end - at);
    at = end;
  }
  if (count < 20) return std::nullopt;
  Stat stat;
  stat.state = f[0][0];
  stat.pgrp = std::strtol(std::string(f[2]).c_str(), nullptr, 10);
  stat.startTicks = std::strtoull(std::string(f[19]).c_str(), nullptr, 10);
  return stat;
}

}  // namespace

std::optional<unsigned long long> processStartTicks(pid_t pid) {
  auto stat = readStat(pid);
  if (!stat) return std::nullopt;
  return stat->startTicks;
}

bool callGroupAlive(pid_t pgid, unsigned long long startTicks) {
  if (pgid <= 0) return false;
  if (auto leader = readStat(pgid)) {
    // The pid now names another process: the call's group is gone (a group id
    // is not reused while any member lives).
    if (leader->startTicks != startTicks) return false;
    if (leader->state != 'Z' && leader->state != 'X') return true;
  }
  // The leader ended; a member it started (a `sleep` of a deploy script) may live on.
  DIR* proc = opendir("/proc");
  if (!proc) return false;
  bool alive = false;
  while (dirent* entry = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0' || pid == pgid) continue;
    auto stat = readStat(static_cast<pid_t>(pid));
    if (stat && stat->pgrp == pgid && stat->state != 'Z' && stat->state != 'X') {
      alive = true;
      break;
    }
  }
  closedir(proc);
  return alive;
}

}  // namespace pipelang::runtime
