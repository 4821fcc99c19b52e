// The language server (LSP 3.17) of `pipec lsp`.
#pragma once

#include <cstdio>
#include <string>

namespace pipelang::lsp {

struct ServerOptions {
  std::string root;    // `--root`: wins over the client's rootUri; empty: the rootUri, else the current directory
  std::string stdlib;  // `--stdlib`; empty: the bundled standard library
};

// Serves one client until `exit` or end of input; returns the exit status
// (0 after `shutdown`, 1 otherwise, as the protocol asks).
int runStdioServer(std::FILE* in, std::FILE* out, const ServerOptions& options = {});

}  // namespace pipelang::lsp
