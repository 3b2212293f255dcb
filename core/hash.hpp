// SPDX-License-Identifier: Apache-2.0
// File: core/hash.hpp (layer: core)
// A stable 64-bit hash for model states: the explorer fingerprints states with it, so it
// must not depend on the platform, the standard library or pointer values (std::hash may).
// Each value is folded in with a splitmix64-style finaliser.
#pragma once

#include <cstdint>
#include <string_view>

namespace mqcheck {

class Hasher {
 public:
  /// Folds `value` into the digest. Order matters: (a, b) and (b, a) hash differently.
  void add(std::uint64_t value) {
    std::uint64_t z = state_ ^ (value + 0x9e3779b97f4a7c15ull + (state_ << 6) + (state_ >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    state_ = z ^ (z >> 31);
  }
  void add(std::string_view text) {
    add(text.size());
    for (char c : text) add(static_cast<unsigned char>(c));
  }
  /// Folds in a range of values each of which `add` or `hash_into` accepts, with its length.
  template <class Range, class F>
  void add_each(Range const& range, F&& each) {
    std::uint64_t n = 0;
    for (auto const& item : range) {
      each(*this, item);
      ++n;
    }
    add(n);
  }
  std::uint64_t digest() const { return state_; }

 private:
  std::uint64_t state_ = 0x6d71636865636bull;  // "mqcheck".
};

}  // namespace mqcheck
