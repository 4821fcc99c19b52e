// The CLI's side of `piperun serve` (docs/service.md, "CLI against a server"):
// JSON calls and the event stream over libcurl, the token from PIPERUN_TOKEN.
#pragma once

#include <functional>
#include <string>

namespace pipelang::runtime::cli {

struct HttpAnswer {
  long status = 0;      // 0: no answer (see `failure`)
  std::string body;     // the JSON the server sent
  std::string failure;  // why there was no answer (curl's words)
};

class ServerClient {
 public:
  // `base`: http(s)://HOST:PORT[/PREFIX]; `token`: empty for none.
  ServerClient(std::string base, std::string token);

  // One call of at most 30 s. `path` starts with /api/v1/.
  HttpAnswer get(const std::string& path) const;
  HttpAnswer post(const std::string& path, const std::string& jsonBody) const;
  // GET of a text/event-stream: `onEvent(id, type, data)` for each event until
  // the server ends the stream, the connection fails or onEvent returns false.
  // The answer holds the status, and the body only when it was not a stream.
  HttpAnswer stream(
      const std::string& path,
      const std::function<bool(const std::string&, const std::string&, const std::string&)>& onEvent) const;

  const std::string& base() const { return base_; }
  // `text` escaped for a URL path segment or query value.
  static std::string escape(const std::string& text);

 private:
  HttpAnswer perform(const std::string& method, const std::string& path, const std::string& body,
                     const std::function<bool(const char*, size_t)>& sink, long timeoutMs) const;
  std::string base_, token_;
};

// Exit status and message for an answer that is not 2xx (docs/service.md):
// 1 for no answer, 5xx, 401, 403, 404, 409; 2 for 400 (the input was refused).
// Prints "piperun: ..." on stderr; returns 0 for a 2xx answer without printing.
int reportFailure(const ServerClient& client, const HttpAnswer& answer);

}  // namespace pipelang::runtime::cli
