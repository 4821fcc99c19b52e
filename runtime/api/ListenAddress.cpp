#include "runtime/api/ListenAddress.h"

#include "runtime/text/Printable.h"

#include <arpa/inet.h>
#include <llvm/ADT/StringRef.h>

namespace pipelang::runtime::api {

namespace {

bool isLoopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace

llvm::Expected<ListenAddress> parseListen(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "--listen \"%s\": %s", printable(text).c_str(),
                                   why.c_str());
  };
  llvm::StringRef rest(text);
  size_t colon = rest.rfind(':');
  if (colon == llvm::StringRef::npos) return bad("expected HOST:PORT, such as 127.0.0.1:8470");
  llvm::StringRef host = rest.take_front(colon), port = rest.drop_front(colon + 1);
  if (host.startswith("[") && host.endswith("]")) host = host.drop_front().drop_back();
  if (host.empty()) return bad("expected HOST:PORT, such as 127.0.0.1:8470");
  unsigned number = 0;
  if (port.empty() || port.getAsInteger(10, number) || number > 65535) return bad("the port must be 0..65535");
  ListenAddress address{host.str(), static_cast<int>(number), false};
  address.loopback = isLoopback(address.host);
  return address;
}

}  // namespace pipelang::runtime::api
