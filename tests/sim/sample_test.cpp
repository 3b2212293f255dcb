// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/sample_test.cpp (layer: sim tests)
// Pins sim::sample for each Distribution kind (golden values, bounds and means over 200,000
// draws), the rounding it uses, its validation messages and format_distribution's text.
#include "sim/sample.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/distribution.hpp"
#include "core/time.hpp"
#include "sim/rng.hpp"

using mqcheck::Distribution;
using mqcheck::DurationUs;
using mqcheck::microseconds;
using mqcheck::milliseconds;
using mqcheck::sim::Rng;
using mqcheck::sim::sample;

namespace {

constexpr int draws = 200'000;

using Kind = Distribution::Kind;

Distribution uniform_1_5ms() { return {Kind::uniform, {}, milliseconds(1), milliseconds(5), {}}; }
Distribution exponential_1ms_min_100us() {
  return {Kind::exponential, milliseconds(1), microseconds(100), {}, {}};
}
Distribution normal_5ms_sd_1ms() {
  return {Kind::normal, milliseconds(5), {}, {}, milliseconds(1)};
}

std::vector<std::int64_t> first_samples(Distribution const& d, int count) {
  Rng rng(7);
  std::vector<std::int64_t> out;
  for (int i = 0; i < count; ++i) out.push_back(sample(rng, d).us);
  return out;
}

struct Summary {
  double mean = 0.0;
  std::int64_t min = std::numeric_limits<std::int64_t>::max();
  std::int64_t max = std::numeric_limits<std::int64_t>::min();
  int at_min = 0;  // How many draws equal `min`.
};

Summary summarize(Distribution const& d) {
  Rng rng(2024);
  Summary s;
  std::vector<std::int64_t> values;
  double sum = 0.0;
  for (int i = 0; i < draws; ++i) {
    std::int64_t const v = sample(rng, d).us;
    sum += static_cast<double>(v);
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    values.push_back(v);
  }
  s.mean = sum / draws;
  for (std::int64_t const v : values) s.at_min += v == s.min ? 1 : 0;
  return s;
}

}  // namespace

TEST_CASE("sample golden values for seed 7", "[sample]") {
  CHECK(first_samples(Distribution::constant(milliseconds(1)), 3) ==
        std::vector<std::int64_t>{1000, 1000, 1000});
  CHECK(first_samples(uniform_1_5ms(), 6) ==
        std::vector<std::int64_t>{3803, 2115, 4359, 4925, 4964, 4491});
  CHECK(first_samples(exponential_1ms_min_100us(), 6) ==
        std::vector<std::int64_t>{1185, 394, 1747, 3672, 4326, 1956});
  CHECK(first_samples(normal_5ms_sd_1ms(), 6) ==
        std::vector<std::int64_t>{5964, 4696, 5305, 3299, 3330, 3967});
}

TEST_CASE("constant consumes no draw", "[sample]") {
  Rng rng(1);
  Rng const before(1);
  CHECK(sample(rng, Distribution::constant(microseconds(250))) == microseconds(250));
  CHECK(rng == before);
}

TEST_CASE("each kind respects its bounds and mean over 200,000 draws", "[sample]") {
  SECTION("uniform 1ms..5ms reaches both ends and averages 3ms") {
    Summary const s = summarize(uniform_1_5ms());
    CHECK(s.min == 1000);
    CHECK(s.max == 5000);
    CHECK(s.mean == Approx(3000.0).epsilon(0.01));
  }
  SECTION("exponential mean 1ms min 100us") {
    Summary const s = summarize(exponential_1ms_min_100us());
    CHECK(s.min == 100);
    CHECK(s.mean == Approx(1000.0).epsilon(0.01));
  }
  SECTION("normal mean 5ms stddev 1ms") {
    Summary const s = summarize(normal_5ms_sd_1ms());
    CHECK(s.min >= 0);
    CHECK(s.mean == Approx(5000.0).epsilon(0.01));
  }
  SECTION("normal clamps to min") {
    // Mean 100us, stddev 1ms, min 50us: about 48% of the draws fall below min.
    Summary const s =
        summarize({Kind::normal, microseconds(100), microseconds(50), {}, milliseconds(1)});
    CHECK(s.min == 50);
    CHECK(static_cast<double>(s.at_min) / draws == Approx(0.48).margin(0.01));
  }
  SECTION("exponential with mean == min is constant") {
    Summary const s = summarize({Kind::exponential, milliseconds(2), milliseconds(2), {}, {}});
    CHECK(s.min == 2000);
    CHECK(s.max == 2000);
  }
}

TEST_CASE("round_half_up rounds halves toward +infinity", "[sample]") {
  using mqcheck::sim::round_half_up;
  CHECK(round_half_up(0.0) == 0);
  CHECK(round_half_up(0.5) == 1);
  CHECK(round_half_up(1.5) == 2);
  CHECK(round_half_up(2.4999999) == 2);
  CHECK(round_half_up(0.49999999999999994) == 0);  // floor(x + 0.5) in doubles gives 1.
  CHECK(round_half_up(-0.5) == 0);
  CHECK(round_half_up(-1.5) == -1);
  CHECK(round_half_up(-1.6) == -2);
  CHECK(round_half_up(0x1p52 + 1.0) == 4503599627370497);
}

TEST_CASE("distribution_problem names the broken field", "[sample]") {
  using mqcheck::sim::distribution_problem;
  CHECK(distribution_problem(uniform_1_5ms()).empty());
  CHECK(distribution_problem(exponential_1ms_min_100us()).empty());
  CHECK(distribution_problem(normal_5ms_sd_1ms()).empty());
  CHECK(distribution_problem({Kind::uniform, {}, milliseconds(5), milliseconds(1), {}}) ==
        "uniform needs min <= max, got min 5ms and max 1ms");
  CHECK(distribution_problem({Kind::exponential, microseconds(50), microseconds(100), {}, {}}) ==
        "exponential needs min <= mean, got min 100us and mean 50us");
  CHECK(distribution_problem({Kind::normal, milliseconds(1), {}, {}, microseconds(-3)}) ==
        "stddev must not be negative, got -3us");
  CHECK(distribution_problem(Distribution::constant(microseconds(-1))) ==
        "mean must not be negative, got -1us");
}

TEST_CASE("format_distribution spells each kind with exact durations", "[sample]") {
  using mqcheck::format_distribution;
  CHECK(format_distribution(Distribution::constant(milliseconds(1))) == "constant(1ms)");
  CHECK(format_distribution(uniform_1_5ms()) == "uniform(min 1ms, max 5ms)");
  CHECK(format_distribution(exponential_1ms_min_100us()) == "exponential(mean 1ms, min 100us)");
  CHECK(format_distribution(normal_5ms_sd_1ms()) == "normal(mean 5ms, stddev 1ms, min 0us)");
  CHECK(format_distribution(Distribution::constant(microseconds(1500))) == "constant(1500us)");
}
