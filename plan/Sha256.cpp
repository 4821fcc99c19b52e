#include "plan/Sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace pipelang::planformat {

struct Sha256::Context {
  EVP_MD_CTX* md = nullptr;
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  context_->md = EVP_MD_CTX_new();
  if (!context_->md || EVP_DigestInit_ex(context_->md, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("libcrypto cannot compute SHA-256");
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes) {
  if (!bytes.empty()) EVP_DigestUpdate(context_->md, bytes.data(), bytes.size());
}

std::string Sha256::hexDigest() {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->md, hash, &length);
  static const char* hex = "0123456789abcdef";
  std::string result = "sha256:";
  result.reserve(result.size() + 2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    result += hex[hash[i] >> 4];
    result += hex[hash[i] & 15];
  }
  return result;
}

std::string sha256Hex(std::string_view bytes) {
  Sha256 sha;
  sha.update(bytes);
  return sha.hexDigest();
}

}  // namespace pipelang::planformat
