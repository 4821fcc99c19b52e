// The language server (LSP 3.17) of `pipec lsp`.
#pragma once

#include <cstdio>

namespace pipelang::lsp {

// Serves one client until `exit` or end of input; returns the exit status
// (0 after `shutdown`, 1 otherwise, as the protocol asks).
int runStdioServer(std::FILE* in, std::FILE* out);

}  // namespace pipelang::lsp
