// A minimal HTTP/1.1 server on 127.0.0.1 (ephemeral port) for tests: each
// request's target is passed to a handler that returns (status, body). Each
// connection is served on a thread of its own, so a slow or hanging answer
// (setDelayMs) does not hold back the others; everything stops when destroyed.
// Connections close after each answer unless setKeepAlive(true).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

class LoopbackHttpServer {
 public:
  using Handler = std::function<std::pair<int, std::string>(const std::string& target)>;
  explicit LoopbackHttpServer(Handler handler);
  ~LoopbackHttpServer();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }
  int connections() const { return connections_; }  // accepted so far
  // Answers without `Connection: close` and reads the next request on the
  // same connection, as Prometheus does.
  void setKeepAlive(bool keep) { keepAlive_ = keep; }
  // Every answer is sent this long after its request; -1: never (the
  // connection hangs until the server is destroyed).
  void setDelayMs(int ms) { delayMs_ = ms; }

 private:
  void serve();
  void answer(int client);
  // Answers the request at the start of REQUEST (reading more if needed) and
  // removes it; false when the connection is closed (or to close).
  bool answerOne(int client, std::string& request);
  Handler handler_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  std::atomic<bool> keepAlive_{false};
  std::atomic<int> delayMs_{0};
  std::mutex workersMutex_;
  std::vector<std::thread> workers_;
  std::thread thread_;
};
