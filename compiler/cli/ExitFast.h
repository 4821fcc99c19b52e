// Ending a batch command without freeing what it built (issue 18,
// docs/performance.md "Resolving on several threads").
#pragma once

namespace pipelang::cli {

// Flushes standard output and error and ends the process with `status`,
// skipping destructors: freeing a 10,000-file compilation and ANTLR's caches
// is work nobody waits for. Only for the pipec command line once every
// thread has stopped, never the language server or the library. Returns
// `status` instead when a write failed, so the normal exit reports it (LLVM's
// stream reports an I/O failure when destroyed) rather than hiding it.
int exitFast(int status);

}  // namespace pipelang::cli
