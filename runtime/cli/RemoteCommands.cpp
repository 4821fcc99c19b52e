// status, log, submit, approve, override and rollback against `piperun serve`
// (docs/service.md, "CLI against a server").
#include "compiler/plan/BoundedJson.h"
#include "runtime/cli/Commands.h"
#include "runtime/cli/ServerClient.h"
#include "runtime/cli/StatusTable.h"
#include "runtime/text/JsonText.h"
#include "runtime/text/Printable.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <unistd.h>

#include <algorithm>
#include <thread>
#include <tuple>
#include <vector>

namespace pipelang::runtime::cli {

namespace {

constexpr int kLogPage = 1000;
constexpr std::chrono::seconds kWatchPeriod{2};

std::string pipelinePath(const std::string& pipeline) {
  return "/api/v1/pipelines/" + ServerClient::escape(pipeline);
}

// The body as JSON, or exit 1 saying what came instead.
std::optional<llvm::json::Value> parseBody(const ServerClient& client, const HttpAnswer& answer) {
  auto value = planformat::parseBoundedJson(answer.body);
  if (value) return std::move(*value);
  llvm::consumeError(value.takeError());
  llvm::errs() << "piperun: the server at " << printable(client.base()) << " did not answer JSON\n";
  return std::nullopt;
}

// One frame of status: the table, or the JSON. 0, or the failure's exit status.
int statusFrame(const ServerClient& client, const RemoteArgs& args, std::string& frame) {
  HttpAnswer answer = client.get(args.pipeline.empty() ? "/api/v1/pipelines" : pipelinePath(args.pipeline));
  if (int failed = reportFailure(client, answer)) return failed;
  if (args.json) {
    frame = answer.body + "\n";
    return 0;
  }
  auto value = parseBody(client, answer);
  if (!value) return kRuntimeError;
  frame = args.pipeline.empty() ? pipelinesTable(*value) : pipelineTable(*value);
  return 0;
}

}  // namespace

int remoteRequestCommand(const RemoteArgs& args, const std::string& action, const std::string& body) {
  ServerClient client(args.server, args.token);
  HttpAnswer answer = client.post(pipelinePath(args.pipeline) + "/" + action, body);
  if (int failed = reportFailure(client, answer)) return failed;
  if (args.json) {
    llvm::outs() << answer.body << "\n";
    return kDeployed;
  }
  auto value = parseBody(client, answer);
  if (!value) return kRuntimeError;
  const llvm::json::Object* object = value->getAsObject();
  auto text = [&](llvm::StringRef key) {
    const llvm::json::Value* field = object ? object->get(key) : nullptr;
    if (!field) return std::string("-");
    if (auto s = field->getAsString()) return printable(*s);
    return jsonText(*field);
  };
  if (action == "versions") {
    llvm::outs() << "submitted " << text("version") << " to " << printable(args.pipeline) << ": run " << text("run_id")
                 << ", " << text("status") << "\n";
    if (const auto* superseded = object ? object->getArray("superseded") : nullptr)
      if (!superseded->empty()) llvm::outs() << "superseded runs: " << jsonText(llvm::json::Array(*superseded)) << "\n";
  } else {
    llvm::outs() << action << " requested for " << printable(args.pipeline) << " " << text("version") << " (run "
                 << text("run_id") << ", request " << text("request_id") << ")\n";
  }
  return kDeployed;
}

int remoteStatusCommand(const RemoteArgs& args) {
  ServerClient client(args.server, args.token);
  bool tty = isatty(STDOUT_FILENO);
  for (bool first = true;; first = false) {
    std::string frame;
    if (int failed = statusFrame(client, args, frame)) return failed;
    // Like `kubectl argo rollouts get --watch`: a TTY is redrawn in place;
    // a pipe or a file gets every frame, separated by a blank line.
    if (args.watch && tty)
      llvm::outs() << "\033[H\033[2J";
    else if (!first)
      llvm::outs() << "\n";
    llvm::outs() << frame;
    llvm::outs().flush();
    if (!args.watch) return kDeployed;
    std::this_thread::sleep_for(kWatchPeriod);  // SIGINT ends piperun here (no commands in flight)
  }
}

int remoteTimelineCommand(const RemoteArgs& args, const std::string& version) {
  ServerClient client(args.server, args.token);
  HttpAnswer answer = client.get(pipelinePath(args.pipeline) + "/timeline?version=" + ServerClient::escape(version));
  if (int failed = reportFailure(client, answer)) return failed;
  if (args.json) {
    llvm::outs() << answer.body << "\n";
    return kDeployed;
  }
  auto value = parseBody(client, answer);
  if (!value) return kRuntimeError;
  const llvm::json::Object* timeline = value->getAsObject();
  const llvm::json::Array* lines = timeline ? timeline->getArray("lines") : nullptr;
  if (!lines) {
    llvm::errs() << "piperun: the server at " << printable(client.base()) << " did not answer a timeline\n";
    return kRuntimeError;
  }
  auto text = [&](llvm::StringRef key, llvm::StringRef none) {
    auto field = timeline->getString(key);
    return printable(field ? field->str() : none.str());
  };
  // The header of the run's section in a local `piperun log`.
  llvm::outs() << "== run #" << timeline->getInteger("run_id").getValueOr(0) << ": " << text("version", "-")
               << " (previous " << text("previous", "none: first deployment") << ") " << text("status", "-") << "\n";
  if (auto omitted = timeline->getInteger("omitted"); omitted && *omitted > 0)
    llvm::outs() << "   (" << *omitted << " earlier lines left out)\n";
  for (const llvm::json::Value& line : *lines)
    if (auto s = line.getAsString()) llvm::outs() << printable(s->str()) << "\n";
  return kDeployed;
}

int remoteLogCommand(const RemoteArgs& args) {
  ServerClient client(args.server, args.token);
  // Events and notification attempts are paged on separately, then printed
  // together in time order as a local `piperun log` does (an event before an
  // attempt of the same second).
  std::int64_t after = 0, notificationsAfter = 0;
  std::vector<llvm::json::Value> events, attempts;
  auto largestId = [](const llvm::json::Value& item, std::int64_t id) {
    const auto* object = item.getAsObject();
    return std::max(id, object ? object->getInteger("id").getValueOr(id) : id);
  };
  for (bool more = true; more;) {
    HttpAnswer answer =
        client.get(pipelinePath(args.pipeline) + "/log?after=" + std::to_string(after) +
                   "&limit=" + std::to_string(kLogPage) + "&notifications_after=" + std::to_string(notificationsAfter));
    if (int failed = reportFailure(client, answer)) return failed;
    auto value = parseBody(client, answer);
    if (!value) return kRuntimeError;
    more = false;
    for (auto [key, list, cursor] :
         {std::tuple{"events", &events, &after}, std::tuple{"notifications", &attempts, &notificationsAfter}}) {
      const llvm::json::Array* page = value->getAsObject() ? value->getAsObject()->getArray(key) : nullptr;
      if (!page) continue;  // a server from before notifications has no attempts
      for (const llvm::json::Value& item : *page) {
        *cursor = largestId(item, *cursor);
        list->push_back(item);
      }
      more = more || page->size() >= static_cast<size_t>(kLogPage);
    }
  }
  auto time = [](const llvm::json::Value& item) {
    const auto* object = item.getAsObject();
    return object ? object->getString("t").getValueOr("").str() : std::string();
  };
  std::stable_sort(attempts.begin(), attempts.end(),
                   [&](const llvm::json::Value& a, const llvm::json::Value& b) { return time(a) < time(b); });
  size_t nextAttempt = 0;
  auto printAttemptsBefore = [&](const std::string* t) {
    for (; nextAttempt < attempts.size() && (!t || time(attempts[nextAttempt]) < *t); ++nextAttempt)
      llvm::outs() << (args.json ? jsonText(attempts[nextAttempt]) : notificationLine(attempts[nextAttempt])) << "\n";
  };
  for (const llvm::json::Value& event : events) {
    std::string t = time(event);
    printAttemptsBefore(&t);
    llvm::outs() << (args.json ? jsonText(event) : eventLine(event)) << "\n";
  }
  printAttemptsBefore(nullptr);
  llvm::outs().flush();
  if (!args.follow) return kDeployed;
  // Follow the stream from the last event printed; the server ends it when it stops.
  HttpAnswer streamed = client.stream(
      "/api/v1/events?after=" + std::to_string(after) + "&pipeline=" + ServerClient::escape(args.pipeline),
      [&](const std::string&, const std::string& type, const std::string& data) {
        auto event = planformat::parseBoundedJson(data);
        if (!event) {
          llvm::consumeError(event.takeError());
          return true;
        }
        if (type == "error") {
          llvm::errs() << "piperun: the event stream ended: " << printable(data) << "\n";
          return false;
        }
        llvm::outs() << (args.json ? data : eventLine(*event)) << "\n";
        llvm::outs().flush();
        return true;
      });
  if (int failed = reportFailure(client, streamed)) return failed;
  llvm::errs() << "piperun: the server at " << printable(client.base()) << " ended the event stream\n";
  return kRuntimeError;
}

}  // namespace pipelang::runtime::cli
