// A small HTTP/1.1 server on 127.0.0.1: one connection at a time, one GET per
// connection (`Connection: close`). Serial is enough for a few dozen requests
// a second and keeps the service free of threads and locks that could hide
// a fault; every read has a timeout, so a stuck client cannot stall it.
#pragma once

#include <atomic>
#include <functional>
#include <string>

namespace pipelang::live {

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string contentType = "text/plain; charset=utf-8";
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const std::string& method, const std::string& path)>;

  ~HttpServer();
  // Binds 127.0.0.1:port (SO_REUSEADDR: a restarted instance takes its port
  // back at once). Returns an error message, empty on success.
  std::string listen(int port);
  // Serves until `stop` becomes true (checked at least every 100 ms).
  void serve(const Handler& handler, const std::atomic<bool>& stop);

 private:
  void handleConnection(int fd, const Handler& handler);
  int listener_ = -1;
};

}  // namespace pipelang::live
