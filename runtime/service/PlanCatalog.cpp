#include "runtime/service/PlanCatalog.h"

#include "runtime/plan/PlanReader.h"

#include <fmt/format.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>

#include <algorithm>
#include <set>

namespace pipelang::runtime::service {

std::vector<PlanCatalog::Change> PlanCatalog::reload() {
  std::vector<Change> changes;
  if (!watch_.changed()) return changes;
  ++scans_;
  std::error_code ec;
  // One stat per file a look (after a FolderWatch event, else every 10 s; a
  // thousand files in a large organisation, on the loop's thread); its size
  // and time make the signature that says whether anything changed.
  struct Seen {
    std::string path;
    uint64_t size;
    int64_t modified;
  };
  std::vector<Seen> seen;
  for (llvm::sys::fs::directory_iterator it(dir_, ec), end; it != end && !ec; it.increment(ec)) {
    std::string path = it->path();
    if (llvm::sys::path::extension(path) != ".json") continue;
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(path, status)) continue;
    if (status.type() != llvm::sys::fs::file_type::regular_file) continue;
    seen.push_back({std::move(path), status.getSize(),
                    static_cast<int64_t>(status.getLastModificationTime().time_since_epoch().count())});
  }
  if (ec) {
    std::string error = fmt::format("cannot read the plans folder {}: {}", dir_, ec.message());
    if (signature_ != error) changes.push_back({"", "", dir_, error});
    signature_ = error;
    return changes;
  }
  std::sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return a.path < b.path; });
  // A file that already gives a pipeline its plan is read first, so that a
  // second file for the same pipeline is the one refused, wherever its name
  // sorts; at the first reload, the first file in name order keeps it.
  std::set<std::string> owners;
  for (const auto& [pipeline, file] : fileFor_) owners.insert(file);
  std::stable_partition(seen.begin(), seen.end(), [&](const Seen& file) {
    return owners.count(llvm::sys::path::filename(file.path).str()) != 0;
  });
  std::string signature;
  std::vector<std::string> files;
  files.reserve(seen.size());
  for (auto& file : seen) {
    signature += file.path;
    signature += '\t';
    signature += std::to_string(file.size);
    signature += '\t';
    signature += std::to_string(file.modified);
    signature += '\n';
    files.push_back(std::move(file.path));
  }
  if (signature == signature_) return changes;
  signature_ = signature;

  std::map<std::string, std::string> fileOf;  // pipeline -> the file that gave its plan in this reload
  for (const auto& path : files) {
    std::string name = llvm::sys::path::filename(path).str();
    auto plan = readPlanFile(path);
    if (!plan) {
      std::string error = llvm::toString(plan.takeError());
      std::string owner;  // the pipeline whose plan this file gave, which keeps it
      for (const auto& [pipeline, file] : fileFor_)
        if (file == name) owner = pipeline;
      if (fileErrors_[name] != error) changes.push_back({owner, "", name, error});
      fileErrors_[name] = error;
      continue;
    }
    fileErrors_.erase(name);
    if (auto other = fileOf.find(plan->pipeline); other != fileOf.end()) {
      changes.push_back({plan->pipeline, "", name,
                         fmt::format("pipeline {} is already planned by {}; ignored", plan->pipeline, other->second)});
      continue;
    }
    fileOf[plan->pipeline] = name;
    fileFor_[plan->pipeline] = name;
    auto it = current_.find(plan->pipeline);
    if (it != current_.end() && it->second->digest == plan->digest) continue;
    auto shared = std::make_shared<const Plan>(std::move(*plan));
    byDigest_[shared->digest] = shared;
    current_[shared->pipeline] = shared;
    changes.push_back({shared->pipeline, shared->digest, name, ""});
  }
  // A pipeline whose file is gone (not merely refused) takes no new versions.
  for (auto it = current_.begin(); it != current_.end();) {
    const std::string& file = fileFor_[it->first];
    if (fileOf.count(it->first) || fileErrors_.count(file)) {
      ++it;
      continue;
    }
    changes.push_back({it->first, it->second->digest, file, "", true});
    fileFor_.erase(it->first);
    it = current_.erase(it);
  }
  return changes;
}

std::shared_ptr<const Plan> PlanCatalog::current(const std::string& pipeline) const {
  auto it = current_.find(pipeline);
  return it == current_.end() ? nullptr : it->second;
}

std::shared_ptr<const Plan> PlanCatalog::byDigest(const std::string& digest) const {
  auto it = byDigest_.find(digest);
  return it == byDigest_.end() ? nullptr : it->second;
}

void PlanCatalog::adopt(std::shared_ptr<const Plan> plan) {
  byDigest_.emplace(plan->digest, std::move(plan));
}

std::vector<std::string> PlanCatalog::pipelines() const {
  std::vector<std::string> out;
  for (const auto& [name, plan] : current_) out.push_back(name);
  return out;
}

}  // namespace pipelang::runtime::service
