// `pipec init [DIR] [--name NAME]`: a starting project that passes `pipec
// check` and `pipec fmt --check` as written (docs/install.md, "pipec init").
// Writes nothing when any of its files already exists.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"

#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

namespace pipelang::cli {
namespace {

namespace fs = std::filesystem;

// "checkout-api" -> "CheckoutApi"; empty when no identifier can be made.
std::string pipelineName(const std::string& base) {
  std::string name;
  bool upper = true;
  for (char c : base) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    } else {
      upper = true;
    }
  }
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return "";
  return name;
}

// "CheckoutApi" -> "checkout-api", for the service's file name.
std::string fileStem(const std::string& name) {
  std::string stem;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) stem += '-';
    stem += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return stem;
}

bool validName(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

const char* kTemplate =
    "// The team's template: every service of the team extends it and says only\n"
    "// what is its own. It takes the standard library's StandardService (the\n"
    "// `aws` topology, policy `strict`, a gamma stage and five production\n"
    "// waves); override here what the whole team wants different.\n"
    "import \"std/templates\"\n"
    "\n"
    "template TeamService extends StandardService {\n"
    "  deploy {\n"
    "    timeout = 15m\n"
    "  }\n"
    "}\n";

std::string service(const std::string& name, const std::string& stem) {
  return "// The " + stem +
         " service: what it deploys and how. `pipec plan` shows its\n"
         "// schedule; `pipec show " +
         name +
         "` the whole pipeline with where each value comes from.\n"
         "import \"../templates/team.pipe\"\n"
         "\n"
         "pipeline " +
         name +
         " extends TeamService {\n"
         "  artifact       = \"registry.example.com/" +
         stem +
         "\"\n"
         "  hosts_per_zone = 12\n"
         "\n"
         "  deploy {\n"
         "    run = \"scripts/deploy.sh " +
         stem +
         "\"\n"
         "  }\n"
         "}\n";
}

const char* kPreCommit =
    "# pre-commit hooks (https://pre-commit.com): `pre-commit install` once, then\n"
    "# every commit is checked. Needs `pipec` on PATH.\n"
    "repos:\n"
    "  - repo: local\n"
    "    hooks:\n"
    "      - id: pipec-check\n"
    "        name: pipec check\n"
    "        entry: pipec check\n"
    "        language: system\n"
    "        files: \\.pipe$\n"
    "        pass_filenames: false\n"
    "      - id: pipec-fmt\n"
    "        name: pipec fmt --check\n"
    "        entry: pipec fmt --check\n"
    "        language: system\n"
    "        files: \\.pipe$\n";

const char* kWorkflow =
    "# Checks every push and pull request; findings appear in code scanning.\n"
    "# Set the repository variable PIPE_DEB_URL to where your pipe .deb is kept.\n"
    "name: pipe\n"
    "on: [push, pull_request]\n"
    "jobs:\n"
    "  check:\n"
    "    runs-on: ubuntu-latest\n"
    "    permissions:\n"
    "      contents: read\n"
    "      security-events: write\n"
    "    steps:\n"
    "      - uses: actions/checkout@v4\n"
    "      - name: Install pipe\n"
    "        run: curl -fsSL -o pipe.deb \"${{ vars.PIPE_DEB_URL }}\" && sudo apt-get install -y ./pipe.deb\n"
    "      - name: pipec fmt --check\n"
    "        run: pipec fmt --check .\n"
    "      - name: pipec check\n"
    "        run: pipec check --format=sarif . > pipe.sarif\n"
    "      - name: Upload findings to code scanning\n"
    "        if: always()\n"
    "        uses: github/codeql-action/upload-sarif@v3\n"
    "        with:\n"
    "          sarif_file: pipe.sarif\n"
    "          category: pipe\n";

}  // namespace

int runInit() {
  fs::path dir = opt::initDir.empty() ? fs::path(".") : fs::path(opt::initDir.getValue());
  std::error_code ec;
  std::string name = opt::initName.getValue();
  if (name.empty()) {
    fs::path absolute = fs::weakly_canonical(fs::absolute(dir, ec), ec);
    name = pipelineName(absolute.filename().string());
    if (name.empty()) name = "MyService";
  } else if (!validName(name)) {
    llvm::errs() << "pipec: error: `" << name << "` is not a pipeline name (letters, digits and `_`)\n";
    return kExitUsage;
  }
  std::string stem = fileStem(name);
  std::vector<std::pair<fs::path, std::string>> files = {{"pipe.project", ""},
                                                         {fs::path("templates") / "team.pipe", kTemplate},
                                                         {fs::path("services") / (stem + ".pipe"), service(name, stem)},
                                                         {".pre-commit-config.yaml", kPreCommit},
                                                         {fs::path(".github") / "workflows" / "pipe.yml", kWorkflow}};
  bool clash = false;
  for (const auto& [path, text] : files)
    if (fs::exists(dir / path, ec)) {
      llvm::errs() << "pipec: error: `" << (dir / path).string() << "` already exists\n";
      clash = true;
    }
  if (clash) {
    llvm::errs() << "pipec: nothing written\n";
    return kExitErrors;
  }
  for (const auto& [path, text] : files) {
    fs::create_directories((dir / path).parent_path(), ec);
    std::ofstream out(dir / path, std::ios::binary);
    out << text;
    if (!out.flush()) {
      llvm::errs() << "pipec: error: cannot write `" << (dir / path).string() << "`\n";
      return kExitUsage;
    }
    llvm::outs() << "wrote " << (dir / path).string() << "\n";
  }
  // Quoted for a shell where needed, so the line can be pasted ("my proj").
  auto quoted = [](const std::string& path) {
    bool plain = !path.empty() && std::all_of(path.begin(), path.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/';
    });
    if (plain) return path;
    std::string out = "'";
    for (char c : path) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  llvm::outs() << "next: `pipec check " << quoted(dir.string()) << "` and `pipec plan "
               << quoted((dir / "services").string()) << " --explain`\n";
  return kExitOk;
}

}  // namespace pipelang::cli
