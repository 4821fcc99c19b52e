#include "runtime/deploy/StopSignals.h"

#include <sys/wait.h>
#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>

namespace pipelang::runtime {
namespace {

// Only what a signal handler may touch: fixed slots of sig_atomic_t.
constexpr int kSlots = 4096;  // more than the calls `piperun serve` runs at once
volatile std::sig_atomic_t groups[kSlots];
volatile std::sig_atomic_t stopSignal = 0;
// Slots below this were ever used: a call's end (thousands a minute in
// `piperun serve`) looks only there, not through all 4,096.
volatile std::sig_atomic_t slotsUsed = 0;
constexpr auto kGrace = std::chrono::seconds(10);

void onStop(int signal) {
  bool any = false;
  for (int i = 0; i < kSlots; ++i)
    if (groups[i] > 0) {
      kill(-static_cast<pid_t>(groups[i]), SIGTERM);
      any = true;
    }
  if (!any) {  // nothing to wait for: end as the default action would
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  stopSignal = signal;
}

bool anyInFlight() {
  for (int i = 0; i < kSlots; ++i)
    if (groups[i] > 0) return true;
  return false;
}

}  // namespace

void installStopHandlers() {
  // What the starting process left behind must not change how runs end: with
  // SIGCHLD ignored the kernel reaps every call before piperun can read its
  // exit status, and a blocked SIGTERM or SIGINT would never stop a run.
  signal(SIGCHLD, SIG_DFL);
  sigset_t stops;
  sigemptyset(&stops);
  for (int sig : {SIGTERM, SIGINT, SIGCHLD}) sigaddset(&stops, sig);
  pthread_sigmask(SIG_UNBLOCK, &stops, nullptr);
  struct sigaction action {};
  action.sa_handler = onStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // A closed output pipe must not end a runner mid-deployment and leave its
  // calls unwatched: writes then fail with EPIPE and the run goes on.
  signal(SIGPIPE, SIG_IGN);
}

namespace {
// Calls start and end on several threads (the service's loop, metric read
// threads running metric commands); the signal handler only reads the slots.
std::mutex slotsMutex;
}  // namespace

void commandStarted(pid_t group) {
  std::lock_guard<std::mutex> lock(slotsMutex);
  for (int i = 0; i < kSlots; ++i)
    if (groups[i] == 0) {
      if (i >= slotsUsed) slotsUsed = i + 1;
      groups[i] = static_cast<std::sig_atomic_t>(group);
      return;
    }
}

void commandEnded(pid_t group) {
  std::lock_guard<std::mutex> lock(slotsMutex);
  for (int i = 0; i < slotsUsed; ++i)
    if (groups[i] == static_cast<std::sig_atomic_t>(group)) {
      groups[i] = 0;
      return;  // a group is in one slot: it is started once
    }
}

int stopRequested() {
  return stopSignal;
}

namespace {

void waitOrKill() {
  auto deadline = std::chrono::steady_clock::now() + kGrace;
  while (anyInFlight()) {
    for (int i = 0; i < kSlots; ++i) {
      pid_t group = static_cast<pid_t>(groups[i]);
      if (group <= 0) continue;
      if (std::chrono::steady_clock::now() > deadline) kill(-group, SIGKILL);
      if (waitpid(group, nullptr, WNOHANG) == group) groups[i] = 0;  // the leader is the command itself
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

int stopCommandsInFlight() {
  int count = 0;
  for (int i = 0; i < kSlots; ++i)
    if (groups[i] > 0) {
      kill(-static_cast<pid_t>(groups[i]), SIGTERM);
      ++count;
    }
  waitOrKill();
  return count;
}

void stopNow() {
  waitOrKill();
  int signal = stopSignal;
  std::signal(signal, SIG_DFL);
  std::raise(signal);
  std::_Exit(128 + signal);  // not reached: the default action of SIGTERM/SIGINT ends the process
}

}  // namespace pipelang::runtime
