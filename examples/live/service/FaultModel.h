// How an instance of the live service behaves, decided by its version alone,
// so that a bad release is bad wherever it runs (docs/live.md).
#pragma once

#include <cstdint>
#include <set>
#include <string>

namespace pipelang::live {

class FaultModel {
 public:
  // `faultyVersions` serve `kFaultyShare` of their requests as 500s; every
  // other version is healthy and fails one request in a thousand.
  FaultModel(std::string version, const std::set<std::string>& faultyVersions);

  // Whether the n-th request (0-based) fails. Deterministic, not random: the
  // fault rate seen over any few seconds of traffic is the configured one.
  bool faults(uint64_t n) const { return n % faultEvery_ == faultEvery_ - 1; }
  // How long the n-th request works, in milliseconds (a few, spread evenly).
  int workMs(uint64_t n) const { return 2 + static_cast<int>((n * 7919) % 7); }
  double faultShare() const { return 1.0 / static_cast<double>(faultEvery_); }
  const std::string& version() const { return version_; }

  static constexpr uint64_t kFaultyEvery = 5;      // 20% faults: a release no one should keep
  static constexpr uint64_t kHealthyEvery = 1000;  // 0.1%: the background noise of a real fleet

 private:
  std::string version_;
  uint64_t faultEvery_;
};

}  // namespace pipelang::live
