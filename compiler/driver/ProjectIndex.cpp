#include "compiler/driver/ProjectIndex.h"

#include "compiler/driver/SourceLoader.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace pipelang {

namespace fs = std::filesystem;

namespace {

bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// `KIND NAME` at the start of a line (after blanks): a top-level declaration
// as the formatter writes it. A parse would be exact, but this runs only to
// word a help, over files that may not even be valid.
void scanDeclarations(const std::string& text, const fs::path& path, std::map<std::string, ProjectIndex::Found>& out) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t at = line.find_first_not_of(" \t");
    if (at == std::string::npos) continue;
    for (const char* kind : {"template", "pipeline", "topology", "policy"}) {
      std::string_view rest = std::string_view(line).substr(at);
      size_t length = std::char_traits<char>::length(kind);
      if (!rest.starts_with(kind) || rest.size() <= length || (rest[length] != ' ' && rest[length] != '\t')) continue;
      rest.remove_prefix(length);
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      size_t end = 0;
      while (end < rest.size() && isNameChar(rest[end])) ++end;
      if (end > 0) out.try_emplace(std::string(rest.substr(0, end)), ProjectIndex::Found{kind, path});
    }
  }
}

}  // namespace

std::optional<ProjectIndex::Found> ProjectIndex::declaring(const std::string& name) {
  if (!scanned_) {
    scanned_ = true;
    size_t files = 0;
    for (const fs::path& root : roots_)
      for (const fs::path& file : findPipeFiles(root, roots_)) {
        if (++files > kMaxFiles) break;
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        scanDeclarations(text.str(), file, byName_);  // under a canonical root
      }
  }
  auto it = byName_.find(name);
  if (it == byName_.end()) return std::nullopt;
  return it->second;
}

}  // namespace pipelang
