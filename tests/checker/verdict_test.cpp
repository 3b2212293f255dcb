// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/verdict_test.cpp (tests, layer: checker)
// Validity spellings, the worst-wins merge, and the anomaly order every report relies on.
#include <catch2/catch.hpp>

#include "checker/verdict.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

TEST_CASE("validity spellings round-trip", "[checker][verdict]") {
  CHECK(to_string(Validity::valid) == "valid");
  CHECK(to_string(Validity::unknown) == "unknown");
  CHECK(to_string(Validity::invalid) == "invalid");
  for (std::string_view name : validity_names()) CHECK(to_string(*validity_from(name)) == name);
  CHECK(validity_names() == std::vector<std::string_view>{"valid", "unknown", "invalid"});
  CHECK_FALSE(validity_from("Valid").has_value());
  CHECK_FALSE(validity_from("").has_value());
  CHECK_FALSE(validity_from("ok").has_value());
}

TEST_CASE("worst: invalid over unknown over valid", "[checker][verdict]") {
  using enum Validity;
  CHECK(worst(valid, valid) == valid);
  CHECK(worst(valid, unknown) == unknown);
  CHECK(worst(unknown, valid) == unknown);
  CHECK(worst(unknown, unknown) == unknown);
  CHECK(worst(valid, invalid) == invalid);
  CHECK(worst(invalid, valid) == invalid);
  CHECK(worst(unknown, invalid) == invalid);
  CHECK(worst(invalid, unknown) == invalid);
  CHECK(worst(invalid, invalid) == invalid);
}

TEST_CASE("anomalies sort by first witness, then kind, group and message", "[checker]") {
  std::vector<Anomaly> anomalies{
      {"lost", MessageId{1}, "billing", {7, 8}, ""},
      {"lost", MessageId{2}, "audit", {3, 9}, ""},
      {"duplicated", MessageId{5}, "billing", {3, 4}, ""},
      {"lost", MessageId{4}, "audit", {3, 4}, ""},
      {"lost", MessageId{3}, "audit", {3, 4}, ""},
  };
  sort_anomalies(anomalies);
  std::vector<std::uint64_t> order;
  for (Anomaly const& anomaly : anomalies) order.push_back(anomaly.message.value);
  CHECK(order == std::vector<std::uint64_t>{5, 2, 3, 4, 1});
}

}  // namespace
}  // namespace mqcheck::checker
