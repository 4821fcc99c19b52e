#include "compiler/lsp/Server.h"

namespace pipelang::lsp {
int runStdioServer(std::FILE*, std::FILE*) { return 1; }
}  // namespace pipelang::lsp
