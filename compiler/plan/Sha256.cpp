#include "compiler/plan/Sha256.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/Support/SHA256.h>

#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define PIPE_SHA_NI 1
#endif

namespace pipelang::planformat {

std::array<uint8_t, 32> sha256Portable(std::string_view bytes) {
  auto hash = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  std::array<uint8_t, 32> result;
  std::memcpy(result.data(), hash.data(), result.size());
  return result;
}

#ifdef PIPE_SHA_NI
namespace {

bool hasShaExtensions() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  bool sse41 = c & (1u << 19), ssse3 = c & (1u << 9);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return sse41 && ssse3 && (b & (1u << 29));
}

alignas(16) constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// Compresses `blocks` 64-byte blocks into state (a, b, ..., h).
__attribute__((target("sha,sse4.1,ssse3"))) void compress(uint32_t state[8], const uint8_t* data, size_t blocks) {
  const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  // The instructions want (a, b, e, f) and (c, d, g, h).
  __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[0]));     // a b c d
  __m128i state1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[4]));  // e f g h
  tmp = _mm_shuffle_epi32(tmp, 0xB1);                                             // c d a b -> b a d c
  state1 = _mm_shuffle_epi32(state1, 0x1B);                                       // h g f e
  __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);                               // a b e f
  state1 = _mm_blend_epi16(state1, tmp, 0xF0);                                    // c d g h
  for (; blocks > 0; --blocks, data += 64) {
    __m128i save0 = state0, save1 = state1;
    __m128i msg[4];
    for (int i = 0; i < 4; ++i)
      msg[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)), byteSwap);
    for (int round = 0; round < 16; ++round) {
      __m128i& current = msg[round % 4];
      __m128i work = _mm_add_epi32(current, _mm_load_si128(reinterpret_cast<const __m128i*>(&kRound[4 * round])));
      state1 = _mm_sha256rnds2_epu32(state1, state0, work);
      if (round >= 3 && round < 15) {
        // msg[round + 1] (mod 4) becomes words 4(round + 1)..: finish it with
        // the current words, then start the one after next.
        __m128i& next = msg[(round + 1) % 4];
        next = _mm_add_epi32(next, _mm_alignr_epi8(current, msg[(round + 3) % 4], 4));
        next = _mm_sha256msg2_epu32(next, current);
      }
      work = _mm_shuffle_epi32(work, 0x0E);
      state0 = _mm_sha256rnds2_epu32(state0, state1, work);
      if (round >= 1 && round < 13) msg[(round + 3) % 4] = _mm_sha256msg1_epu32(msg[(round + 3) % 4], current);
    }
    state0 = _mm_add_epi32(state0, save0);
    state1 = _mm_add_epi32(state1, save1);
  }
  tmp = _mm_shuffle_epi32(state0, 0x1B);        // f e b a
  state1 = _mm_shuffle_epi32(state1, 0xB1);     // d c h g
  state0 = _mm_blend_epi16(tmp, state1, 0xF0);  // d c b a
  state1 = _mm_alignr_epi8(state1, tmp, 8);     // h g f e
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[0]), state0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[4]), state1);
}

std::array<uint8_t, 32> sha256Extensions(std::string_view bytes) {
  uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t whole = bytes.size() / 64;
  compress(state, data, whole);
  // The tail, 0x80, zeros, and the length in bits, big-endian: one or two blocks.
  uint8_t last[128] = {};
  size_t tail = bytes.size() % 64;
  std::memcpy(last, data + whole * 64, tail);
  last[tail] = 0x80;
  size_t lastBlocks = tail + 1 + 8 <= 64 ? 1 : 2;
  uint64_t bits = static_cast<uint64_t>(bytes.size()) * 8;
  for (int i = 0; i < 8; ++i) last[lastBlocks * 64 - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  compress(state, last, lastBlocks);
  std::array<uint8_t, 32> result;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) result[4 * i + j] = static_cast<uint8_t>(state[i] >> (24 - 8 * j));
  return result;
}

}  // namespace
#endif

bool sha256UsesExtensions() {
#ifdef PIPE_SHA_NI
  static const bool extensions = hasShaExtensions();
  return extensions;
#else
  return false;
#endif
}

std::array<uint8_t, 32> sha256(std::string_view bytes) {
#ifdef PIPE_SHA_NI
  if (sha256UsesExtensions()) return sha256Extensions(bytes);
#endif
  return sha256Portable(bytes);
}

}  // namespace pipelang::planformat
