// The real ApiServer over FakeServiceApi on 127.0.0.1, for the OpenAPI check
// (openapi_fake_test.py): `fake_serve [TOKENS]` prints the port on stdout and
// serves until its stdin closes.
#include "runtime/api/ApiServer.h"
#include "tests/service/FakeServiceApi.h"

#include <iostream>

int main(int argc, char** argv) {
  pipelang::tests::FakeServiceApi fake;
  pipelang::runtime::api::ApiServerOptions options;
  options.listen = "127.0.0.1:0";
  if (argc > 1) options.tokensFile = argv[1];
  auto server = pipelang::runtime::api::ApiServer::start(fake, options);
  if (!server) {
    std::cerr << "fake_serve: " << llvm::toString(server.takeError()) << "\n";
    return 1;
  }
  std::cout << (*server)->port() << std::endl;
  std::string ignored;
  while (std::getline(std::cin, ignored)) {
  }
  (*server)->stop();
  return 0;
}
