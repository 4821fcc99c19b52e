#include "compiler/driver/SourceLoader.h"

#include "compiler/driver/ParseAhead.h"
#include "compiler/syntax/Parse.h"
#include "compiler/util/Spelling.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace pipelang {

namespace fs = std::filesystem;

// One open, one fstat and a read into a string of the file's size: an
// ifstream allocated an 8 KiB buffer and copied through a stream per file,
// and a stat by path came first; for ten thousand small files that was a
// tenth of `pipec check`'s CPU (docs/performance.md, session 8). Opened
// non-blocking, so a FIFO named as input is refused, not waited on.
std::optional<std::string> readSourceFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  std::optional<std::string> text;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
    text.emplace();
    text->resize(static_cast<size_t>(info.st_size));
    size_t got = 0;
    for (;;) {
      if (got == text->size()) text->resize(got + got / 2 + 4096);  // grew since fstat: read on
      ssize_t n = ::read(fd, text->data() + got, text->size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        text.reset();
        break;
      }
      if (n == 0) {
        text->resize(got);
        break;
      }
      got += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  return text;
}

namespace {

bool isWithin(const fs::path& path, const fs::path& root) {
  auto [rootEnd, pathIt] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return rootEnd == root.end();
}

SourceLoc locationOfOffset(const SourceFile& file, size_t offset) {
  auto it = std::upper_bound(file.lineStarts.begin(), file.lineStarts.end(), offset);
  size_t line = static_cast<size_t>(it - file.lineStarts.begin());
  size_t start = file.lineStarts[line - 1];
  return {static_cast<uint32_t>(line), codePointCount(std::string_view(file.text).substr(start, offset - start)) + 1};
}

}  // namespace

bool isWithinFolder(const fs::path& path, const fs::path& root) {
  auto [rootEnd, pathIt] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return rootEnd == root.end();
}

std::vector<fs::path> findPipeFiles(const fs::path& directory, const std::vector<fs::path>& roots, bool canonicalLinks,
                                    std::vector<fs::path>* outside) {
  std::vector<fs::path> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(directory, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (it->is_directory(ec) && path.filename().string().starts_with(".")) {
      it.disable_recursion_pending();
      continue;
    }
    if (path.extension() != ".pipe" || !it->is_regular_file(ec)) continue;
    // The entry knows from the listing whether it is a link: no lstat per file.
    if (it->is_symlink(ec)) {
      std::error_code linkError;
      fs::path real = fs::weakly_canonical(path, linkError);
      bool inside = !linkError && std::any_of(roots.begin(), roots.end(),
                                              [&](const fs::path& root) { return isWithinFolder(real, root); });
      if (!inside) {
        if (outside) outside->push_back(path);
        continue;
      }
      found.push_back(canonicalLinks ? real : path);
    } else {
      found.push_back(path);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

// fs::weakly_canonical asks the kernel about every component of the path
// (15 readlink calls per file here); a run over ten thousand files in a few
// folders would ask the same folders over and over. Folders are resolved
// once; the file itself only when it is a symbolic link.
fs::path SourceLoader::canonicalPath(const fs::path& path, std::error_code& ec) {
  ec.clear();
  if (cwd_.empty()) cwd_ = fs::current_path(ec);
  if (ec) return {};
  fs::path absolute = path.is_absolute() ? path : cwd_ / path;
  fs::path name = absolute.filename();
  if (name.empty() || name == "." || name == "..") return fs::weakly_canonical(absolute, ec);
  auto [dir, inserted] = canonicalDirs_.try_emplace(absolute.parent_path().string());
  if (inserted) {
    dir->second = fs::weakly_canonical(absolute.parent_path(), ec);
    if (ec) {
      canonicalDirs_.erase(dir);
      return {};
    }
  }
  fs::path result = dir->second / name;
  std::error_code linkError;
  if (fs::is_symlink(result, linkError)) return fs::weakly_canonical(result, ec);
  return result;
}

bool SourceLoader::insideRoots(const fs::path& canonical) const {
  return std::any_of(options_.roots.begin(), options_.roots.end(),
                     [&](const fs::path& root) { return isWithin(canonical, root); });
}

std::string SourceLoader::displayName(const fs::path& canonical, bool isStdlib, bool importedFromAbsolute) const {
  if (isStdlib && isWithin(canonical, options_.stdlibDir))
    return "std/" + canonical.lexically_relative(options_.stdlibDir).generic_string();
  // Named by an absolute path (or below a folder so named): shown as named,
  // from the deepest such input. A walk up the parents, not a scan of the inputs.
  if (!options_.absoluteInputs.empty())
    for (fs::path at = canonical; !at.empty(); at = at.parent_path()) {
      if (auto named = options_.absoluteInputs.find(at); named != options_.absoluteInputs.end())
        return at == canonical ? named->second.generic_string()
                               : (named->second / canonical.lexically_relative(at)).generic_string();
      if (at == at.root_path()) break;
    }
  if (importedFromAbsolute) return canonical.generic_string();
  if (!options_.displayBase.empty() && isWithin(canonical, options_.displayBase))
    return canonical.lexically_relative(options_.displayBase).generic_string();
  fs::path relative = canonical.lexically_relative(options_.displayBase);
  return relative.empty() ? canonical.filename().generic_string() : relative.generic_string();
}

FileId SourceLoader::load(const fs::path& canonical, bool isInput, bool isStdlib, std::string* error,
                          bool importedFromAbsolute) {
  auto known = byPath_.find(canonical.string());
  if (known != byPath_.end()) {
    files_[known->second].isInput |= isInput;
    return files_[known->second].id;
  }
  // Read and parsed on another thread already (ParseAhead), or here.
  std::unique_ptr<ParsedAhead> ahead = options_.parseAhead ? options_.parseAhead->take(canonical.string()) : nullptr;
  std::optional<std::string> text;
  std::vector<size_t> badBytes;
  if (ahead) {
    text = std::move(ahead->text);
    badBytes = std::move(ahead->badBytes);
  } else {
    auto overlay = options_.overlays.find(canonical.string());
    if (overlay != options_.overlays.end())
      text = overlay->second;
    else
      text = readSourceFile(canonical);
    if (text) text = sanitizeUtf8(*text, &badBytes);
  }
  if (!text) {
    if (error) *error = fmt::format("cannot read `{}`", displayName(canonical, isStdlib, importedFromAbsolute));
    return kNoFile;
  }
  FileId id = sources_.addFile(displayName(canonical, isStdlib, importedFromAbsolute), canonical.string(),
                               std::move(*text), isStdlib);
  for (size_t i = 0; i < badBytes.size() && i < 10; ++i) {
    SourceLoc at = locationOfOffset(sources_.file(id), badBytes[i]);
    sink_.report(DiagCode::P001, SourceRange{id, at, {at.line, at.column + 1}},
                 "invalid UTF-8: `.pipe` files must be UTF-8 text");
  }
  std::unique_ptr<ast::File> tree;
  if (ahead) {
    tree = std::move(ahead->ast);
    retargetFile(*tree, id);
    for (Diagnostic& diagnostic : ahead->diagnostics) {
      retargetDiagnostic(diagnostic, id);
      sink_.add(std::move(diagnostic));
    }
  } else {
    tree = parseFile(sources_, id, sink_);
  }
  size_t index = files_.size();
  files_.push_back({id, std::move(tree), isInput, isStdlib});
  byPath_[canonical.string()] = index;
  loadImports(index);
  return id;
}

void SourceLoader::loadImports(size_t fileIndex) {
  // Copy what we need: loading more files may reallocate files_.
  FileId from = files_[fileIndex].id;
  bool fromStdlib = files_[fileIndex].isStdlib;
  std::vector<ast::Import> imports;
  for (const ast::Import& import : files_[fileIndex].ast->imports) imports.push_back(import);
  fs::path directory = fs::path(sources_.file(from).path).parent_path();
  bool fromAbsolute = !fromStdlib && fs::path(sources_.file(from).displayName).is_absolute();
  for (size_t i = 0; i < imports.size(); ++i) {
    const ast::Import& import = imports[i];
    if (import.path.starts_with("std/")) {
      fs::path candidate = options_.stdlibDir / (import.path.substr(4) + ".pipe");
      std::error_code ec;
      fs::path canonical = canonicalPath(candidate, ec);
      // The standard library is a root of its own: `std/../x`, `std/./../x`
      // or a link inside it never reach a file outside. Checked on the
      // written path and on the real one, before the file is opened.
      if (!ec &&
          (!isWithin(candidate.lexically_normal(), options_.stdlibDir) || !isWithin(canonical, options_.stdlibDir))) {
        sink_.report(DiagCode::R104, import.range, fmt::format("import `{}` leaves the standard library", import.path))
            .help = "`std/NAME` names a module of the standard library; import project files by a relative path";
        continue;
      }
      if (ec || !fs::is_regular_file(canonical, ec)) {
        std::vector<std::string> modules;
        for (const fs::path& file : findPipeFiles(options_.stdlibDir, {options_.stdlibDir}))
          modules.push_back("std/" + file.stem().string());
        Diagnostic& d =
            sink_.report(DiagCode::R103, import.range, fmt::format("no standard library module `{}`", import.path));
        if (auto suggestion = closestSpelling(import.path, modules)) {
          d.help = fmt::format("did you mean `{}`?", *suggestion);
          d.fixes.push_back({fmt::format("use `{}`", *suggestion), import.range, "\"" + *suggestion + "\""});
        } else {
          d.help = "the standard library has " + fmt::format("`{}`", fmt::join(modules, "`, `"));
        }
        continue;
      }
      importTargets_[{from, i}] = load(canonical, false, true, nullptr);
      continue;
    }
    fs::path candidate = import.path;
    if (candidate.is_relative()) candidate = directory / candidate;
    std::error_code ec;
    // Ten thousand services importing one file ask for the same path: the
    // kernel is asked once (issue 18).
    auto seen = importPaths_.find(candidate.native());
    fs::path canonical = seen != importPaths_.end() ? seen->second : canonicalPath(candidate, ec);
    if (!ec && seen == importPaths_.end()) importPaths_.emplace(candidate.native(), canonical);
    // Checked before reading: a file outside the root is never opened. A
    // standard library file's own imports stay inside the standard library.
    bool outside = fromStdlib ? !isWithin(canonical, options_.stdlibDir) : !insideRoots(canonical);
    if (ec || outside) {
      sink_.report(DiagCode::R104, import.range, fmt::format("import `{}` leaves the project root", import.path)).help =
          "import only files inside the project (see `--root`)";
      continue;
    }
    if (ec || (!options_.overlays.count(canonical.string()) && !byPath_.count(canonical.string()) &&
               !fs::is_regular_file(canonical, ec))) {
      sink_.report(DiagCode::R103, import.range, fmt::format("import `{}` not found", import.path)).help =
          "paths are relative to the importing file; the standard library is imported as `std/NAME`";
      continue;
    }
    importTargets_[{from, i}] = load(canonical, false, fromStdlib, nullptr, fromAbsolute);
  }
}

bool SourceLoader::loadInput(const fs::path& path, std::string* error, bool listed, const fs::path& shownAs) {
  if (listed) return load(path, true, false, error) != kNoFile;
  std::error_code ec;
  fs::path canonical = canonicalPath(path, ec);
  // An overlay (an editor's unsaved buffer) may have no file on disk yet.
  bool isOverlay = !ec && options_.overlays.count(canonical.string());
  if (ec || (!isOverlay && !fs::is_regular_file(canonical, ec))) {
    // A device, a FIFO or a socket exists but is not a source file.
    bool exists = !ec && fs::exists(canonical, ec);
    if (error)
      *error = fmt::format("cannot read `{}`: {}", (shownAs.empty() ? path : shownAs).generic_string(),
                           exists ? "not a regular file" : "no such file");
    return false;
  }
  return load(canonical, true, false, error) != kNoFile;
}

FileId SourceLoader::loadPrelude() {
  if (!options_.loadPrelude) return kNoFile;
  std::error_code ec;
  fs::path prelude = canonicalPath(options_.stdlibDir / "policy.pipe", ec);
  return load(prelude, false, true, nullptr);
}

FileId SourceLoader::importTarget(FileId from, size_t importIndex) const {
  auto it = importTargets_.find({from, importIndex});
  return it == importTargets_.end() ? kNoFile : it->second;
}

}  // namespace pipelang
