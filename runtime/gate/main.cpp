// piperun-gate: the first program of every held deploy call (docs/runtime.md
// "Calls are recorded before they run"). piperun spawns it with posix_spawn
// instead of forking its own, large, many-threaded process; it waits for one
// byte on fd 3, which piperun writes once the call's record is durable, then
// becomes the command with execv. End of file on fd 3 (piperun died, or the
// pass that started the call was not committed) means the command never runs.
//
// Usage (by piperun only): piperun-gate [--die-with PID] PROGRAM ARGV0 [ARG...]
// --die-with: SIGKILL when the thread of PID that started it ends
// (PR_SET_PDEATHSIG, kept across execv), and exit 125 at once when PID is
// already gone: `piperun serve` on a shared store (docs/service.md).
// Exit status: the command's own once it runs; 125 when the gate closed
// without the byte; 127 when PROGRAM cannot be executed; 2 when misused.
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  constexpr int kGate = 3;
  int first = 1;
  if (argc > 3 && std::strcmp(argv[1], "--die-with") == 0) {
    long parent = std::strtol(argv[2], nullptr, 10);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);  // piperun died before the signal was armed
    first = 3;
  }
  if (argc - first < 2 || fcntl(kGate, F_GETFD) < 0) {
    const char message[] = "piperun-gate: an internal helper of piperun, not for direct use\n";
    ssize_t ignored = write(2, message, sizeof message - 1);
    (void)ignored;
    return 2;
  }
  char go = 0;
  ssize_t n;
  do n = read(kGate, &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) _exit(125);
  close(kGate);
  execv(argv[first], argv + first + 1);
  _exit(127);
}
