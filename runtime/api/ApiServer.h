// The HTTP face of `piperun serve` (docs/service.md, docs/openapi.yaml): JSON
// under /api/v1/ over a ServiceApi, with identity from bearer tokens. The
// ServiceApi is called from several server threads at once (one per
// connection, up to 32; an open event stream holds one): it must be thread-safe.
#pragma once

#include "runtime/service/ServiceApi.h"

#include <llvm/Support/Error.h>

#include <chrono>
#include <memory>
#include <string>

namespace pipelang::runtime::api {

struct ApiServerOptions {
  std::string listen = "127.0.0.1:8470";       // HOST:PORT; port 0 picks a free one
  std::string tokensFile;                      // empty: no tokens, so every mutating call is 401
  std::chrono::milliseconds heartbeat{15000};  // a comment line on an idle event stream this often
  int maxStreams = 16;  // open event streams at once; one more is 503 (each holds a server thread)
};

class ApiServer {
 public:
  // Binds and serves on background threads. Errors: a bad HOST:PORT, an address
  // in use, a non-loopback address without a tokens file, an unreadable or
  // malformed tokens file (the message names the file and line).
  static llvm::Expected<std::unique_ptr<ApiServer>> start(service::ServiceApi& api, const ApiServerOptions& options);
  virtual ~ApiServer() = default;
  virtual int port() const = 0;  // the bound port
  // Event streams accepted since start (not those refused with 503): a test
  // waits on it to know a client is following before it adds events or stops.
  virtual int streamsOpened() const = 0;
  virtual void stop() = 0;  // stops accepting and ends open event streams (within 250 ms); idempotent
};

}  // namespace pipelang::runtime::api
