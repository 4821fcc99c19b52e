// pipe_live_service: one instance of the live demo's fleet (docs/live.md).
//   pipe_live_service --port N --region R --zone Z --host H --version V
//                     [--faulty-versions v2,v7]
// Serves GET /api/orders and /api/cart (the traffic), /metrics (Prometheus),
// /healthz (readiness) and /version (what deploy.sh and the tests check).
// Log lines on stderr start with the wall-clock time in milliseconds, so the
// demo can measure from the first fault to the rollback.
#include "FaultModel.h"
#include "HttpServer.h"
#include "ServiceMetrics.h"

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>

namespace live = pipelang::live;

namespace {

std::atomic<bool> stopRequested{false};

void onSignal(int) {
  stopRequested = true;
}

long long nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void log(const std::string& message) {
  std::fprintf(stderr, "%lld %s\n", nowMs(), message.c_str());
  std::fflush(stderr);
}

std::set<std::string> splitList(const std::string& text) {
  std::set<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) items.insert(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

int usage(const std::string& why) {
  std::fprintf(stderr,
               "pipe_live_service: %s\nusage: pipe_live_service --port N --region R --zone Z --host H --version V "
               "[--faulty-versions LIST]\n",
               why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> options{{"--faulty-versions", "v2"}};
  for (int i = 1; i < argc; i += 2) {
    std::string key = argv[i];
    if (i + 1 >= argc) return usage(key + " needs a value");
    options[key] = argv[i + 1];
  }
  for (const char* required : {"--port", "--region", "--zone", "--host", "--version"})
    if (!options.count(required)) return usage(std::string("missing ") + required);
  for (const auto& [key, value] : options)
    if (key != "--port" && key != "--region" && key != "--zone" && key != "--host" && key != "--version" &&
        key != "--faulty-versions")
      return usage("unknown option " + key);
  int port = std::atoi(options["--port"].c_str());
  if (port <= 0 || port > 65535) return usage("--port must be 1..65535");

  live::FaultModel model(options["--version"], splitList(options["--faulty-versions"]));
  live::ServiceMetrics metrics({options["--region"], options["--zone"], options["--host"], options["--version"]},
                               {"orders", "cart"});
  live::HttpServer server;
  if (std::string error = server.listen(port); !error.empty()) {
    log("cannot start: " + error);
    return 1;
  }
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  std::signal(SIGPIPE, SIG_IGN);
  log("started host=" + options["--host"] + " version=" + model.version() + " port=" + options["--port"] +
      " pid=" + std::to_string(getpid()) + " fault_share=" + std::to_string(model.faultShare()));

  uint64_t served = 0;
  bool faulted = false;
  server.serve(
      [&](const std::string& method, const std::string& path) -> live::HttpResponse {
        if (method != "GET") return {405, "GET only\n"};
        if (path == "/healthz") return {200, "ok\n"};
        if (path == "/version") return {200, model.version() + "\n"};
        if (path == "/metrics") return {200, metrics.exposition(), "text/plain; version=0.0.4; charset=utf-8"};
        if (path != "/api/orders" && path != "/api/cart") return {404, "not found\n"};
        auto started = std::chrono::steady_clock::now();
        uint64_t n = served++;
        std::this_thread::sleep_for(std::chrono::milliseconds(model.workMs(n)));
        int code = model.faults(n) ? 500 : 200;
        if (code == 500 && !faulted) {
          faulted = true;
          log("first fault version=" + model.version() + " request=" + std::to_string(n));
        }
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        metrics.observe(path.substr(5), code, took.count());
        return {code, code == 200 ? "ok\n" : "fault\n"};
      },
      stopRequested);
  log("stopped host=" + options["--host"] + " version=" + model.version() + " served=" + std::to_string(served));
  return 0;
}
