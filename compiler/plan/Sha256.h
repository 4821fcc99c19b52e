// SHA-256 (FIPS 180-4) of a byte string, for the plan digest
// (docs/plan-format.md, "Digest"). Uses the processor's SHA extensions when
// it has them (x86-64 SHA-NI: the digest was a fifth of `pipec plan -o`,
// issue 18), else LLVM's portable implementation; both give the same bytes.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace pipelang::planformat {

std::array<uint8_t, 32> sha256(std::string_view bytes);

// The portable implementation alone, and whether sha256() uses the
// extensions here: for tests that compare the two.
std::array<uint8_t, 32> sha256Portable(std::string_view bytes);
bool sha256UsesExtensions();

}  // namespace pipelang::planformat
