// Fuzz target for `pipec lsp`'s transport and dispatch: the input is the
// byte stream a client sends (Content-Length framing, JSON-RPC, LSP
// requests and notifications); the server must answer or refuse every
// message and stop at the end of input, never crash or hang.
#include "compiler/lsp/Server.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An empty project root of its own (references scan the root), and the
  // input in a real file, not fmemopen: the server polls its descriptor.
  // Both removed when the process exits (a persistent AFL++ run starts a
  // fresh process every 10 000 inputs).
  static const struct OwnFiles {
    std::filesystem::path root =
        std::filesystem::temp_directory_path() / ("pipe-fuzz-lsp-" + std::to_string(::getpid()));
    std::filesystem::path input = root.string() + ".in";
    OwnFiles() { std::filesystem::create_directories(root); }
    ~OwnFiles() {
      std::error_code ignored;
      std::filesystem::remove_all(root, ignored);
      std::filesystem::remove(input, ignored);
    }
  } own;
  const std::filesystem::path& root = own.root;
  const std::filesystem::path& path = own.input;
  // Again each time: a process forked after the set-up may find it removed
  // by an earlier one's exit.
  std::filesystem::create_directories(root);
  std::FILE* in = std::fopen(path.c_str(), "w+b");
  std::FILE* out = std::fopen("/dev/null", "wb");
  if (!in || !out) return 0;
  std::fwrite(data, 1, size, in);
  std::rewind(in);
  pipelang::lsp::ServerOptions options;
  options.root = root.string();
  (void)pipelang::lsp::runStdioServer(in, out, options);
  std::fclose(in);
  std::fclose(out);
  return 0;
}
