// SPDX-License-Identifier: Apache-2.0
// File: core/distribution.hpp (layer: core)
// A random duration as data: what a scenario says about latency, service time or
// inter-arrival time. Only sim/ samples it (with its own RNG); a model only names it, for
// example as the delay of a timer, so the model itself stays free of randomness.
#pragma once

#include <compare>
#include <string>

#include "core/time.hpp"

namespace mqcheck {

/// constant: always `mean`. uniform: in [min, max]. exponential: `min` plus an exponential
/// with mean `mean - min`. normal: mean `mean`, standard deviation `stddev`, clamped to
/// [min, +inf) so a duration is never negative.
struct Distribution {
  enum class Kind : std::uint8_t { constant, uniform, exponential, normal };
  Kind kind = Kind::constant;
  DurationUs mean{};
  DurationUs min{};
  DurationUs max{};
  DurationUs stddev{};
  constexpr auto operator<=>(Distribution const&) const = default;

  static constexpr Distribution constant(DurationUs d) { return {Kind::constant, d, d, d, {}}; }
};

/// Returns the scenario spelling of `d`, e.g. "exponential(mean 1ms, min 100us)".
std::string format_distribution(Distribution const& d);

}  // namespace mqcheck
