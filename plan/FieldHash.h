// A hash of a value's fields, for the caches that reuse work between equal
// values (issue 18: SharedAnalyses, RepeatedParts). Equal values must hash
// equally, so only fields the value's `==` compares go in. Doubles go in by
// their bits: values that `==` calls equal but whose bytes differ (-0.0 and
// 0.0, written "-0" and "0" in a plan's canonical form) hash apart, so a
// cache that also compares with `==` never takes one for the other.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>

namespace pipelang::planformat {

class FieldHash {
 public:
  void add(uint64_t value) { value_ = (value_ ^ value) * 0x100000001B3ULL; }  // FNV-1a's step, a word at a time
  void add(double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    add(bits);
  }
  void add(const std::optional<double>& value) { value ? add(*value) : add(uint64_t{0x7FF4}); }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0xCBF29CE484222325ULL;
};

}  // namespace pipelang::planformat
