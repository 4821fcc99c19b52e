#include "runtime/notify/Notification.h"

#include "runtime/text/JsonText.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>
#include <llvm/Support/JSON.h>

#include <ctime>

namespace pipelang::runtime::notify {
namespace {

std::string utc(Instant t) {
  std::time_t seconds = static_cast<std::time_t>(t);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

llvm::json::Value orNull(const std::string& text) {
  return text.empty() ? llvm::json::Value(nullptr) : llvm::json::Value(printable(text));
}

}  // namespace

std::string Notification::text() const {
  std::string where = step.empty() ? stage : step;
  return printable(
      fmt::format("{} {} {}{}: {}", pipeline, version, event, where.empty() ? "" : " at " + where, message));
}

std::string Notification::json() const {
  // printable(): llvm::json takes UTF-8 only, and people's text may be anything.
  llvm::json::Object body{{"event", event},
                          {"pipeline", printable(pipeline)},
                          {"version", printable(version)},
                          {"stage", orNull(stage)},
                          {"step", orNull(step)},
                          {"trigger", orNull(trigger)},
                          {"run_id", runId},
                          {"time", utc(t)},
                          {"message", printable(message)},
                          {"text", text()}};
  return jsonText(llvm::json::Value(std::move(body)));
}

std::map<std::string, std::string> Notification::environment() const {
  return {{"PIPE_NOTIFY_EVENT", event},
          {"PIPE_NOTIFY_PIPELINE", pipeline},
          {"PIPE_NOTIFY_VERSION", version},
          {"PIPE_NOTIFY_STAGE", stage},
          {"PIPE_NOTIFY_STEP", step},
          {"PIPE_NOTIFY_TRIGGER", trigger},
          {"PIPE_NOTIFY_RUN_ID", std::to_string(runId)},
          {"PIPE_NOTIFY_TIME", utc(t)},
          {"PIPE_NOTIFY_MESSAGE", message},
          {"PIPE_NOTIFY_TEXT", text()}};
}

}  // namespace pipelang::runtime::notify
