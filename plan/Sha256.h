// SHA-256 of a plan's canonical bytes (docs/plan-format.md "Digest"), through
// OpenSSL's libcrypto: it uses the CPU's SHA extensions where there are some
// (about five times LLVM's portable code on the development machine, whose
// SHA-256 was a quarter of `pipec plan -o`'s instructions; issue 18). Same
// digest, whichever computes it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace pipelang::planformat {

// Bytes in, "sha256:" + 64 lower-case hex digits out. update() any number of
// times, then hexDigest() once. Throws std::runtime_error only if libcrypto
// cannot set up SHA-256 (a broken installation).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  std::string hexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// "sha256:" + hex of `bytes` in one call.
std::string sha256Hex(std::string_view bytes);

}  // namespace pipelang::planformat
