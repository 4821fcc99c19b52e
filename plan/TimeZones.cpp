#include "plan/TimeZones.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace pipelang::planformat {
namespace {

std::string zoneDir() {
  const char* dir = std::getenv("TZDIR");  // where glibc itself looks
  return dir && *dir ? dir : "/usr/share/zoneinfo";
}

bool hasTzifMagic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string(magic, 4) == "TZif";
}

}  // namespace

bool isZoneName(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
              c == '-' || c == '/';
    if (!ok) return false;
  }
  return name.find("..") == std::string::npos && name.find("//") == std::string::npos;
}

bool isKnownTimeZone(const std::string& name) {
  if (name == "UTC") return true;  // glibc needs no file for it
  if (!isZoneName(name)) return false;
  static std::mutex mutex;
  static std::map<std::string, bool> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = cache.find(name);
  if (found != cache.end()) return found->second;
  // A TZif file, not a directory (`America`) nor a table (`leapseconds`).
  bool known = hasTzifMagic(zoneDir() + "/" + name);
  cache.emplace(name, known);
  return known;
}

const std::vector<std::string>& knownTimeZones() {
  static const std::vector<std::string> zones = [] {
    std::vector<std::string> result;
    std::ifstream in(zoneDir() + "/tzdata.zi");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string kind, first, second;
      fields >> kind >> first >> second;
      if (kind == "Z" && isZoneName(first)) result.push_back(first);    // Z NAME ...
      if (kind == "L" && isZoneName(second)) result.push_back(second);  // L TARGET NAME
    }
    return result;
  }();
  return zones;
}

}  // namespace pipelang::planformat
