// `--listen HOST:PORT` for `piperun serve` (docs/service.md, "API").
#pragma once

#include <llvm/Support/Error.h>

#include <string>

namespace pipelang::runtime::api {

struct ListenAddress {
  std::string host;       // without the brackets of an IPv6 literal
  int port = 0;           // 0: any free port
  bool loopback = false;  // 127.0.0.0/8, ::1 or `localhost`
};

// Parses HOST:PORT ([V6]:PORT for IPv6). Error: no port, a port outside
// 0..65535, an empty host.
llvm::Expected<ListenAddress> parseListen(const std::string& text);

}  // namespace pipelang::runtime::api
