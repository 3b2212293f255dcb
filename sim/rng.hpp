// SPDX-License-Identifier: Apache-2.0
// File: sim/rng.hpp (layer: sim)
// The simulator's only source of randomness: xoshiro256** seeded through splitmix64, with the
// project's own bounded-integer, chance and real-valued draws. Invariant: the same seed gives
// the same numbers on every compiler, standard library and build type, because nothing here
// uses <random> distributions or a host libm (see sim/det_math.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/ratio.hpp"

namespace mqcheck::sim {

/// Advances `state` by the golden-ratio increment and returns its splitmix64 mix, as in
/// Vigna's reference splitmix64.c (https://prng.di.unimi.it/splitmix64.c).
std::uint64_t splitmix64(std::uint64_t& state);

/// Returns the 64-bit FNV-1a hash of `text` (offset basis 0xcbf29ce484222325, prime
/// 0x100000001b3). Used to turn fork labels into seeds; stable by definition.
std::uint64_t fnv1a_64(std::string_view text);

/// A seeded xoshiro256** generator (https://prng.di.unimi.it/xoshiro256starstar.c).
/// A value: copyable and comparable, so the explorer can store and restore it. Subsystems
/// each take their own `fork`, so a new draw in one subsystem never shifts another's stream.
class Rng {
 public:
  /// Seeds the four state words with four consecutive splitmix64 outputs of `seed`.
  explicit Rng(std::uint64_t seed);

  /// Rebuilds a generator from a stored `seed()` and `state()`. The state must not be all
  /// zero (xoshiro's one fixed point, which no seed produces).
  static Rng from_state(std::uint64_t seed, std::array<std::uint64_t, 4> const& state);

  /// Returns the next raw 64-bit output and advances the state by one step.
  std::uint64_t next_u64();

  /// Returns a uniform integer in [0, bound), without modulo bias (Lemire's multiply-shift
  /// with rejection). Usually one step; a rejection costs another. Requires bound > 0.
  std::uint64_t below(std::uint64_t bound);

  /// Returns a uniform integer in [lo, hi], both inclusive. Requires lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi);

  /// Returns true with probability exactly p.num / p.den, deciding with integers only.
  /// The draws consumed depend on p.den alone, never on p.num, so tuning a rate with the
  /// same denominator does not shift the rest of the stream. Requires 0 < den, num <= den.
  bool chance(Ratio p);

  /// Returns a uniform double in [0, 1) built from the top 53 bits of one step, so every
  /// value is an exact multiple of 2^-53.
  double unit();

  /// Returns an exponential variate with the given mean (inverse transform with det_log).
  /// Requires mean >= 0; the result is >= 0 and finite.
  double exponential(double mean);

  /// Returns a normal variate (Marsaglia's polar method with det_log and std::sqrt). The
  /// second variate of each accepted pair is discarded, so the whole generator state stays
  /// the four words of `state()`. Requires stddev >= 0.
  double normal(double mean, double stddev);

  /// Returns an independent generator derived from the original seed and `label` only:
  /// Rng(splitmix64 step of seed ^ fnv1a_64(label)). It depends neither on how many numbers
  /// this generator has drawn nor on the order in which forks are taken.
  [[nodiscard]] Rng fork(std::string_view label) const;

  /// Returns the seed this generator was constructed from.
  std::uint64_t seed() const { return seed_; }

  /// Returns the four xoshiro256** state words.
  std::array<std::uint64_t, 4> state() const { return state_; }

  /// Compares seed and state: equal generators draw equal numbers and make equal forks.
  bool operator==(Rng const&) const = default;

 private:
  Rng() = default;

  std::uint64_t seed_ = 0;
  std::array<std::uint64_t, 4> state_{};
};

}  // namespace mqcheck::sim
