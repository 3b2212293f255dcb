// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/scenario_values_test.cpp (layer: sim tests)
// Edge cases of the scenario's value syntaxes, each read through a real scenario text so the
// file, line, column and key of every rejection are asserted too: durations (`drain`),
// probabilities (`network.drop`), rates (`rate_per_s`) and distributions (`network.latency`).
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "core/distribution.hpp"
#include "core/input_error.hpp"
#include "core/ratio.hpp"
#include "core/time.hpp"
#include "sim/scenario.hpp"

using mqcheck::Distribution;
using mqcheck::DurationUs;
using mqcheck::InputError;
using mqcheck::microseconds;
using mqcheck::milliseconds;
using mqcheck::Ratio;
using mqcheck::sim::parse_scenario;
using mqcheck::sim::Scenario;

namespace {

using Kind = Distribution::Kind;

std::string const head = "name: n\nbroker: reference\n";  // Lines 1 and 2.

/// Returns the message of the InputError that parsing `text` throws, or "no error".
std::string error_of(std::string const& text) {
  try {
    (void)parse_scenario(text, "v.yaml");
  } catch (InputError const& e) {
    return e.what();
  }
  return "no error";
}

std::int64_t drain_us(std::string const& value) {
  return parse_scenario(head + "drain: " + value + "\n", "v.yaml").drain.us;
}
std::string drain_error(std::string const& value) {
  return error_of(head + "drain: " + value + "\n");
}

Ratio drop(std::string const& value) {
  return parse_scenario(head + "network:\n  drop: " + value + "\n", "v.yaml").network.drop;
}
std::string drop_error(std::string const& value) {
  return error_of(head + "network:\n  drop: " + value + "\n");
}
bool same(Ratio a, Ratio b) { return a.num == b.num && a.den == b.den; }

std::string producer(std::string const& rate) {
  return head +
         "queues: [{name: q}]\nproducers:\n  - id: p\n    topic: q\n    messages: 1\n"
         "    rate_per_s: " +
         rate + "\n";  // rate_per_s is on line 8, column 17.
}
std::int64_t interval_us(std::string const& rate) {
  Distribution const d = parse_scenario(producer(rate), "v.yaml").producers.at(0).interval;
  CHECK(d.kind == Kind::constant);
  return d.mean.us;
}

Distribution latency(std::string const& value) {
  return parse_scenario(head + "network:\n  latency: " + value + "\n", "v.yaml").network.latency;
}
std::string latency_error(std::string const& value) {
  return error_of(head + "network:\n  latency: " + value + "\n");
}

}  // namespace

TEST_CASE("durations: units, fractions that are whole microseconds, bare 0", "[scenario][values]") {
  CHECK(drain_us("250us") == 250);
  CHECK(drain_us("15ms") == 15'000);
  CHECK(drain_us("2s") == 2'000'000);
  CHECK(drain_us("1.5ms") == 1'500);
  CHECK(drain_us("0.000001s") == 1);
  CHECK(drain_us("3m") == 180'000'000);  // core/parse.hpp also reads minutes.
  CHECK(drain_us("0") == 0);
  CHECK(drain_us("0ms") == 0);
  CHECK(drain_us("1000000000s") == 1'000'000'000'000'000);  // The cap, exactly.
}

TEST_CASE("durations: every rejection says why", "[scenario][values]") {
  std::string const expected =
      "v.yaml:3:8: key 'drain': expected a duration such as 250us, "
      "15ms or 2s, got ";
  CHECK(drain_error("1.5us") == expected + "'1.5us' (it is not a whole number of us)");
  CHECK(drain_error("0.0000001s") == expected + "'0.0000001s' (it is not a whole number of us)");
  CHECK(drain_error("250") == expected + "'250' (the unit is missing: us, ms, s or m)");
  CHECK(drain_error("1.5") == expected + "'1.5' (the unit is missing: us, ms, s or m)");
  CHECK(drain_error("5h") == expected + "'5h' (unknown unit 'h'; the units are us, ms, s and m)");
  CHECK(drain_error("-5ms") == expected + "'-5ms' (it must not be negative)");
  CHECK(drain_error("99999999999999999999s") ==
        expected + "'99999999999999999999s' (it has too many digits)");
  CHECK(drain_error("9999999999999999s") == expected + "'9999999999999999s' (it is too large)");
  CHECK(drain_error("abc") == expected + "'abc'");
  CHECK(drain_error("ms") == expected + "'ms'");
  CHECK(drain_error("1e3ms") == expected + "'1e3ms'");
  CHECK(drain_error("[1ms]") == expected + "a sequence");
  CHECK(drain_error("1000000001s") ==
        "v.yaml:3:8: key 'drain': must be at most 1000000000s, got '1000000001s'");
}

TEST_CASE("ratios are exact and reduced: fractions, percents, decimals", "[scenario][values]") {
  CHECK(same(drop("1/1000"), Ratio{1, 1000}));
  CHECK(same(drop("2/4"), Ratio{1, 2}));
  CHECK(same(drop("0/5"), Ratio{0, 1}));
  CHECK(same(drop("0.1%"), Ratio{1, 1000}));
  CHECK(same(drop("50%"), Ratio{1, 2}));
  CHECK(same(drop("100%"), Ratio{1, 1}));
  CHECK(same(drop("0.001"), Ratio{1, 1000}));
  CHECK(same(drop("0.3333333333333333"), Ratio{3'333'333'333'333'333, 10'000'000'000'000'000}));
  CHECK(same(drop("0"), Ratio{0, 1}));
  CHECK(same(drop("1"), Ratio{1, 1}));
  CHECK(same(drop("1.0"), Ratio{1, 1}));
}

TEST_CASE("ratios: outside [0, 1] and malformed", "[scenario][values]") {
  std::string const expected =
      "v.yaml:4:9: key 'network.drop': expected a probability such as "
      "1/1000, 0.1% or 0.001, got ";
  CHECK(drop_error("1.5") == expected + "'1.5' (it must be within [0, 1])");
  CHECK(drop_error("-0.1") == expected + "'-0.1' (it must be within [0, 1])");
  CHECK(drop_error("101%") == expected + "'101%' (it must be within [0, 1])");
  CHECK(drop_error("3/2") == expected + "'3/2' (it must be within [0, 1])");
  CHECK(drop_error("1/0") == expected + "'1/0' (the denominator must be positive)");
  CHECK(drop_error("0.12345678901234567890") ==
        expected + "'0.12345678901234567890' (it has too many digits)");
  CHECK(drop_error("1.00000000000000000001") ==
        expected + "'1.00000000000000000001' (it must be within [0, 1])");
  CHECK(drop_error("100.000000000000000001%") ==
        expected + "'100.000000000000000001%' (it must be within [0, 1])");
  CHECK(drop_error("1e-3") == expected + "'1e-3'");
  CHECK(drop_error("half") == expected + "'half'");
  CHECK(drop_error("{a: 1}") == expected + "a map");
}

TEST_CASE("rates become exact intervals, rounded half up", "[scenario][values]") {
  CHECK(interval_us("1000") == 1'000);
  CHECK(interval_us("3") == 333'333);    // 333333.3 rounds down.
  CHECK(interval_us("1.5") == 666'667);  // 666666.7 rounds up.
  CHECK(interval_us("400000") == 3);     // 2.5 rounds half up.
  CHECK(interval_us("2.5") == 400'000);
  CHECK(interval_us("0.5") == 2'000'000);
  CHECK(interval_us("2000000") == 1);  // 0.5 rounds up to the smallest interval.
  CHECK(interval_us("0.000000001") == 1'000'000'000'000'000);  // The duration cap, exactly.
}

TEST_CASE("rates: zero, negative, too high, too low, malformed", "[scenario][values]") {
  std::string const at = "v.yaml:8:17: key 'producers[0].rate_per_s': ";
  CHECK(error_of(producer("0")) == at + "must be positive, got 0");
  CHECK(error_of(producer("0.0")) == at + "must be positive, got 0.0");
  CHECK(error_of(producer("-3")) == at + "must be positive, got -3");
  CHECK(error_of(producer("2000001")) ==
        at + "is too high: the interval 10^6 / rate rounds to 0us (the highest rate is "
             "2000000), got 2000001");
  CHECK(error_of(producer("0.0000000001")) ==
        at + "is too low: the interval 10^6 / rate exceeds 1000000000s, got 0.0000000001");
  CHECK(error_of(producer("fast")) ==
        at + "expected a positive number of events per second such as 1000 or 2.5, got 'fast'");
  CHECK(error_of(producer("1e3")) ==
        at + "expected a positive number of events per second such as 1000 or 2.5, got '1e3'");
}

TEST_CASE("distributions: a duration or a map with exactly its kind's fields",
          "[scenario][values]") {
  CHECK(latency("2ms") == Distribution::constant(milliseconds(2)));
  CHECK(latency("{distribution: constant, value: 3ms}") == Distribution::constant(milliseconds(3)));
  CHECK(latency("{distribution: uniform, min: 1ms, max: 1ms}") ==
        Distribution{Kind::uniform, {}, milliseconds(1), milliseconds(1), {}});
  CHECK(latency("{distribution: exponential, mean: 1ms}") ==
        Distribution{Kind::exponential, milliseconds(1), {}, {}, {}});
  CHECK(latency("{distribution: exponential, mean: 1ms, min: 1ms}") ==
        Distribution{Kind::exponential, milliseconds(1), milliseconds(1), {}, {}});
  CHECK(latency("{distribution: normal, mean: 5ms, stddev: 1ms}") ==
        Distribution{Kind::normal, milliseconds(5), {}, {}, milliseconds(1)});
  // A normal's min only clamps, so it may exceed the mean.
  CHECK(latency("{distribution: normal, mean: 1ms, stddev: 1ms, min: 2ms}") ==
        Distribution{Kind::normal, milliseconds(1), milliseconds(2), {}, milliseconds(1)});
}

TEST_CASE("distributions: wrong kinds, fields and orders", "[scenario][values]") {
  CHECK(latency_error("{distribution: uniform, min: 5ms, max: 1ms}") ==
        "v.yaml:4:41: key 'network.latency.min': must be <= max (1ms), got 5ms");
  CHECK(latency_error("{distribution: exponential, mean: 1ms, min: 2ms}") ==
        "v.yaml:4:56: key 'network.latency.min': must be <= mean (1ms), got 2ms");
  CHECK(latency_error("{distribution: expnential, mean: 1ms}") ==
        "v.yaml:4:27: key 'network.latency.distribution': unknown distribution 'expnential'; "
        "did you mean 'exponential'?");
  CHECK(latency_error("{distribution: gaussian, mean: 1ms}") ==
        "v.yaml:4:27: key 'network.latency.distribution': unknown distribution 'gaussian'; the "
        "kinds are constant, uniform, exponential and normal");
  CHECK(latency_error("{distribution: uniform, min: 1ms}") ==
        "v.yaml:4:12: key 'network.latency.max': required key is missing");
  CHECK(latency_error("{mean: 1ms}") ==
        "v.yaml:4:12: key 'network.latency.distribution': required key is missing");
  CHECK(latency_error("{distribution: uniform, min: 1ms, max: 2ms, mean: 1ms}") ==
        "v.yaml:4:56: key 'network.latency.mean': not used by a uniform distribution, which "
        "takes 'min' and 'max'");
  CHECK(latency_error("{distribution: constant, mean: 1ms}") ==
        "v.yaml:4:37: key 'network.latency.mean': not used by a constant distribution, which "
        "takes 'value'");
  CHECK(latency_error("{distribution: normal, mean: 1ms, stdev: 1ms}") ==
        "v.yaml:4:46: key 'network.latency.stdev': unknown key; did you mean 'stddev'?");
  CHECK(latency_error("{distribution: uniform, min: 1.5us, max: 2us}") ==
        "v.yaml:4:41: key 'network.latency.min': expected a duration such as 250us, 15ms or 2s, "
        "got '1.5us' (it is not a whole number of us)");
  CHECK(latency_error("[1ms]") ==
        "v.yaml:4:12: key 'network.latency': expected a duration such as 1ms or a map such as "
        "{distribution: uniform, min: 1ms, max: 5ms}, got a sequence");
}
