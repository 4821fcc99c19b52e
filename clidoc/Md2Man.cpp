// pipe_md2man TITLE SECTION NAME-LINE VERSION < guide.md > page.SECTION
// Build-time tool: writes a Markdown guide as a man page (pipe(5)).
#include "clidoc/CliModel.h"

#include <cstdlib>
#include <iostream>
#include <iterator>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: pipe_md2man TITLE SECTION NAME-LINE VERSION < guide.md\n";
    return 2;
  }
  std::string markdown(std::istreambuf_iterator<char>(std::cin), {});
  std::cout << pipelang::clidoc::markdownToMan(markdown, argv[1], std::atoi(argv[2]), argv[3], argv[4]);
  return 0;
}
