#include "tests/live/LoopbackHttpServer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

LoopbackHttpServer::LoopbackHttpServer(Handler handler) : handler_(std::move(handler)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 16) != 0)
    throw std::runtime_error("cannot listen on 127.0.0.1");
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

LoopbackHttpServer::~LoopbackHttpServer() {
  stop_ = true;
  thread_.join();
  for (auto& worker : workers_) worker.join();  // the acceptor has stopped: no new ones
  ::close(listener_);
}

void LoopbackHttpServer::serve() {
  while (!stop_) {
    pollfd waiting{listener_, POLLIN, 0};
    if (::poll(&waiting, 1, 50) <= 0) continue;
    int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    ++connections_;
    std::lock_guard<std::mutex> lock(workersMutex_);
    workers_.emplace_back([this, client] { answer(client); });
  }
}

void LoopbackHttpServer::answer(int client) {
  std::string request;
  char buffer[4096];
  do {
    if (!answerOne(client, request)) return;  // an answer that said `Connection: close` closed it
    // Whether to keep the connection was decided with the answer just sent:
    // setKeepAlive(false) between two requests must not drop a connection the
    // client was told it may reuse (that made a read retry on a new one).
  } while (!stop_ && [&] {  // the next request on this connection, until the client closes
    while (request.find("\r\n\r\n") == std::string::npos) {
      pollfd readable{client, POLLIN, 0};
      if (::poll(&readable, 1, 50) < 0 || stop_) return false;
      if (!(readable.revents & (POLLIN | POLLHUP))) continue;
      ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
      if (got <= 0) return false;
      request.append(buffer, static_cast<size_t>(got));
    }
    return true;
  }());
  ::close(client);
}

bool LoopbackHttpServer::answerOne(int client, std::string& request) {
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    pollfd readable{client, POLLIN, 0};
    if (::poll(&readable, 1, 2000) <= 0) break;
    ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    request.append(buffer, static_cast<size_t>(got));
  }
  ++requests_;
  size_t start = request.find(' ');
  size_t end = start == std::string::npos ? start : request.find(' ', start + 1);
  std::string target = end == std::string::npos ? "" : request.substr(start + 1, end - start - 1);
  auto [status, body] = handler_(target);
  // Slow or hanging: wait in slices so that destruction is never held up.
  for (int waited = 0; !stop_ && (delayMs_ < 0 || waited < delayMs_); waited += 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (status == 0 || stop_) {  // a server that accepts and hangs up
    ::close(client);
    return false;
  }
  bool keep = keepAlive_;
  std::string response = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
                         "Content-Length: " + std::to_string(body.size()) + "\r\n" +
                         (keep ? "" : "Connection: close\r\n") + "\r\n" + body;
  ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
  size_t used = request.find("\r\n\r\n");
  request.erase(0, used == std::string::npos ? request.size() : used + 4);
  if (!keep) ::close(client);
  return keep;
}
