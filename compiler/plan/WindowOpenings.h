// When a stage's window opens for a version ready at a given instant, asked
// thousands of times per plan by the throughput walk (Throughput.cpp) and
// each answer several time-zone conversions. Answers depend only on the
// windows and the instant, and an organisation's services mostly share their
// windows and the reference week, so they are remembered per windows across
// every plan of the process (issue 18: these queries were two thirds of
// `pipec plan -o`, and a fifth after remembering them per plan).
#pragma once

#include "plan/WindowCalendar.h"

#include <cstdint>
#include <memory>

namespace pipelang::plan {

class WindowOpenings {
 public:
  explicit WindowOpenings(const planformat::WindowCalendar& calendar);

  // calendar.nextAllowedStart(ready).value_or(ready), in unix seconds: a
  // window that never opens starts at once (S215 reports it). Thread-safe.
  int64_t opens(int64_t ready);

  // calendar.insideAllow(t) for unix second `t`, remembered per UTC minute
  // (the answer only changes at a local minute); minutes that are not one
  // local minute are asked of the calendar each time. Thread-safe. Spares
  // the off-hours bakes of the throughput walk libc's conversion under the
  // process-wide TZ lock (issue 18).
  bool insideAllow(int64_t t);

  struct Table;

 private:
  int64_t opensShared(int64_t ready);  // opens() from the shared table

  const planformat::WindowCalendar& calendar_;
  std::shared_ptr<Table> table_;  // the answers for this calendar's windows
  bool everyTimeInside_;          // no allow rule: every instant is inside
};

}  // namespace pipelang::plan
