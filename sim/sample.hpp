// SPDX-License-Identifier: Apache-2.0
// File: sim/sample.hpp (layer: sim)
// Turns a Distribution (core/distribution.hpp) into one concrete duration, drawn from an Rng.
// Invariant: results are whole microseconds, never below the distribution's `min`, and the
// same (rng state, distribution) always gives the same duration on every toolchain.
#pragma once

#include <cstdint>
#include <string>

#include "core/distribution.hpp"
#include "core/time.hpp"
#include "sim/rng.hpp"

namespace mqcheck::sim {

/// Returns "" when `d` can be sampled, otherwise the reason in a sentence fragment, e.g.
/// "uniform needs min <= max, got min 5ms and max 1ms". Every duration field must be >= 0;
/// uniform needs min <= max; exponential needs min <= mean. A scenario loader can wrap the
/// text in an InputError; sample() asserts it is empty.
std::string distribution_problem(Distribution const& d);

/// Draws one duration from `d`:
///   constant:    `mean`, consuming no draw;
///   uniform:     an integer in [min, max], both inclusive;
///   exponential: min + round(rng.exponential(mean - min));
///   normal:      max(min, round(rng.normal(mean, stddev))).
/// Requires distribution_problem(d) to be empty.
DurationUs sample(Rng& rng, Distribution const& d);

/// Returns `x` rounded to the nearest integer, halves upward (the value floor(x + 0.5) has
/// in exact arithmetic, without the extra rounding of the addition). Requires |x| < 2^62.
std::int64_t round_half_up(double x);

}  // namespace mqcheck::sim
