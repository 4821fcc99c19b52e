// Prints a real run's events: readable lines, one JSON object per line, or
// nothing (--quiet); on a terminal a progress line shows what it waits for.
#pragma once

#include "runtime/cli/Commands.h"
#include "runtime/engine/Engine.h"
#include "runtime/engine/TimeText.h"

#include <optional>

namespace pipelang::runtime::cli {

class ConsoleSink final : public EventSink {
 public:
  // `precision`: the clock of each line (clockPrecisionFor the plan).
  ConsoleSink(OutputOptions options, std::optional<planformat::WindowCalendar> calendar,
              ClockPrecision precision = ClockPrecision::Minutes);
  void onEvent(const EngineEvent& event) override;
  void onProgress(const std::string& text) override;
  bool wantsProgress() const override { return true; }

 private:
  void clearProgress();
  OutputOptions options_;
  std::optional<planformat::WindowCalendar> calendar_;
  ClockPrecision precision_;
  bool tty_;
  bool progressShown_ = false;
  long lastProgress_ = 0;
};

}  // namespace pipelang::runtime::cli
