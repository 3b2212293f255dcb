// SPDX-License-Identifier: Apache-2.0
// File: sim/rng.cpp (layer: sim)
// xoshiro256** and its draws. Every operation is on integers, or on doubles through
// sim/det_math.hpp and std::sqrt (correctly rounded by IEEE 754), so the golden values in
// tests/sim/rng_test.cpp hold on every toolchain.
#include "sim/rng.hpp"

#include <bit>
#include <cmath>
#include <limits>

#include "core/assert.hpp"
#include "sim/det_math.hpp"

namespace mqcheck::sim {

namespace {

constexpr std::array<std::uint64_t, 4> state_zero{0, 0, 0, 0};

// Marsaglia's polar method accepts a pair with probability pi/4, so 64 rejections in a row
// happen with probability about 1e-43: reaching the limit means the generator is broken.
constexpr int polar_attempts_max = 64;

}  // namespace

std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15;
  std::uint64_t mixed = state;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111eb;
  return mixed ^ (mixed >> 31);
}

std::uint64_t fnv1a_64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325;
  for (char const c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3;
  }
  return hash;
}

Rng::Rng(std::uint64_t seed) : seed_(seed) {
  std::uint64_t seeder = seed;
  for (std::uint64_t& word : state_) word = splitmix64(seeder);
  // Four consecutive splitmix64 outputs are distinct (its mix is a bijection), so they
  // cannot all be zero; the assertion pairs with the one in from_state.
  MQCHECK_ASSERT(state_ != state_zero);
}

Rng Rng::from_state(std::uint64_t seed, std::array<std::uint64_t, 4> const& state) {
  MQCHECK_ASSERT_MSG(state != state_zero, "the all-zero xoshiro256** state never advances");
  Rng rng;
  rng.seed_ = seed;
  rng.state_ = state;
  return rng;
}

std::uint64_t Rng::next_u64() {
  std::uint64_t const result = std::rotl(state_[1] * 5, 7) * 9;
  std::uint64_t const shifted = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= shifted;
  state_[3] = std::rotl(state_[3], 45);
  return result;
}

// Lemire, "Fast Random Integer Generation in an Interval" (ACM TOMACS, 2019): the high word
// of x * bound is uniform once the low words below 2^64 mod bound are rejected. The modulo
// is computed only when the low word is small enough that a rejection is possible.
std::uint64_t Rng::below(std::uint64_t bound) {
  MQCHECK_ASSERT(bound > 0);
  __extension__ using Wide = unsigned __int128;
  Wide product = static_cast<Wide>(next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(product);
  if (low < bound) {
    std::uint64_t const threshold = (std::uint64_t{0} - bound) % bound;
    while (low < threshold) {
      product = static_cast<Wide>(next_u64()) * bound;
      low = static_cast<std::uint64_t>(product);
    }
  }
  std::uint64_t const result = static_cast<std::uint64_t>(product >> 64);
  MQCHECK_ASSERT(result < bound);
  return result;
}

std::int64_t Rng::between(std::int64_t lo, std::int64_t hi) {
  MQCHECK_ASSERT(lo <= hi);
  // Unsigned arithmetic wraps where signed would overflow; the final conversion is modular
  // (defined since C++20) and lands back in [lo, hi].
  std::uint64_t const span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  std::uint64_t const offset =
      span == std::numeric_limits<std::uint64_t>::max() ? next_u64() : below(span + 1);
  auto const result = static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + offset);
  MQCHECK_ASSERT(lo <= result && result <= hi);
  return result;
}

bool Rng::chance(Ratio p) {
  MQCHECK_ASSERT(p.den > 0);
  MQCHECK_ASSERT(p.num <= p.den);
  return below(p.den) < p.num;
}

double Rng::unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::exponential(double mean) {
  MQCHECK_ASSERT(mean >= 0.0 && mean <= std::numeric_limits<double>::max());
  // 1 - unit() is exact and lies in (0, 1], so the logarithm is finite and <= 0. Subtracting
  // from +0.0 keeps the result +0.0 rather than -0.0 when the draw is 1.
  double const minus_log = 0.0 - det_log(1.0 - unit());
  double const result = mean * minus_log;
  MQCHECK_ASSERT(result >= 0.0);
  return result;
}

double Rng::normal(double mean, double stddev) {
  MQCHECK_ASSERT(stddev >= 0.0);
  for (int attempt = 0; attempt < polar_attempts_max; ++attempt) {
    // 2u - 1 is exact: u is a multiple of 2^-53 in [0, 1).
    double const u = 2.0 * unit() - 1.0;
    double const v = 2.0 * unit() - 1.0;
    double const s = u * u + v * v;
    if (s > 0.0 && s < 1.0) {
      double const factor = std::sqrt(-2.0 * det_log(s) / s);
      return mean + stddev * (u * factor);
    }
  }
  MQCHECK_ASSERT_MSG(false, "Marsaglia polar method rejected 64 pairs in a row");
  return mean;
}

Rng Rng::fork(std::string_view label) const {
  std::uint64_t mixer = seed_ ^ fnv1a_64(label);
  return Rng(splitmix64(mixer));
}

}  // namespace mqcheck::sim
