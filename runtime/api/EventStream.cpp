#include "runtime/api/EventStream.h"

#include "runtime/text/JsonText.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace pipelang::runtime::api {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kStopCheck{250};
constexpr int kBatch = 200;

struct Cursor {
  std::int64_t after;  // the last event id looked at, of any pipeline
  Clock::time_point lastWrite;
  bool opened = false;
};

// One event as an SSE frame; the JSON is one line (llvm::json escapes newlines).
std::string frame(const llvm::json::Object& event) {
  std::string type = event.getString("type").getValueOr("event").str();
  // An event type is a word; anything else would break the frame.
  if (type.find_first_of("\r\n") != std::string::npos) type = "event";
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", event.getInteger("id").getValueOr(0), type,
                     jsonText(llvm::json::Value(llvm::json::Object(event))));
}

}  // namespace

void streamEvents(service::ServiceApi& api, std::int64_t after, const std::string& pipeline,
                  std::chrono::milliseconds heartbeat, const std::atomic<bool>& stopping, httplib::Response& response,
                  std::function<void()> onEnd) {
  auto cursor = std::make_shared<Cursor>(Cursor{after, Clock::now()});
  response.set_chunked_content_provider(
      "text/event-stream",
      [&api, &stopping, pipeline, heartbeat, cursor](size_t, httplib::DataSink& sink) {
        auto write = [&](const std::string& text) {
          cursor->lastWrite = Clock::now();
          return sink.write(text.data(), text.size());
        };
        if (stopping) {
          sink.done();
          return true;
        }
        if (!cursor->opened) {
          cursor->opened = true;
          // Sent at once so that a client knows the stream is open; retry: how long
          // a browser's EventSource waits before it reconnects with Last-Event-ID.
          if (!write(": stream open\nretry: 2000\n\n")) return false;
        }
        // Every pipeline's events are read and filtered here, so that the cursor
        // moves past other pipelines' events and waitForEvent does not spin.
        service::ApiOutcome page = api.events(cursor->after, "", kBatch);
        const llvm::json::Array* events = nullptr;
        if (const auto* object = page.body.getAsObject()) events = object->getArray("events");
        if (page.status != 200 || !events) {
          write("event: error\ndata: " + jsonText(page.body) + "\n\n");
          sink.done();
          return true;
        }
        for (const llvm::json::Value& value : *events) {
          const llvm::json::Object* event = value.getAsObject();
          if (!event) continue;
          cursor->after = std::max(cursor->after, event->getInteger("id").getValueOr(cursor->after));
          if (!pipeline.empty() && event->getString("pipeline") != llvm::StringRef(pipeline)) continue;
          if (!write(frame(*event))) return false;
        }
        if (events->size() >= static_cast<size_t>(kBatch)) return true;  // more to read at once
        auto untilHeartbeat =
            std::chrono::duration_cast<std::chrono::milliseconds>(cursor->lastWrite + heartbeat - Clock::now());
        if (untilHeartbeat <= std::chrono::milliseconds(0)) return write(": heartbeat\n\n");
        api.waitForEvent(cursor->after, std::min(kStopCheck, untilHeartbeat));
        return sink.is_writable();
      },
      [onEnd](bool) { onEnd(); });
}

}  // namespace pipelang::runtime::api
