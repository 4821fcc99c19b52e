#include "runtime/deploy/HeldChild.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#if (defined(__x86_64__) && !defined(__ILP32__)) || defined(__aarch64__)  // not x32: `long` is 32 bits there
#define PIPE_HELD_CHILD 1
#endif

namespace pipelang::runtime {

HeldChildBlock::~HeldChildBlock() {
  if (base_) munmap(base_, size_);
}

bool heldChildSupported() {
#ifdef PIPE_HELD_CHILD
  return true;
#else
  return false;
#endif
}

#ifdef PIPE_HELD_CHILD
namespace {

#ifndef SYS_close_range
#define SYS_close_range 436  // the same number on every architecture (Linux 5.9)
#endif

constexpr size_t kStackBytes = 64 * 1024;
constexpr int kLastSignal = 64;  // the kernel's _NSIG

// What the child reads, at the start of its block.
struct Orders {
  const char* path;
  char** args;
  char** envp;
  int out, err, gate;
  pid_t dieWith;
  long pathLength;
};

// A system call without libc: the result, or -errno. errno itself is
// piperun's calling thread's, which goes on running beside the child.
[[gnu::always_inline]] inline long kernel(long number, long a = 0, long b = 0, long c = 0, long d = 0) {
#if defined(__x86_64__)
  long result;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return result;
#else
  register long x8 __asm__("x8") = number;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
#endif
}

// The kernel's struct sigaction (both architectures have sa_restorer).
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};

// The kernel's struct rlimit64.
struct KernelRlimit {
  unsigned long long current, maximum;
};

[[noreturn, gnu::always_inline]] inline void leave(int status) {
  for (;;) kernel(SYS_exit_group, status);
}

// Closes [low, high]: close_range, or one by one up to the descriptor limit
// where the kernel or a seccomp profile refuses it (Linux before 5.9,
// container runtimes that do not know the call). The limit is asked only
// then (`files` at 0 until it is), not for every call.
[[gnu::always_inline]] inline void closeFrom(long low, long high, KernelRlimit& files) {
  if (low > high) return;
  if (kernel(SYS_close_range, low, high, 0) == 0) return;
  if (files.current == 0 && kernel(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, reinterpret_cast<long>(&files)) != 0)
    files.current = 1 << 20;
  long limit = files.current < (1 << 20) ? static_cast<long>(files.current) : 1 << 20;
  for (long fd = low; fd <= high && fd < limit; ++fd) kernel(SYS_close, fd);
}

// A low descriptor (0, 1 or 2, when piperun runs with its stdio closed)
// moved above stdio, close-on-exec like the rest; -1 when that fails.
[[gnu::always_inline]] inline int aboveStdio(int fd) {
  return fd >= 3 ? fd : static_cast<int>(kernel(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3));
}

// The child, on its own stack in piperun's memory. Not instrumented by the
// sanitizers, whose run-time state belongs to piperun's threads, nor by the
// stack protector, whose canary lives in the starting thread's TLS; every
// function it calls is inlined into it.
__attribute__((no_sanitize("address", "undefined"), no_stack_protector)) int heldChildMain(void* raw) {
  const Orders* orders = static_cast<const Orders*>(raw);
  KernelSigaction byDefault;
  byDefault.handler = SIG_DFL;
  byDefault.flags = 0;
  byDefault.restorer = nullptr;
  byDefault.mask = 0;
  for (int sig = 1; sig <= kLastSignal; ++sig)  // SIGKILL and SIGSTOP refuse: nothing to reset
    kernel(SYS_rt_sigaction, sig, reinterpret_cast<long>(&byDefault), 0, sizeof(unsigned long));
  // Every handler is the default now: unblocked, SIGTERM ends a waiting call
  // as it would end the command (a stop, a leftover call stopped on resume).
  unsigned long none = 0;
  kernel(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&none), 0, sizeof none);
  kernel(SYS_setpgid, 0, 0);
  if (orders->dieWith > 0) {
    kernel(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
    if (kernel(SYS_getppid) != orders->dieWith) leave(125);  // piperun died before the signal was armed
  }
  // Keep the gate and the capture files above stdio, then close everything
  // else: a socket, the state DB or another call's gate held by a waiting
  // child would outlive piperun's own closing of it.
  int gate = aboveStdio(orders->gate), out = aboveStdio(orders->out), err = aboveStdio(orders->err);
  if (gate < 0 || out < 0 || err < 0) leave(127);
  int keep[3] = {gate, out, err};
  for (int i = 0; i < 3; ++i)
    for (int j = i + 1; j < 3; ++j)
      if (keep[j] < keep[i]) {
        int lower = keep[j];
        keep[j] = keep[i];
        keep[i] = lower;
      }
  KernelRlimit files;
  files.current = files.maximum = 0;
  closeFrom(0, keep[0] - 1, files);
  closeFrom(keep[0] + 1, keep[1] - 1, files);
  closeFrom(keep[1] + 1, keep[2] - 1, files);
  closeFrom(keep[2] + 1, ~0U, files);

  char go = 0;
  long n;
  do n = kernel(SYS_read, gate, reinterpret_cast<long>(&go), 1);
  while (n == -EINTR);
  if (n != 1) leave(125);  // piperun died, or dropped the call, before recording it: it never runs

  // stdin /dev/null (left closed if there is none, as the fork fallback does).
  long null = kernel(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/dev/null"), O_RDONLY | O_CLOEXEC);
  if (null >= 0 && null != 0 && kernel(SYS_dup3, null, 0, 0) < 0) leave(127);
  if (null == 0) kernel(SYS_fcntl, 0, F_SETFD, 0);
  if (kernel(SYS_dup3, out, 1, 0) < 0 || kernel(SYS_dup3, err, 2, 0) < 0) leave(127);
  closeFrom(3, ~0U, files);
  long failed = kernel(SYS_execve, reinterpret_cast<long>(orders->path), reinterpret_cast<long>(orders->args),
                       reinterpret_cast<long>(orders->envp));
  // "piperun: cannot execute PATH: WHY" on the call's stderr, then 127.
  ExecFailureText why = execFailure(static_cast<int>(-failed));
  static const char kHead[] = "piperun: cannot execute ";
  kernel(SYS_write, 2, reinterpret_cast<long>(kHead), sizeof kHead - 1);
  kernel(SYS_write, 2, reinterpret_cast<long>(orders->path), orders->pathLength);
  kernel(SYS_write, 2, reinterpret_cast<long>(": "), 2);
  kernel(SYS_write, 2, reinterpret_cast<long>(why.text), why.size);
  kernel(SYS_write, 2, reinterpret_cast<long>("\n"), 1);
  leave(127);
}

size_t roundUp(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

size_t count(char* const* list) {
  size_t n = 0;
  while (list[n]) ++n;
  return n;
}

}  // namespace
#endif

HeldChildStart startHeldChild(const std::string& path, char* const* args, char* const* envp, int out, int err, int gate,
                              pid_t dieWith) {
  HeldChildStart started;
#ifndef PIPE_HELD_CHILD
  (void)path, (void)args, (void)envp, (void)out, (void)err, (void)gate, (void)dieWith;
  started.error = ENOSYS;
  return started;
#else
  size_t argCount = count(args), envCount = count(envp);
  size_t text = path.size() + 1;
  for (size_t i = 0; i < argCount; ++i) text += std::strlen(args[i]) + 1;
  for (size_t i = 0; i < envCount; ++i) text += std::strlen(envp[i]) + 1;
  size_t head = roundUp(sizeof(Orders) + (argCount + envCount + 2) * sizeof(char*) + text, 16);
  size_t size = roundUp(head + kStackBytes, static_cast<size_t>(sysconf(_SC_PAGESIZE)));
  auto block = std::make_unique<HeldChildBlock>(nullptr, size);  // before the mapping: nothing to leak if this throws
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) {
    started.error = errno;
    return started;
  }
  block->adopt(base);
  char* at = static_cast<char*>(base);
  auto* orders = reinterpret_cast<Orders*>(at);
  char** argList = reinterpret_cast<char**>(at + sizeof(Orders));
  char** envList = argList + argCount + 1;
  char* strings = reinterpret_cast<char*>(envList + envCount + 1);
  auto copy = [&](const char* s) {
    size_t n = std::strlen(s) + 1;
    std::memcpy(strings, s, n);
    char* placed = strings;
    strings += n;
    return placed;
  };
  orders->path = copy(path.c_str());
  orders->pathLength = static_cast<long>(path.size());
  for (size_t i = 0; i < argCount; ++i) argList[i] = copy(args[i]);
  argList[argCount] = nullptr;
  for (size_t i = 0; i < envCount; ++i) envList[i] = copy(envp[i]);
  envList[envCount] = nullptr;
  orders->args = argList;
  orders->envp = envList;
  orders->out = out;
  orders->err = err;
  orders->gate = gate;
  orders->dieWith = dieWith;

  // Every signal blocked across the clone, glibc's own two included (which
  // sigfillset leaves out): the child starts with them blocked, so none of
  // piperun's handlers can run on its stack before it has reset them.
  unsigned long all = ~0UL, before = 0;
  kernel(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&all), reinterpret_cast<long>(&before), sizeof all);
  pid_t pid = clone(heldChildMain, at + size, CLONE_VM | SIGCHLD, orders);
  int error = errno;
  kernel(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&before), 0, sizeof before);
  if (pid < 0) {
    started.error = error;
    return started;
  }
  started.pid = pid;
  started.block = std::move(block);
  return started;
#endif
}

}  // namespace pipelang::runtime
