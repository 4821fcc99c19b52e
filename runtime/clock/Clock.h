// Time for the engine: the real clock for `run`, a virtual one for `simulate` and tests.
#pragma once

#include "runtime/plan/Plan.h"

namespace pipelang::runtime {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() = 0;
  // Waits until `until` or less: the engine re-checks its inputs after every wait.
  // `busy` says child processes are running, so wake soon to reap them.
  virtual void waitUntil(Instant until, bool busy) = 0;
  virtual bool isVirtual() const = 0;
};

// Wall-clock time; waits in short slices so approvals and overrides written by
// other piperun processes are seen within a second.
class RealClock final : public Clock {
 public:
  Instant now() override;
  void waitUntil(Instant until, bool busy) override;
  bool isVirtual() const override { return false; }
};

// Jumps straight to the next instant at which anything can change.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(Instant start) : now_(start) {}
  Instant now() override { return now_; }
  void waitUntil(Instant until, bool) override {
    if (until > now_) now_ = until;
  }
  bool isVirtual() const override { return true; }

 private:
  Instant now_;
};

}  // namespace pipelang::runtime
