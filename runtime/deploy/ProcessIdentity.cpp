#include "runtime/deploy/ProcessIdentity.h"

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pipelang::runtime {
namespace {

struct Stat {
  char state = '?';
  long pgrp = 0;
  unsigned long long startTicks = 0;
};

// /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and
// parentheses, so fields are counted from the last ')'.
std::optional<Stat> readStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  std::vector<std::string> f;
  for (std::string field; fields >> field;) f.push_back(field);
  if (f.size() < 20) return std::nullopt;  // f[0] is field 3 (state), f[19] field 22 (starttime)
  Stat stat;
  stat.state = f[0].empty() ? '?' : f[0][0];
  stat.pgrp = std::strtol(f[2].c_str(), nullptr, 10);
  stat.startTicks = std::strtoull(f[19].c_str(), nullptr, 10);
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
