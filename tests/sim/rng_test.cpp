// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/rng_test.cpp (layer: sim tests)
// Pins sim::Rng and sim/det_math.hpp. The golden values were generated once from this
// implementation and checked against an independent Python model of Vigna's reference
// xoshiro256starstar.c and splitmix64.c, and det_log/det_exp against mpmath at 200 bits.
// A changed literal here means every recorded seed replays differently: never update one
// without saying so in the change log.
#include "sim/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/ratio.hpp"
#include "sim/det_math.hpp"

using mqcheck::Ratio;
using mqcheck::sim::det_exp;
using mqcheck::sim::det_log;
using mqcheck::sim::Rng;

namespace {

constexpr int draws = 200'000;

std::vector<std::uint64_t> first_u64(Rng rng, int count) {
  std::vector<std::uint64_t> out;
  for (int i = 0; i < count; ++i) out.push_back(rng.next_u64());
  return out;
}

// Returns how many representable doubles lie between a and b (same sign, both finite).
std::uint64_t ulp_distance(double a, double b) {
  auto const ia = std::bit_cast<std::int64_t>(a);
  auto const ib = std::bit_cast<std::int64_t>(b);
  return ia > ib ? static_cast<std::uint64_t>(ia - ib) : static_cast<std::uint64_t>(ib - ia);
}

// Returns a positive finite double with uniformly random exponent and mantissa bits.
double random_positive_double(Rng& rng) {
  std::uint64_t const exponent_field = rng.below(0x7fe) + 1;  // Normal: 1 ..= 0x7fe.
  std::uint64_t const mantissa = rng.next_u64() >> 12;
  return std::bit_cast<double>(exponent_field << 52 | mantissa);
}

}  // namespace

TEST_CASE("splitmix64 and fnv1a_64 match their published reference values", "[rng]") {
  std::uint64_t state = 0;
  CHECK(mqcheck::sim::splitmix64(state) == 0xe220a8397b1dcdafULL);
  CHECK(mqcheck::sim::splitmix64(state) == 0x6e789e6aa1b965f4ULL);
  CHECK(state == 2 * 0x9e3779b97f4a7c15ULL);
  CHECK(mqcheck::sim::fnv1a_64("") == 0xcbf29ce484222325ULL);
  CHECK(mqcheck::sim::fnv1a_64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(mqcheck::sim::fnv1a_64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("xoshiro256** from state {1, 2, 3, 4} gives the reference sequence", "[rng]") {
  Rng rng = Rng::from_state(0, {1, 2, 3, 4});
  std::vector<std::uint64_t> const expected{11520ULL,
                                            0ULL,
                                            1509978240ULL,
                                            1215971899390074240ULL,
                                            1216172134540287360ULL,
                                            607988272756665600ULL,
                                            16172922978634559625ULL,
                                            8476171486693032832ULL,
                                            10595114339597558777ULL,
                                            2904607092377533576ULL};
  CHECK(first_u64(rng, 10) == expected);
}

TEST_CASE("next_u64 golden values for seeds 0, 1 and 0xdeadbeef", "[rng]") {
  CHECK(first_u64(Rng(0), 8) == std::vector<std::uint64_t>{0x99ec5f36cb75f2b4, 0xbf6e1f784956452a,
                                                           0x1a5f849d4933e6e0, 0x6aa594f1262d2d2c,
                                                           0xbba5ad4a1f842e59, 0xffef8375d9ebcaca,
                                                           0x6c160deed2f54c98, 0x8920ad648fc30a3f});
  CHECK(first_u64(Rng(1), 8) == std::vector<std::uint64_t>{0xb3f2af6d0fc710c5, 0x853b559647364cea,
                                                           0x92f89756082a4514, 0x642e1c7bc266a3a7,
                                                           0xb27a48e29a233673, 0x24c123126ffda722,
                                                           0x123004ef8df510e6, 0x61954dcc47b1e89d});
  CHECK(first_u64(Rng(0xdeadbeef), 8) ==
        std::vector<std::uint64_t>{0xc5555444a74d7e83, 0x65c30d37b4b16e38, 0x54f773200a4efa23,
                                   0x429aed75fb958af7, 0xfb0e1dd69c255b2e, 0x9d6d02ec58814a27,
                                   0xf4199b9da2e4b2a3, 0x54bc5b2c11a4540a});
}

TEST_CASE("derived draws golden values for seed 42", "[rng]") {
  Rng rng(42);
  SECTION("below") {
    std::vector<std::uint64_t> got;
    for (int i = 0; i < 8; ++i) got.push_back(rng.below(6));
    CHECK(got == std::vector<std::uint64_t>{0, 2, 4, 5, 5, 4, 4, 5});
    Rng wide(42);
    CHECK(wide.below(1'000'000'000'000'000'000ULL) == 83862971059882261ULL);
    CHECK(wide.below(1'000'000'000'000'000'000ULL) == 378980250662668639ULL);
  }
  SECTION("between") {
    std::vector<std::int64_t> got;
    for (int i = 0; i < 8; ++i) got.push_back(rng.between(-10, 10));
    CHECK(got == std::vector<std::int64_t>{-9, -3, 4, 9, 10, 6, 5, 7});
  }
  SECTION("unit") {
    CHECK(rng.unit() == 0x1.5780b2e0c2ecp-4);
    CHECK(rng.unit() == 0x1.84136619b444ep-2);
    CHECK(rng.unit() == 0x1.5c2ea66473c93p-1);
    CHECK(rng.unit() == 0x1.d9715a8e0766cp-1);
  }
  SECTION("exponential") {
    CHECK(rng.exponential(1000.0) == 0x1.5e5b7979f93e9p+6);
    CHECK(rng.exponential(1000.0) == 0x1.dc647400fe705p+8);
    CHECK(rng.exponential(1000.0) == 0x1.1ce47a17572cbp+10);
    CHECK(rng.exponential(1000.0) == 0x1.4345ce87457fap+11);
  }
  SECTION("normal") {
    CHECK(rng.normal(0.0, 1.0) == -0x1.73d2feb0fb377p-1);
    CHECK(rng.normal(0.0, 1.0) == 0x1.c5e21f7812a4cp-3);
    CHECK(rng.normal(0.0, 1.0) == 0x1.db514bfac5b4ep-2);
    CHECK(rng.normal(0.0, 1.0) == 0x1.79eb7c13cfccdp+0);
  }
  SECTION("fork") {
    Rng const network = rng.fork("network");
    CHECK(network.seed() == 0x8a31bef868d57ad8ULL);
    CHECK(first_u64(network, 4) ==
          std::vector<std::uint64_t>{0xa57a2711bc83fce9, 0xf2dd67853fa89f18, 0x181203b89eb760d5,
                                     0xe19135b4516ade0b});
  }
}

TEST_CASE("draws have the expected moments over 200,000 draws", "[rng]") {
  Rng rng(2024);
  SECTION("unit mean is 1/2") {
    double sum = 0.0;
    for (int i = 0; i < draws; ++i) {
      double const u = rng.unit();
      REQUIRE((0.0 <= u && u < 1.0));
      sum += u;
    }
    CHECK(sum / draws == Approx(0.5).margin(0.002));
  }
  SECTION("exponential(1000) mean within 1%") {
    double sum = 0.0;
    for (int i = 0; i < draws; ++i) sum += rng.exponential(1000.0);
    CHECK(sum / draws == Approx(1000.0).epsilon(0.01));
  }
  SECTION("normal(0, 1) mean within 0.01 and variance within 2%") {
    double sum = 0.0;
    double sum_squares = 0.0;
    for (int i = 0; i < draws; ++i) {
      double const x = rng.normal(0.0, 1.0);
      sum += x;
      sum_squares += x * x;
    }
    double const mean = sum / draws;
    CHECK(mean == Approx(0.0).margin(0.01));
    CHECK(sum_squares / draws - mean * mean == Approx(1.0).epsilon(0.02));
  }
  SECTION("chance(1/8) frequency within 1% of 1/8") {
    int hits = 0;
    for (int i = 0; i < draws; ++i) hits += rng.chance(Ratio{1, 8}) ? 1 : 0;
    CHECK(static_cast<double>(hits) / draws == Approx(0.125).epsilon(0.01));
  }
  SECTION("below(6) gives each value within 2% of 1/6") {
    std::array<int, 6> counts{};
    for (int i = 0; i < draws; ++i) ++counts.at(rng.below(6));
    for (int const count : counts) {
      CHECK(static_cast<double>(count) / draws == Approx(1.0 / 6.0).epsilon(0.02));
    }
  }
}

TEST_CASE("forks depend on the seed and label only", "[rng]") {
  Rng a(99);
  Rng const b(99);
  for (int i = 0; i < 1000; ++i) a.next_u64();
  CHECK(a.fork("x") == b.fork("x"));
  CHECK(first_u64(a.fork("x"), 4) == first_u64(b.fork("x"), 4));
  CHECK(b.fork("x") != b.fork("y"));
  CHECK(first_u64(b.fork("x"), 4) != first_u64(b.fork("y"), 4));
  CHECK(b.fork("x") != b);
  CHECK(Rng(98).fork("x") != b.fork("x"));

  Rng parent(7);
  Rng const untouched(7);
  Rng child = parent.fork("x");
  for (int i = 0; i < 100; ++i) child.next_u64();
  CHECK(parent == untouched);
  CHECK(first_u64(parent, 8) == first_u64(untouched, 8));
}

TEST_CASE("state round-trips through from_state", "[rng]") {
  Rng rng(11);
  for (int i = 0; i < 3; ++i) rng.next_u64();
  Rng copy = Rng::from_state(rng.seed(), rng.state());
  CHECK(copy == rng);
  CHECK(copy.seed() == 11);
  CHECK(first_u64(copy, 8) == first_u64(rng, 8));
  CHECK(copy.fork("net") == rng.fork("net"));
}

TEST_CASE("degenerate bounds and certain chances", "[rng]") {
  Rng rng(5);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(rng.below(1) == 0);
    REQUIRE(rng.between(5, 5) == 5);
    REQUIRE_FALSE(rng.chance(Ratio{0, 1}));
    REQUIRE(rng.chance(Ratio{3, 3}));
    REQUIRE(rng.exponential(0.0) == 0.0);
    REQUIRE(rng.normal(4.0, 0.0) == 4.0);
  }
  std::int64_t const lowest = std::numeric_limits<std::int64_t>::min();
  std::int64_t const highest = std::numeric_limits<std::int64_t>::max();
  bool negative = false;
  bool positive = false;
  for (int i = 0; i < 64; ++i) {
    std::int64_t const v = rng.between(lowest, highest);
    negative = negative || v < 0;
    positive = positive || v > 0;
  }
  CHECK(negative);
  CHECK(positive);
  CHECK(rng.between(highest - 1, highest) >= highest - 1);
}

TEST_CASE("chance consumes draws by denominator only", "[rng]") {
  Rng low(3);
  Rng high(3);
  for (int i = 0; i < 100; ++i) {
    low.chance(Ratio{1, 1000});
    high.chance(Ratio{999, 1000});
  }
  CHECK(low == high);
}

TEST_CASE("det_log and det_exp golden values", "[rng][det_math]") {
  CHECK(det_log(1.0) == 0.0);
  CHECK(det_log(0.5) == -0x1.62e42fefa39efp-1);
  CHECK(det_log(2.0) == 0x1.62e42fefa39efp-1);
  CHECK(det_log(10.0) == 0x1.26bb1bbb55516p+1);
  CHECK(det_log(0.1) == -0x1.26bb1bbb55515p+1);
  CHECK(det_log(1e300) == 0x1.5963447f87fb5p+9);
  CHECK(det_log(0x1.000001ad7f29bp+0) == 0x1.ad7f2847b6492p-24);
  CHECK(det_log(std::numeric_limits<double>::denorm_min()) == -0x1.74385446d71c3p+9);

  CHECK(det_exp(0.0) == 1.0);
  CHECK(det_exp(1.0) == 0x1.5bf0a8b14576ap+1);  // One ulp above the exact 0x1.5bf0a8b145769p+1.
  CHECK(det_exp(-1.0) == 0x1.78b56362cef38p-2);
  CHECK(det_exp(10.0) == 0x1.5829dcf95056p+14);
  CHECK(det_exp(-700.0) == 0x1.14f2b0fb9307fp-1010);
  CHECK(det_exp(700.0) == 0x1.d945df4f8ec8ep+1009);
  CHECK(det_exp(-740.0) == 0x0.0000000000055p-1022);
  CHECK(det_exp(710.0) == std::numeric_limits<double>::infinity());
  CHECK(det_exp(-746.0) == 0.0);
  CHECK(det_exp(-800.0) == 0.0);
}

TEST_CASE("det_log stays within 1 ulp of std::log", "[rng][det_math]") {
  Rng rng(31337);
  std::uint64_t worst = 0;
  for (int i = 0; i < 100'000; ++i) {
    double const x = random_positive_double(rng);
    if (x == 1.0) continue;
    worst = std::max(worst, ulp_distance(det_log(x), std::log(x)));
  }
  for (int i = 0; i < 100'000; ++i) {  // Near 1, where the result is tiny and cancels.
    double const x = 0.5 + rng.unit();
    if (x == 1.0) continue;
    worst = std::max(worst, ulp_distance(det_log(x), std::log(x)));
  }
  CHECK(worst <= 1);
}

TEST_CASE("det_exp stays within 1 ulp of std::exp", "[rng][det_math]") {
  Rng rng(27182);
  std::uint64_t worst = 0;
  for (int i = 0; i < 100'000; ++i) {
    double const x = -708.0 + 1417.0 * rng.unit();  // Normal results only.
    worst = std::max(worst, ulp_distance(det_exp(x), std::exp(x)));
  }
  for (int i = 0; i < 100'000; ++i) {
    double const x = 2.0 * rng.unit() - 1.0;
    worst = std::max(worst, ulp_distance(det_exp(x), std::exp(x)));
  }
  CHECK(worst <= 1);
}
