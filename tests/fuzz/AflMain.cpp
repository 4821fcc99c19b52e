// The main of the fuzz targets under AFL++ (scripts/fuzz.sh, built with
// afl-clang-fast++): persistent mode. The fork server starts once the
// process is set up (__AFL_INIT, deferred), then each child runs up to
// kRunsPerProcess inputs, each read from AFL++'s shared memory
// (__AFL_FUZZ_TESTCASE_BUF), not from a file. Given a file name it runs that
// one input and exits, to reproduce a finding outside afl-fuzz.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <unistd.h>  // read(), used by __AFL_FUZZ_TESTCASE_LEN

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#ifndef __AFL_FUZZ_TESTCASE_LEN
#error "AflMain.cpp is built with afl-clang-fast++ (scripts/fuzz.sh); the test suite uses StandaloneFuzzMain.cpp"
#endif

__AFL_FUZZ_INIT();

namespace {
// Inputs per process before afl-fuzz forks a fresh one: bounds what leaks or
// static state one input can pass to later ones.
constexpr int kRunsPerProcess = 10000;
}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << argv[1] << "\n";
      return 2;
    }
    std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    return 0;
  }
  // One empty input before the fork server starts: what a target sets up
  // once (a fixed plan read, its own folder) is then done in the parent, not
  // again in every child, and does not count as unstable coverage.
  static const uint8_t kEmpty[1] = {0};
  LLVMFuzzerTestOneInput(kEmpty, 0);
  __AFL_INIT();
  const unsigned char* buffer = __AFL_FUZZ_TESTCASE_BUF;
  while (__AFL_LOOP(kRunsPerProcess)) {
    const size_t size = __AFL_FUZZ_TESTCASE_LEN;
    LLVMFuzzerTestOneInput(buffer, size);
  }
  return 0;
}
