// SPDX-License-Identifier: Apache-2.0
// File: sim/sample.cpp (layer: sim)
// Sampling of the four Distribution kinds with the simulator's Rng. Real-valued draws are
// rounded here, once, with our own rounding, so no libm rounding mode reaches a duration.
#include "sim/sample.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/assert.hpp"

namespace mqcheck::sim {

namespace {

// Doubles convert to int64 only below this bound; far above any scenario's durations.
constexpr double rounding_bound = 0x1.0p62;

std::string negative_field(Distribution const& d) {
  std::pair<char const*, DurationUs> const fields[] = {
      {"mean", d.mean}, {"min", d.min}, {"max", d.max}, {"stddev", d.stddev}};
  for (auto const& [name, value] : fields) {
    if (value.us < 0)
      return std::string(name) + " must not be negative, got " + format_duration(value);
  }
  return "";
}

}  // namespace

std::string distribution_problem(Distribution const& d) {
  if (std::string problem = negative_field(d); !problem.empty()) return problem;
  if (d.kind == Distribution::Kind::uniform && d.min > d.max) {
    return "uniform needs min <= max, got min " + format_duration(d.min) + " and max " +
           format_duration(d.max);
  }
  if (d.kind == Distribution::Kind::exponential && d.min > d.mean) {
    return "exponential needs min <= mean, got min " + format_duration(d.min) + " and mean " +
           format_duration(d.mean);
  }
  return "";
}

std::int64_t round_half_up(double x) {
  MQCHECK_ASSERT(x > -rounding_bound && x < rounding_bound);
  // x - floor(x) is exact for every double, so the comparison with 0.5 is too; floor(x + 0.5)
  // would round 0.49999999999999994 up to 1 because the addition itself rounds.
  double const whole = std::floor(x);
  auto result = static_cast<std::int64_t>(whole);
  if (x - whole >= 0.5) ++result;
  return result;
}

DurationUs sample(Rng& rng, Distribution const& d) {
  MQCHECK_ASSERT_MSG(distribution_problem(d).empty(), "sample() of an invalid Distribution");
  switch (d.kind) {
    case Distribution::Kind::constant:
      return d.mean;
    case Distribution::Kind::uniform:
      return DurationUs{rng.between(d.min.us, d.max.us)};
    case Distribution::Kind::exponential: {
      auto const excess_mean = static_cast<double>((d.mean - d.min).us);
      std::int64_t const excess = round_half_up(rng.exponential(excess_mean));
      MQCHECK_ASSERT(excess >= 0);
      MQCHECK_ASSERT(excess <= std::numeric_limits<std::int64_t>::max() - d.min.us);
      return DurationUs{d.min.us + excess};
    }
    case Distribution::Kind::normal: {
      double const drawn =
          rng.normal(static_cast<double>(d.mean.us), static_cast<double>(d.stddev.us));
      return DurationUs{std::max(d.min.us, round_half_up(drawn))};
    }
  }
  MQCHECK_ASSERT_MSG(false, "unknown Distribution::Kind");
  return d.mean;
}

}  // namespace mqcheck::sim
