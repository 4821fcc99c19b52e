// The main of the fuzz targets under AFL++'s classic GCC mode (scripts/fuzz.sh):
// one input per process, read from the file named on the command line
// (afl-fuzz's `@@`) or from standard input; afl-as's fork server starts
// each run. (AFL++'s persistent driver is not used: its runtime and afl-as's
// instrumentation each start a fork server.)
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::string input;
  if (argc > 1) {
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << argv[1] << "\n";
      return 2;
    }
    input.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  return 0;
}
