// SPDX-License-Identifier: Apache-2.0
// File: sim/scenario_values.hpp (layer: sim)
// The value syntaxes of a scenario file: durations, probabilities, rates and distributions.
// The scalar spellings are core/parse.hpp's, shared with the brokers' config readers, so a
// duration or a ratio means the same everywhere; this file adds the scenario's limits and says
// precisely why a value was rejected. No floating point is involved anywhere.
#pragma once

#include <cstdint>

#include "core/distribution.hpp"
#include "core/ratio.hpp"
#include "core/time.hpp"
#include "sim/yaml_reader.hpp"

namespace mqcheck::sim {

/// The largest duration a scenario may state: 10^15 us, about 31.7 years. The cap keeps sums
/// such as `at + for` or `quiesce + drain` far from signed 64-bit overflow.
inline constexpr std::int64_t scenario_duration_us_max = 1'000'000'000'000'000;

/// Reads a duration: "250us", "15ms", "1.5ms", "2s", "3m" or a bare 0; it must be a whole
/// number of microseconds within [0, scenario_duration_us_max].
DurationUs read_duration(YamlField const& field);

/// Reads a probability: "1/1000", "0.1%", "0.001", 0 or 1, as an exact, reduced Ratio
/// within [0, 1].
Ratio read_ratio(YamlField const& field);

/// Reads a positive rate in events per second ("1000", "2.5") and returns the interval
/// 10^6 / rate in microseconds, rounded half up, computed exactly. The interval must be at
/// least 1us and at most scenario_duration_us_max.
DurationUs read_rate_interval(YamlField const& field);

/// Reads a distribution: a duration (a constant) or a map
/// {distribution: constant|uniform|exponential|normal, ...} with exactly the fields its kind
/// takes (constant: value; uniform: min <= max; exponential: mean, optional min <= mean;
/// normal: mean, stddev, optional min). Fields a kind does not use are zero, except that a
/// constant has mean = min = max (Distribution::constant), as sim/sample.hpp expects.
Distribution read_distribution(YamlField const& field);

}  // namespace mqcheck::sim
