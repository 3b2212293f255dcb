// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/injection_test.cpp (tests, layer: checker)
// Issue 3's generated tests: random valid histories (random_history.hpp) must pass with no
// anomaly at all, and after one injected anomaly (anomaly_injection.hpp) the checker must
// report exactly that anomaly, with the witnesses docs/anomalies.md pins down, and no other
// violation. A failure prints the seed and the broken history, ready for `mqcheck check`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "checker/check.hpp"
#include "history/history_io.hpp"
#include "tests/checker/anomaly_injection.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using testing::ExpectedAnomaly;
using testing::Injection;
using testing::Shape;
using testing::SplitMix64;

// 12 under ASan (tests/common/soak.hpp): still at least one applied injection per kind.
constexpr std::uint64_t seeds_per_kind = mqcheck::testing::soak(60);

using Key = std::tuple<std::string, std::string, std::uint64_t, std::string,
                       std::vector<std::uint64_t>>;

std::string show(Key const& k) {
  std::string text = std::get<0>(k) + ": " + std::get<1>(k) + " message " +
                     std::to_string(std::get<2>(k)) + " group '" + std::get<3>(k) + "' ops";
  for (std::uint64_t w : std::get<4>(k)) text += " " + std::to_string(w);
  return text;
}

/// Returns "" when `report` is clean: no anomaly anywhere and nothing invalid.
std::string anomalies_in(DeliveryReport const& report) {
  std::string out;
  for (Verdict const& v : report.verdicts) {
    if (v.validity == Validity::invalid) out += v.guarantee + " is invalid: " + v.reason + "\n";
    for (Anomaly const& a : v.anomalies)
      out += show({v.guarantee, a.kind, a.message.value, a.group, a.witnesses}) + "\n";
  }
  return out;
}

/// Returns "" when `report` says exactly what `expected` says, else what differs.
std::string mismatch(DeliveryReport const& report, std::vector<ExpectedAnomaly> const& expected) {
  std::vector<Key> want;
  for (ExpectedAnomaly const& e : expected)
    want.emplace_back(e.guarantee, e.kind, e.message, e.group, e.witnesses);
  std::sort(want.begin(), want.end());
  std::vector<Key> got;
  std::string out;
  for (Verdict const& v : report.verdicts) {
    bool const named = std::any_of(want.begin(), want.end(),
                                   [&](Key const& k) { return std::get<0>(k) == v.guarantee; });
    bool const only_unseen = std::all_of(want.begin(), want.end(), [&](Key const& k) {
      return std::get<0>(k) != v.guarantee || std::get<1>(k) == "unseen";
    });
    Validity const should = !named ? Validity::valid
                            : only_unseen ? Validity::unknown
                                          : Validity::invalid;
    if (should == Validity::invalid ? v.validity != Validity::invalid
                                    : v.validity == Validity::invalid)
      out += v.guarantee + " is " + std::string(to_string(v.validity)) + ": " + v.reason + "\n";
    for (Anomaly const& a : v.anomalies)
      got.emplace_back(v.guarantee, a.kind, a.message.value, a.group, a.witnesses);
  }
  std::sort(got.begin(), got.end());
  for (Key const& k : want)
    if (!std::binary_search(got.begin(), got.end(), k)) out += "missing " + show(k) + "\n";
  for (Key const& k : got)
    if (!std::binary_search(want.begin(), want.end(), k)) out += "extra " + show(k) + "\n";
  return out;
}

/// The shape of seed `seed` for an injector: random, with what the injector needs.
Shape shape_for(std::uint64_t seed, testing::Injector const& injector) {
  SplitMix64 rng(seed * 7919 + 17);
  Shape shape = testing::random_shape(rng);
  shape.messages = std::max(shape.messages, 8);
  shape.max_batch = std::max(shape.max_batch, 2);
  if (injector.features) shape.features = true;
  if (injector.transactions) shape.transactions = true;
  return shape;
}

TEST_CASE("random valid histories have no anomaly", "[checker][injection]") {
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(200); ++seed) {
    SplitMix64 rng(seed);
    Shape const shape = testing::random_shape(rng);
    history::History const h = testing::random_valid_history(seed, shape);
    std::string const found = anomalies_in(check_history(h));
    // The history is written out only on failure: to_jsonl on every seed would cost more
    // than the check (INFO builds its message at once).
    if (!found.empty()) FAIL("seed " << seed << "\n" << found << history::to_jsonl(h));
  }
}

TEST_CASE("every injected anomaly is found with its witnesses", "[checker][injection]") {
  for (testing::Injector const& injector : testing::all_injectors()) {
    std::uint64_t applied = 0;
    for (std::uint64_t seed = 1; seed <= seeds_per_kind; ++seed) {
      history::History const base = testing::random_valid_history(seed, shape_for(seed, injector));
      std::string const before = anomalies_in(check_history(base));
      if (!before.empty())
        FAIL("kind " << injector.kind << ", seed " << seed << ": the valid base has\n"
                     << before << history::to_jsonl(base));
      SplitMix64 rng(seed);
      std::optional<Injection> const broken = injector.inject(base, rng);
      if (!broken) continue;
      ++applied;
      std::string const wrong = mismatch(check_history(broken->history), broken->expected);
      if (!wrong.empty())
        FAIL("kind " << injector.kind << ", seed " << seed << ": after injection\n"
                     << wrong << history::to_jsonl(broken->history));
    }
    INFO("kind " << injector.kind);
    CHECK(applied >= seeds_per_kind / 10);  // Each kind finds a place in some seeds.
  }
}

TEST_CASE("there is an injector for every anomaly kind the format names",
          "[checker][injection]") {
  std::vector<std::string> kinds;
  for (testing::Injector const& injector : testing::all_injectors())
    kinds.push_back(injector.kind);
  std::vector<std::string> names;
  for (std::string_view name : history::anomaly_kind_names()) names.emplace_back(name);
  CHECK(kinds == names);
}

}  // namespace
}  // namespace mqcheck::checker
