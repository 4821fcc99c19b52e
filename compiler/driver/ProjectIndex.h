// Which file of the project declares a top-level name, for the "add import"
// help of R101 when that file is not part of the compilation (issue 12 §5:
// `pipec check svc.pipe` and `pipec check .` say the same about svc.pipe).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pipelang {

class ProjectIndex {
 public:
  struct Found {
    std::string kind;            // template, pipeline, topology or policy
    std::filesystem::path path;  // canonical
  };
  explicit ProjectIndex(std::vector<std::filesystem::path> roots) : roots_(std::move(roots)) {}
  // The first file (in path order) under the roots whose text declares
  // `name` at the start of a line. The roots are scanned once, on the first
  // call (only an unknown name costs the scan); at most kMaxFiles files.
  std::optional<Found> declaring(const std::string& name);
  static constexpr size_t kMaxFiles = 100000;

 private:
  std::vector<std::filesystem::path> roots_;
  bool scanned_ = false;
  std::map<std::string, Found> byName_;
};

}  // namespace pipelang
