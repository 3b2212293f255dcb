// SPDX-License-Identifier: Apache-2.0
// File: core/ratio.hpp (layer: core)
// A probability as an exact fraction: no floating point decides whether a fault strikes.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace mqcheck {

/// Invariant: 0 < den and num <= den.
struct Ratio {
  std::uint64_t num = 0;
  std::uint64_t den = 1;
  constexpr bool is_zero() const { return num == 0; }
  friend constexpr bool operator==(Ratio a, Ratio b) {
    __extension__ using Wide = unsigned __int128;  // Cross products of 64-bit values fit.
    return static_cast<Wide>(a.num) * b.den == static_cast<Wide>(b.num) * a.den;
  }
};

/// Returns "num/den".
std::string format_ratio(Ratio r);

}  // namespace mqcheck
