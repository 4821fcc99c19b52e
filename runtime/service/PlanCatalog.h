// The plans `piperun serve` hosts (docs/service.md "Plans and reloads"): every
// `*.json` plan in the plans folder (the output of `pipec plan -o`), read and
// digest-checked, one per pipeline. reload() is called about once a second:
// a changed folder (FolderWatch: inotify, and a full look every 10 s) is
// read again; a plan that fails to load is reported and
// the pipeline keeps the plan it had. Plans stay known by digest, so a
// version in flight keeps the plan it started with.
#pragma once

#include "runtime/plan/Plan.h"
#include "runtime/service/FolderWatch.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pipelang::runtime::service {

class PlanCatalog {
 public:
  // `fullScanEvery`: how often the folder is looked at even without an
  // inotify event (docs/service.md "Plans and reloads").
  explicit PlanCatalog(std::string dir, std::chrono::seconds fullScanEvery = std::chrono::seconds(10))
      : dir_(dir), watch_(std::move(dir), fullScanEvery) {}

  // What a reload found: plans taken (new or changed) and files refused.
  struct Change {
    std::string pipeline, digest, file;
    std::string error;     // non-empty: the file was refused (the old plan is kept)
    bool removed = false;  // the pipeline's file is gone: no new versions (those in flight go on)
  };
  // Reads the folder again when a file was added, removed or changed since the
  // last call (name, size, modification time); returns what changed. Errors
  // of the folder itself (missing, unreadable) are one Change with an error.
  // Without a FolderWatch event (or the full look's time) it looks at no file.
  std::vector<Change> reload();
  int folderScans() const { return scans_; }  // how often reload() looked at the files

  // The current plan of a pipeline; null when there is none.
  std::shared_ptr<const Plan> current(const std::string& pipeline) const;
  // A plan by digest, if it was ever loaded (or adopted) by this process.
  std::shared_ptr<const Plan> byDigest(const std::string& digest) const;
  // Keeps a plan read from the store (a run resumed after its file changed).
  void adopt(std::shared_ptr<const Plan> plan);
  std::vector<std::string> pipelines() const;  // with a current plan, sorted

 private:
  std::string dir_;
  FolderWatch watch_;
  int scans_ = 0;
  std::string signature_;  // name, size and mtime of every plan file, at the last reload
  std::map<std::string, std::shared_ptr<const Plan>> current_;
  std::map<std::string, std::shared_ptr<const Plan>> byDigest_;
  std::map<std::string, std::string> fileErrors_;  // file -> the error last reported
  std::map<std::string, std::string> fileFor_;     // pipeline -> the file its current plan came from
};

}  // namespace pipelang::runtime::service
