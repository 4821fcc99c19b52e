#include "HttpServer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace pipelang::live {
namespace {

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    default:
      return "Unknown";
  }
}

void writeAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; nothing to do about it
    sent += static_cast<size_t>(n);
  }
}

}  // namespace

HttpServer::~HttpServer() {
  if (listener_ >= 0) close(listener_);
}

std::string HttpServer::listen(int port) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) return std::string("socket: ") + std::strerror(errno);
  int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
    return "bind 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
  if (::listen(listener_, 128) < 0) return std::string("listen: ") + std::strerror(errno);
  return {};
}

void HttpServer::serve(const Handler& handler, const std::atomic<bool>& stop) {
  while (!stop) {
    pollfd ready{listener_, POLLIN, 0};
    if (poll(&ready, 1, 100) <= 0) continue;  // timeout or EINTR (a signal): re-check `stop`
    int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    handleConnection(fd, handler);
    close(fd);
  }
}

void HttpServer::handleConnection(int fd, const Handler& handler) {
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // closed or timed out before a whole request head
    request.append(buffer, static_cast<size_t>(n));
  }
  // Request line: METHOD SP TARGET SP VERSION; the query string is ignored.
  std::string line = request.substr(0, request.find("\r\n"));
  size_t first = line.find(' ');
  size_t second = first == std::string::npos ? std::string::npos : line.find(' ', first + 1);
  if (second == std::string::npos) return;
  std::string method = line.substr(0, first);
  std::string path = line.substr(first + 1, second - first - 1);
  path = path.substr(0, path.find('?'));

  HttpResponse response = handler(method, path);
  writeAll(fd, "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) + "\r\nContent-Type: " +
                   response.contentType + "\r\nContent-Length: " + std::to_string(response.body.size()) +
                   "\r\nConnection: close\r\n\r\n" + response.body);
}

}  // namespace pipelang::live
