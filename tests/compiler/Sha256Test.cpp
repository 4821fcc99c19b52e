// The plan digest's SHA-256 with the processor's SHA extensions against the
// FIPS 180-4 examples and LLVM's portable implementation, on every length
// around the block and padding boundaries and on a plan-sized input.
#include "compiler/plan/Sha256.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace pipelang::planformat;

namespace {

std::string hex(const std::array<uint8_t, 32>& hash) {
  static const char* digits = "0123456789abcdef";
  std::string text;
  for (uint8_t byte : hash) {
    text += digits[byte >> 4];
    text += digits[byte & 15];
  }
  return text;
}

}  // namespace

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(sha256(std::string(1'000'000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, EqualsThePortableImplementationOnEveryLength) {
  std::mt19937 random(18);
  std::string bytes;
  for (size_t length = 0; length <= 300; ++length) {
    EXPECT_EQ(hex(sha256(bytes)), hex(sha256Portable(bytes))) << "length " << length;
    bytes += static_cast<char>(random());
  }
  bytes.resize(187'000);  // one plan of the override organisation
  for (char& c : bytes) c = static_cast<char>(random());
  EXPECT_EQ(hex(sha256(bytes)), hex(sha256Portable(bytes)));
  RecordProperty("sha_extensions", sha256UsesExtensions() ? "yes" : "no");
}
