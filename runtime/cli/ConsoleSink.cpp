#include "runtime/cli/ConsoleSink.h"

#include "runtime/engine/TimeText.h"
#include "runtime/text/JsonText.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>
#include <llvm/Support/raw_ostream.h>

#include <unistd.h>
#include <ctime>

namespace pipelang::runtime::cli {

ConsoleSink::ConsoleSink(OutputOptions options, std::optional<planformat::WindowCalendar> calendar,
                         ClockPrecision precision)
    : options_(options), calendar_(std::move(calendar)), precision_(precision), tty_(isatty(STDOUT_FILENO) != 0) {}

void ConsoleSink::clearProgress() {
  if (progressShown_) {
    llvm::outs() << "\r\033[K";
    progressShown_ = false;
  }
}

void ConsoleSink::onEvent(const EngineEvent& event) {
  if (options_.quiet) return;
  if (options_.json) {
    llvm::json::Object o{{"t", event.t}, {"type", event.type}, {"message", event.message}};
    if (!event.stage.empty()) o["stage"] = event.stage;
    if (!event.step.empty()) o["step"] = event.step;
    event.detail.printInto(o);
    llvm::outs() << jsonText(llvm::json::Value(std::move(o))) << "\n";
    llvm::outs().flush();
    return;
  }
  clearProgress();
  // People's text (--reason, --by, --version) and commands' output never
  // reach the terminal raw: one line per event, whatever they hold.
  llvm::outs() << timelineLine(calendar_, precision_, event.t, event.stage, event.step, event.message) << "\n";
  llvm::outs().flush();
}

void ConsoleSink::onProgress(const std::string& text) {
  if (options_.quiet || options_.json || !tty_ || text.empty()) return;
  long now = static_cast<long>(std::time(nullptr));
  if (now == lastProgress_) return;
  lastProgress_ = now;
  llvm::outs() << "\r\033[K" << printable(text.substr(0, 150));
  llvm::outs().flush();
  progressShown_ = true;
}

}  // namespace pipelang::runtime::cli
