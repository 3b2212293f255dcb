// SPDX-License-Identifier: Apache-2.0
// File: tests/common/splitmix64.hpp (tests)
// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014; Vigna's splitmix64.c): tiny, and its output is fixed by its definition, unlike
// <random>'s distributions, so every generated and fuzzed test case is the same on every
// toolchain. history_fuzz_test.cpp pins its reference values. The slight modulo bias of
// below() does not matter for tests.
#pragma once

#include <cstdint>

namespace mqcheck::testing {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Returns a value in [0, n); 0 when n is 0.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  /// Returns an int in [lo, hi].
  int between(int lo, int hi) {
    return lo + static_cast<int>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  /// Returns true with probability p.
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  std::uint64_t state_;
};

}  // namespace mqcheck::testing
