#include "runtime/deploy/CommandLine.h"

namespace pipelang::runtime {

llvm::Expected<std::vector<std::string>> splitCommandLine(const std::string& line) {
  std::vector<std::string> argv;
  std::string word;
  bool inWord = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (inWord) argv.push_back(word), word.clear(), inWord = false;
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string::npos)
        return llvm::createStringError(llvm::inconvertibleErrorCode(), "unterminated ' in command: %s", line.c_str());
      word += line.substr(i + 1, end - i - 1);
      inWord = true;
      i = end;
    } else if (c == '"') {
      inWord = true;
      size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size() && std::string("\"\\$`").find(line[j + 1]) != std::string::npos)
          ++j;
        word += line[j];
      }
      if (j >= line.size())
        return llvm::createStringError(llvm::inconvertibleErrorCode(), "unterminated \" in command: %s", line.c_str());
      i = j;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) argv.push_back(word);
  if (argv.empty()) return llvm::createStringError(llvm::inconvertibleErrorCode(), "empty command");
  return argv;
}

}  // namespace pipelang::runtime
