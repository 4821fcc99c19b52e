// A key of a value's fields, for the caches that reuse work between equal
// values (issue 18: SharedAnalyses, RepeatedParts): a hash, and the bits of
// every double. Equal values must give equal keys, so only fields the
// value's `==` compares go in. `==` calls -0.0 and 0.0 equal, but a plan's
// canonical form writes "-0" and "0": a cache takes a kept value only when
// its key is equal too, so every double of it must go in, and each is then
// compared bit for bit (a hash alone cannot tell: two signs flipped cancel
// in it). SecondSighting says which values to keep; it goes by the hash
// alone, so a key should hash most of what tells values apart (a kind
// admitted by a shared hash costs a copy that is never reused).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string_view>
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
  void add(std::string_view text) { add(uint64_t(std::hash<std::string_view>{}(text))); }
  uint64_t hash() const { return hash_; }
  bool operator==(const FieldKey&) const = default;  // the hash first, then each double's bits

 private:
  uint64_t hash_ = 0xCBF29CE484222325ULL;
  std::vector<uint64_t> doubles_;  // in the order added
};

// Which values a cache keeps: only one whose key was seen before, so that
// an organisation whose plans all differ pays for no copy it never reuses
// (about a third more CPU and twice the memory when every part was kept),
// and one whose services repeat keeps each kind from its second plan on.
// Remembers one key hash per slot, 1,024 slots.
class SecondSighting {
 public:
  // True when `hash` was seen before; otherwise it is remembered.
  bool seenBefore(uint64_t hash) {
    // The slot from the hash's top bits: FieldKey's words only carry upwards.
    uint64_t& slot = slots_[(hash * 0x9E3779B97F4A7C15ULL) >> (64 - kSlotBits)];
    if (slot == hash) return true;
    slot = hash;
    return false;
  }

 private:
  static constexpr int kSlotBits = 10;
  std::array<uint64_t, size_t{1} << kSlotBits> slots_{};
};

}  // namespace pipelang::planformat
