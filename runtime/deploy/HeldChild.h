// The process of a held call (docs/runtime.md "One call per step, also across
// crashes"), started without copying piperun's memory and without a helper
// program: clone(CLONE_VM) makes a child that shares piperun's memory, as a
// vfork child does, but piperun goes on at once. The child sleeps on the gate
// pipe until piperun writes one byte there (the call's record is durable),
// then becomes the command with execve: one exec a call, where starting a
// helper that then exec'd the command cost two, half the CPU of a busy
// service's calls (docs/performance.md, issue 13).
//
// Because the memory is shared until the exec, the child
//  - reads only its own block (its stack, and copies of the path, the
//    arguments and the environment), which piperun keeps until it has reaped
//    the child;
//  - calls the kernel directly, never libc, whose errno and locks belong to
//    piperun's threads;
//  - starts with every signal blocked, and resets every handler to the
//    default before it unblocks them, so no handler of piperun ever runs in
//    it, and SIGTERM ends it while it waits as it would end the command;
//  - closes every descriptor but the gate and the two capture files first,
//    so that it holds no socket, database or other call's gate of piperun's
//    while it waits.
// x86-64 (not x32) and AArch64 only (the direct system calls). Elsewhere, or when the
// kernel or a tool refuses the clone (valgrind does), ChildProcess forks.
#pragma once

#include <sys/types.h>

#include <cerrno>

#include <memory>
#include <string>
#include <vector>

namespace pipelang::runtime {

// The block a held child lives in until it has exec'd or ended: its stack and
// its copies. Freed with the object, so keep it until the child is reaped.
class HeldChildBlock {
 public:
  HeldChildBlock(void* base, size_t size) : base_(base), size_(size) {}
  HeldChildBlock(const HeldChildBlock&) = delete;
  HeldChildBlock& operator=(const HeldChildBlock&) = delete;
  ~HeldChildBlock();
  void* base() const { return base_; }
  // Takes a mapping of the block's size, made after the object (so that a
  // failed allocation of the object leaks no mapping).
  void adopt(void* base) { base_ = base; }

 private:
  void* base_;
  size_t size_;
};

struct HeldChildStart {
  pid_t pid = -1;
  int error = 0;  // errno of mmap or clone when pid is -1
  std::unique_ptr<HeldChildBlock> block;
};

// Whether this build can start held children sharing memory (x86-64, AArch64).
bool heldChildSupported();

// Why an execve failed, for the call's stderr (`error` an errno): a fixed
// text and its length, so that a child that shares piperun's memory can say
// it without libc. Always inlined (string_view's members would not be): the
// child is not instrumented by the sanitizers.
struct ExecFailureText {
  const char* text;
  long size;
};
template <long N>
[[gnu::always_inline]] constexpr ExecFailureText failureText(const char (&text)[N]) {
  return {text, N - 1};
}
[[gnu::always_inline]] inline ExecFailureText execFailure(int error) {
  switch (error) {
    case ENOEXEC:
      return failureText("not a program this machine can run (a script without a #! line?)");
    case ENOENT:
      return failureText("no such file, or its #! interpreter is missing");
    case EACCES:
      return failureText("permission denied (not executable, or a directory)");
    case E2BIG:
      return failureText("argument list too long");
    case ETXTBSY:
      return failureText("the file is open for writing");
    case ENOMEM:
      return failureText("out of memory");
    default:
      return failureText("execve failed");
  }
}

// Starts `path` (already resolved: it holds a '/') with `args` and `envp`
// (each ending with nullptr; copied, so the caller may free them on return)
// as the leader of a new process group, once one byte arrives on `gate` (the
// pipe's read end; end of file first: exit 125 without running anything).
// stdin is /dev/null, stdout `out`, stderr `err`, nothing else open; every
// signal handled by default and none blocked. `dieWith` > 0: the child gets
// SIGKILL when the thread that started it ends (PR_SET_PDEATHSIG, kept across
// execve), and exits 125 at once when its parent is no longer `dieWith`.
// Exit 127 when execve fails. Not supported: pid -1, error ENOSYS.
HeldChildStart startHeldChild(const std::string& path, char* const* args, char* const* envp, int out, int err, int gate,
                              pid_t dieWith);

}  // namespace pipelang::runtime
