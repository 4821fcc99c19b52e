#include "compiler/driver/ParseAhead.h"

#include "compiler/driver/SourceLoader.h"
#include "compiler/syntax/Parse.h"

#include <algorithm>
#include <system_error>

namespace pipelang {

unsigned effectiveJobs(unsigned requested) {
  if (requested > 0) return requested;
  return std::clamp(std::thread::hardware_concurrency(), 1u, kMaxDefaultJobs);
}

ParseAhead::ParseAhead(std::vector<std::filesystem::path> paths, std::map<std::string, std::string> overlays,
                       unsigned jobs)
    : overlays_(std::move(overlays)), paths_(std::move(paths)), results_(paths_.size()), finished_(paths_.size(), 0) {
  for (size_t i = 0; i < paths_.size(); ++i) indexOf_.try_emplace(paths_[i].string(), i);
  prepareParsingOnThreads();
  size_t threads = std::min<size_t>(jobs > 0 ? jobs - 1 : 0, paths_.size());
  try {
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
  } catch (const std::system_error&) {
    // No thread to be had: the caller of take() parses what is left.
  }
}

ParseAhead::~ParseAhead() {
  stopping_ = true;
  for (std::thread& thread : threads_) thread.join();
}

void ParseAhead::work() {
  while (!stopping_ && parseNext()) {
  }
}

bool ParseAhead::parseNext() {
  size_t index = next_.fetch_add(1);
  if (index >= paths_.size()) return false;
  std::unique_ptr<ParsedAhead> parsed;
  try {
    parsed = std::make_unique<ParsedAhead>();
    const std::string key = paths_[index].string();
    auto overlay = overlays_.find(key);
    std::optional<std::string> raw = overlay != overlays_.end() ? overlay->second : readSourceFile(paths_[index]);
    if (raw) {
      parsed->text = sanitizeUtf8(*raw, &parsed->badBytes);
      DiagnosticSink sink;
      parsed->ast = parseText(*parsed->text, kParsedAheadFile, sink);
      parsed->diagnostics = std::move(sink.diagnostics());
    }
  } catch (...) {
    parsed.reset();  // out of memory or the like: the loader parses this file itself
  }
  {
    std::lock_guard lock(mutex_);
    results_[index] = std::move(parsed);
    finished_[index] = 1;
  }
  done_.notify_all();
  return true;
}

std::unique_ptr<ParsedAhead> ParseAhead::take(const std::string& canonicalPath) {
  auto found = indexOf_.find(canonicalPath);
  if (found == indexOf_.end()) return nullptr;
  size_t index = found->second;
  std::unique_lock lock(mutex_);
  while (!finished_[index]) {
    // Claimed by a thread: parse the next one meanwhile, or wait when none is left.
    if (next_.load() < paths_.size()) {
      lock.unlock();
      bool parsed = parseNext();
      lock.lock();
      if (parsed) continue;
    }
    done_.wait(lock, [&] { return finished_[index] != 0; });
  }
  indexOf_.erase(found);  // taken: a second take() of the same path finds nothing
  return std::move(results_[index]);
}

}  // namespace pipelang
