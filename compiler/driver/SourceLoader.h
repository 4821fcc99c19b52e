// Reads the files of one compilation: the inputs, the prelude and every
// import, each once. Enforces the project root (R104) before reading.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/syntax/Ast.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pipelang {

class ParseAhead;

struct LoadOptions {
  // Imports must stay inside one of these (canonical) directories.
  std::vector<std::filesystem::path> roots;
  std::filesystem::path displayBase;  // display names are relative to this
  // Inputs named by an absolute path: canonical path -> the path as named,
  // lexically normal. A file that is one of them or lies below one is shown
  // as named, absolute, and so are the files such a file imports from outside
  // them (docs/architecture.md "Display names").
  std::map<std::filesystem::path, std::filesystem::path> absoluteInputs;
  std::filesystem::path stdlibDir;
  // In-memory contents that replace files on disk (the language server's buffers).
  std::map<std::string, std::string> overlays;  // canonical path -> text
  bool loadPrelude = true;
  // Files read and parsed on other threads, taken instead of parsing them
  // here (`--jobs`); null: every file is parsed on this thread.
  ParseAhead* parseAhead = nullptr;
};

struct LoadedFile {
  FileId id;
  std::unique_ptr<ast::File> ast;
  bool isInput = false;  // named by the user (counts in "in N files")
  bool isStdlib = false;
};

class SourceLoader {
 public:
  SourceLoader(const LoadOptions& options, SourceManager& sources, DiagnosticSink& sink)
      : options_(options), sources_(sources), sink_(sink) {}

  // Loads one input file and, transitively, its imports. Returns false when
  // the file itself cannot be read (an I/O failure, exit status 2).
  // `listed`: the path comes from a folder's listing (findPipeFiles with
  // canonical links), so it is canonical and named a regular file when
  // listed: it is not asked about again (two system calls per file).
  // `shownAs`: the path as the user named it, for the error (empty: `path`).
  bool loadInput(const std::filesystem::path& path, std::string* error, bool listed = false,
                 const std::filesystem::path& shownAs = {});
  // Loads `std/policy` (the prelude) when options say so; its id, or kNoFile.
  FileId loadPrelude();

  std::vector<LoadedFile>& files() { return files_; }
  // The file an import of `from` resolved to (for go-to-definition), or kNoFile.
  FileId importTarget(FileId from, size_t importIndex) const;
  const std::map<std::pair<FileId, size_t>, FileId>& importTargets() const { return importTargets_; }

 private:
  FileId load(const std::filesystem::path& canonical, bool isInput, bool isStdlib, std::string* error,
              bool importedFromAbsolute = false);
  void loadImports(size_t fileIndex);
  std::string displayName(const std::filesystem::path& canonical, bool isStdlib, bool importedFromAbsolute) const;
  bool insideRoots(const std::filesystem::path& canonical) const;
  std::filesystem::path canonicalPath(const std::filesystem::path& path, std::error_code& ec);

  const LoadOptions& options_;
  SourceManager& sources_;
  DiagnosticSink& sink_;
  std::vector<LoadedFile> files_;
  std::map<std::string, size_t> byPath_;
  std::filesystem::path cwd_;                                   // read once, for relative inputs
  std::map<std::string, std::filesystem::path> canonicalDirs_;  // folder as written -> canonical folder
  std::map<std::string, std::filesystem::path> importPaths_;    // import's absolute path -> canonical path
  std::map<std::pair<FileId, size_t>, FileId> importTargets_;
};

// The bytes of a regular file; nullopt when it is not one or cannot be read.
std::optional<std::string> readSourceFile(const std::filesystem::path& path);

// Every `*.pipe` below a directory, sorted, skipping hidden directories.
// `canonicalLinks`: a file that is a symbolic link is given by its canonical
// path (what the listing says of each entry: no system call per file).
// A link that leads outside every folder of `roots` (canonical) is left out,
// and its path as listed is added to `outside` when given: the compiler
// never reads or writes a file outside the project root (checks.md §4).
std::vector<std::filesystem::path> findPipeFiles(const std::filesystem::path& directory,
                                                 const std::vector<std::filesystem::path>& roots,
                                                 bool canonicalLinks = false,
                                                 std::vector<std::filesystem::path>* outside = nullptr);

// True when canonical `path` is `root` or lies below it.
bool isWithinFolder(const std::filesystem::path& path, const std::filesystem::path& root);

}  // namespace pipelang
