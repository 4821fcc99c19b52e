// A minimal HTTP/1.1 server on 127.0.0.1 (ephemeral port) for tests: each
// request's target is passed to a handler that returns (status, body). It
// serves on its own thread and stops when destroyed.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <utility>

class LoopbackHttpServer {
 public:
  using Handler = std::function<std::pair<int, std::string>(const std::string& target)>;
  explicit LoopbackHttpServer(Handler handler);
  ~LoopbackHttpServer();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void serve();
  Handler handler_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};
