// `pipec lsp`: the language server, talking JSON-RPC over stdin/stdout.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/lsp/Server.h"

#include <cstdio>

namespace pipelang::cli {

int runLsp() {
  return lsp::runStdioServer(stdin, stdout, {opt::root.getValue(), opt::stdlib.getValue()});
}

}  // namespace pipelang::cli
