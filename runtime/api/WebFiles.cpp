#include "runtime/api/WebFiles.h"

namespace pipelang::runtime::api {

const WebFile* findWebFile(std::string_view name) {
  for (const WebFile& file : webFiles())
    if (file.name == name) return &file;
  return nullptr;
}

const char* webContentType(std::string_view name) {
  auto endsWith = [&](std::string_view tail) {
    return name.size() >= tail.size() && name.substr(name.size() - tail.size()) == tail;
  };
  if (endsWith(".html")) return "text/html; charset=utf-8";
  if (endsWith(".js")) return "text/javascript; charset=utf-8";
  if (endsWith(".css")) return "text/css; charset=utf-8";
  if (endsWith(".svg")) return "image/svg+xml";
  if (endsWith(".png")) return "image/png";
  return "application/octet-stream";
}

}  // namespace pipelang::runtime::api
