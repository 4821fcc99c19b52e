// Parses the input files of a compilation on several threads, ahead of the
// loader (issue 18, docs/performance.md "Parsing on several threads").
//
// The loader still walks the files in its one order (inputs sorted, each
// followed by its imports) and gives each its FileId when it reaches it, so
// ids, diagnostics and output are those of a single-threaded run; it only
// takes a file's text, tree and syntax diagnostics from here instead of
// reading and parsing it itself. A file is parsed under a placeholder id and
// retargeted to its real one when taken.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/syntax/Ast.h"

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace pipelang {

// A file read and parsed ahead: what SourceLoader::load would have made of it.
struct ParsedAhead {
  std::optional<std::string> text;  // sanitised UTF-8; nullopt: unreadable
  std::vector<size_t> badBytes;     // offsets of the invalid UTF-8 replaced in `text`
  std::unique_ptr<ast::File> ast;   // ranges name kParsedAheadFile until retargeted
  std::vector<Diagnostic> diagnostics;
};

// The id a file parsed ahead carries until the loader gives it its own.
inline constexpr FileId kParsedAheadFile = kNoFile - 1;

// `pipec check --jobs N` and `plan --jobs N`: 0 is the default, the number
// of cores but at most kMaxDefaultJobs (docs/performance.md says why).
inline constexpr unsigned kMaxDefaultJobs = 4;
unsigned effectiveJobs(unsigned requested);

class ParseAhead {
 public:
  // `paths`: canonical paths, in the order the loader will want them;
  // `overlays` as in LoadOptions (copied). Starts `jobs - 1`
  // threads; the thread that calls take() parses too.
  ParseAhead(std::vector<std::filesystem::path> paths, std::map<std::string, std::string> overlays, unsigned jobs);
  ~ParseAhead();  // stops and joins the threads; untaken results are dropped
  ParseAhead(const ParseAhead&) = delete;
  ParseAhead& operator=(const ParseAhead&) = delete;

  // The file at `canonicalPath`, once: waits for it (parsing others
  // meanwhile); nullptr when it is not one of `paths`, was taken already or
  // its parse failed (the loader then reads and parses it itself).
  std::unique_ptr<ParsedAhead> take(const std::string& canonicalPath);

 private:
  bool parseNext();  // claims and parses the next unclaimed file; false when none is left
  void work();

  const std::map<std::string, std::string> overlays_;
  std::vector<std::filesystem::path> paths_;
  std::unordered_map<std::string, size_t> indexOf_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<std::unique_ptr<ParsedAhead>> results_;  // under mutex_
  std::vector<char> finished_;                         // under mutex_
  std::vector<std::thread> threads_;
};

}  // namespace pipelang
