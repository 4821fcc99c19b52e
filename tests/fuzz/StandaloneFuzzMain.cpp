// Runs the fuzz target without a fuzzing engine: every seed in the corpus,
// then a bounded number of deterministic mutations of them (byte flips,
// truncations, splices, duplicated spans). Used by ctest, and under ASan/UBSan in CI.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: pipe_fuzz_NAME CORPUS_DIR [ITERATIONS]\n";
    return 2;
  }
  int iterations = argc > 2 ? std::atoi(argv[2]) : 500;
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::sort(seeds.begin(), seeds.end());
  for (const std::string& seed : seeds) run(seed);
  std::mt19937 random(1234);
  const std::string tokens[] = {"{",
                                "}",
                                "[",
                                "]",
                                "(",
                                ")",
                                "=",
                                "..",
                                ".",
                                ",",
                                "\"",
                                "/*",
                                "//",
                                "final ",
                                "super.",
                                "extends ",
                                " for 3 of 5 every 1m",
                                "rest",
                                "none",
                                "12x",
                                "25:00",
                                "100%",
                                "\xff",
                                std::string(1, '\0'),
                                "template T ",
                                "pipeline P extends T "};
  for (int i = 0; i < iterations && !seeds.empty(); ++i) {
    std::string input = seeds[random() % seeds.size()];
    int edits = 1 + random() % 4;
    for (int e = 0; e < edits && !input.empty(); ++e) {
      size_t at = random() % input.size();
      switch (random() % 5) {
        case 0:
          input[at] = static_cast<char>(random() & 0xFF);
          break;
        case 1:
          input.resize(at);
          break;
        case 2:
          input.insert(at, tokens[random() % std::size(tokens)]);
          break;
        case 3:
          input.erase(at, 1 + random() % 16);
          break;
        case 4:
          input.insert(at, input.substr(random() % input.size(), 1 + random() % 64));
          break;
      }
    }
    run(input);
  }
  std::cout << seeds.size() + static_cast<size_t>(iterations) << " inputs run without a crash\n";
  return 0;
}
