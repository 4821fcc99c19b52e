// When a wait's reason goes to the timeline (docs/runtime.md "Nothing waits
// silently or forever"): when the wait starts and whenever its kind changes
// (window, a blocker, approval, min_traffic, datapoints); a reason whose text
// changes while the wait lasts (a growing traffic sum, a datapoint count) is
// said again at most once per kRepeatS of waiting, so a long wait neither goes
// silent nor floods the timeline. Times are Instants (seconds).
#pragma once

#include "runtime/plan/Plan.h"

#include <optional>
#include <string>

namespace pipelang::runtime {

class WaitNotice {
 public:
  static constexpr int kRepeatS = 600;

  // The wait's current kind and text at `now`; true when the text is to be said now.
  bool update(const std::string& kind, const std::string& text, Instant now);
  // The wait ended: the next one starts afresh.
  void clear();
  // When a changed but not yet said text becomes due; none when nothing is held back.
  std::optional<Instant> due() const;

  bool waiting() const { return since_ >= 0; }
  Instant since() const { return since_; }
  const std::string& kind() const { return kind_; }
  const std::string& text() const { return current_; }

 private:
  std::string kind_, said_, current_;
  Instant saidAt_ = 0, since_ = -1;
};

}  // namespace pipelang::runtime
