// A key of a value's fields, for the caches that reuse work between equal
// values (issue 18: SharedAnalyses, RepeatedParts): a hash, and the bits of
// every double. Equal values must give equal keys, so only fields the
// value's `==` compares go in. `==` calls -0.0 and 0.0 equal, but a plan's
// canonical form writes "-0" and "0": a cache takes a kept value only when
// its key is equal too, so every double of it must go in, and each is then
// compared bit for bit (a hash alone cannot tell: two signs flipped cancel
// in it).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace pipelang::planformat {

class FieldKey {
 public:
  void add(uint64_t value) { hash_ = (hash_ ^ value) * 0x100000001B3ULL; }  // FNV-1a's step, a word at a time
  void add(double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    doubles_.push_back(bits);
    add(bits);
  }
  void add(const std::optional<double>& value) { value ? add(*value) : add(uint64_t{0x7FF4}); }
  uint64_t hash() const { return hash_; }
  bool operator==(const FieldKey&) const = default;  // the hash first, then each double's bits

 private:
  uint64_t hash_ = 0xCBF29CE484222325ULL;
  std::vector<uint64_t> doubles_;  // in the order added
};

}  // namespace pipelang::planformat
