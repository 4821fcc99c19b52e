#include "compiler/driver/Frontend.h"

#include "compiler/driver/ParseAhead.h"
#include "compiler/driver/ProjectIndex.h"
#include "compiler/plan/PlanBounds.h"
#include "compiler/sema/Program.h"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

namespace pipelang {

namespace fs = std::filesystem;

Compilation::Compilation() = default;
Compilation::~Compilation() = default;

fs::path defaultStdlibDir() {
  if (const char* fromEnv = std::getenv("PIPE_STDLIB")) return fromEnv;
  // An installed pipec (PREFIX/bin) finds PREFIX/share/pipe/stdlib, wherever
  // the prefix is; a pipec in the build tree falls back to the source's.
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "pipe" / "stdlib";
    if (fs::exists(installed / "policy.pipe", ec)) return installed;
  }
  return PIPE_DEFAULT_STDLIB;
}

namespace {

fs::path canonicalOrSelf(const fs::path& path) {
  std::error_code ec;
  fs::path result = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : result;
}

bool isWithin(const fs::path& path, const fs::path& root) {
  return isWithinFolder(path, root);
}

}  // namespace

fs::path projectRootOf(const fs::path& start) {
  std::error_code ec;
  for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / ".git", ec) || fs::exists(dir / "pipe.project", ec)) return dir;
    if (dir == dir.root_path()) break;
  }
  return start;
}

std::unique_ptr<Compilation> Frontend::run(const FrontendOptions& options) {
  auto compilation = std::make_unique<Compilation>();
  LoadOptions load;
  fs::path cwd = canonicalOrSelf(fs::current_path());
  load.displayBase = cwd;
  load.stdlibDir = canonicalOrSelf(options.stdlibDir.empty() ? defaultStdlibDir() : options.stdlibDir);
  load.overlays = options.overlays;
  // Without --root, the project root is the nearest folder upward from the
  // current directory that holds `.git` or `pipe.project` (the current
  // directory when none does), and a path named on the command line outside
  // it is a root of its own, found the same way from that path: naming it is
  // consent to read it and what it imports from within it.
  if (!options.root.empty()) {
    load.roots.push_back(canonicalOrSelf(options.root));
  } else {
    fs::path project = projectRootOf(cwd);
    load.roots.push_back(project);
    for (const fs::path& input : options.inputs) {
      fs::path canonical = canonicalOrSelf(input);
      std::error_code ec;
      fs::path root = fs::is_directory(canonical, ec) ? canonical : canonical.parent_path();
      if (!isWithin(canonical, project)) load.roots.push_back(projectRootOf(root));
    }
  }

  if (options.absoluteAsNamed)
    for (const fs::path& input : options.inputs)
      if (input.is_absolute()) {
        fs::path named = input.lexically_normal();
        if (!named.has_filename() && named != named.root_path()) named = named.parent_path();  // "/x/dir/"
        load.absoluteInputs.emplace(canonicalOrSelf(input), named);
      }
  // Inputs are loaded in sorted order: output never depends on argument order.
  std::vector<fs::path> files;
  std::map<fs::path, fs::path> named;  // named themselves, not found in a folder's listing: canonical -> as named
  for (const fs::path& input : options.inputs) {
    std::error_code ec;
    if (!fs::exists(input, ec) && !options.overlays.count(canonicalOrSelf(input).string())) {
      compilation->ioErrors.push_back("cannot read `" + input.generic_string() + "`: no such file or directory");
      continue;
    }
    if (fs::is_directory(input, ec)) {
      // Found under a canonical folder, a file's path is canonical unless it is
      // a link: spares weakly_canonical's readlink per component per file.
      std::vector<fs::path> outside;
      std::vector<fs::path> found = findPipeFiles(canonicalOrSelf(input), load.roots, true, &outside);
      files.insert(files.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
      // Not read, as an import leaving the root is not (R104); named as listed, not as the link's target.
      fs::path listedUnder = canonicalOrSelf(input);
      for (const fs::path& link : outside)
        compilation->ioErrors.push_back(
            "cannot read `" + (input / link.lexically_relative(listedUnder)).lexically_normal().generic_string() +
            "`: a link that leads outside the project root");
    } else {
      files.push_back(canonicalOrSelf(input));
      named.emplace(files.back(), input);
    }
  }
  if (!std::is_sorted(files.begin(), files.end())) std::sort(files.begin(), files.end());  // one folder: sorted
  files.erase(std::unique(files.begin(), files.end()), files.end());

  SourceLoader loader(load, compilation->sources, compilation->diagnostics);
  FileId prelude = compilation->prelude = loader.loadPrelude();
  {
    // Other threads read and parse the inputs ahead of the loader, which
    // still numbers and reports them in its one order (docs/performance.md).
    std::optional<ParseAhead> ahead;
    if (options.jobs > 1 && files.size() > 1) load.parseAhead = &ahead.emplace(files, load.overlays, options.jobs);
    for (const fs::path& file : files) {
      std::string error;
      auto asNamed = named.find(file);
      bool listed = asNamed == named.end();
      if (!loader.loadInput(file, &error, listed, listed ? file : asNamed->second))
        compilation->ioErrors.push_back(error);
    }
    load.parseAhead = nullptr;
  }
  compilation->files = std::move(loader.files());
  compilation->importTargets = loader.importTargets();
  compilation->inputFileCount = std::count_if(compilation->files.begin(), compilation->files.end(),
                                              [](const LoadedFile& f) { return f.isInput; });

  if (options.upto >= Phase::Resolve) {
    std::optional<ProjectIndex> own;
    ProjectIndex& project = options.projectIndexes
                                ? options.projectIndexes->try_emplace(load.roots, load.roots).first->second
                                : own.emplace(load.roots);
    NameScope scope;
    scope.importTargets = &compilation->importTargets;
    scope.prelude = prelude;
    std::mutex projectMutex;  // the index scans the project on its first call, perhaps from two threads
    // Then the standard library's modules (`topology = aws` without `import
    // "std/aws"`), scanned only when the project does not declare the name.
    std::optional<ProjectIndex> stdlib;
    scope.declaredInProject = [&project, &projectMutex, &stdlib, &load](const std::string& name) {
      std::lock_guard<std::mutex> lock(projectMutex);
      std::optional<std::pair<std::string, std::string>> result;
      if (auto found = project.declaring(name)) {
        result.emplace(found->kind, found->path.string());
        return result;
      }
      if (!stdlib) stdlib.emplace(std::vector<fs::path>{load.stdlibDir});
      if (auto found = stdlib->declaring(name)) result.emplace(found->kind, "std/" + found->path.stem().string());
      return result;
    };
    // S218/S219 need the plan's analysis (time to global, recovery).
    PlanBoundsChecker bounds;
    PipelineStream stream;
    stream.check = [&bounds](const model::Pipeline& pipeline, DiagnosticSink& sink) { bounds.check(pipeline, sink); };
    stream.keep = options.keepPipelines;
    // Pipelines are built and checked on `jobs` threads, each with its own
    // analyses (docs/performance.md "Resolving on several threads").
    stream.jobs = options.jobs;
    std::deque<PlanBoundsChecker> otherBounds;
    stream.newCheck = [&otherBounds]() -> PipelineCheck {
      PlanBoundsChecker& own = otherBounds.emplace_back();
      return [&own](const model::Pipeline& pipeline, DiagnosticSink& sink) { own.check(pipeline, sink); };
    };
    compilation->program = resolveProgram(compilation->files, compilation->sources, compilation->diagnostics,
                                          options.upto >= Phase::Check, scope, stream);
  }
  compilation->diagnostics.sort(compilation->sources);
  return compilation;
}

void Frontend::forEachPipeline(Compilation& compilation, const std::function<void(const model::Pipeline&)>& visit) {
  NameScope scope;
  scope.importTargets = &compilation.importTargets;
  scope.prelude = compilation.prelude;
  DiagnosticSink again;  // `run` reported them already
  PipelineStream stream;
  stream.visit = visit;
  stream.keep = false;
  resolveProgram(compilation.files, compilation.sources, again, false, scope, stream);
}

}  // namespace pipelang
