// How a version is named in messages. The empty version is what a first
// deployment (`run --first-deploy`) rolls back to: nothing installed, and the
// rollback call gets PIPE_VERSION empty (runtime.md, "Version lineage").
#pragma once

#include <string>

namespace pipelang::runtime {

inline std::string versionText(const std::string& version) {
  return version.empty() ? "nothing (undeployed)" : version;
}

}  // namespace pipelang::runtime
