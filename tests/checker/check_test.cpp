// SPDX-License-Identifier: Apache-2.0
// The composition: every guarantee judged together, `--guarantee` filtering, anomalies the
// configuration permits (header `allowed`), and guarantees it does not promise.
#include <catch2/catch.hpp>

#include "checker/check.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpType;
using testing::HistoryBuilder;
using testing::verdict_of;

// Message 1 is acknowledged and never processed: lost for group billing.
HistoryBuilder lost_one() {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.send(OpType::invoke, "p1", {2});
  b.send(OpType::ok, "p1", {2});
  b.process(OpType::invoke, "billing", {2});
  b.process(OpType::ok, "billing", {2});
  return b;
}

TEST_CASE("check_history judges the delivery guarantees in order", "[checker][check]") {
  DeliveryReport const r = check_history(lost_one().history());
  REQUIRE(r.verdicts.size() == 4);
  CHECK(r.verdicts[0].guarantee == "at-most-once");
  CHECK(verdict_of(r, "at-least-once").validity == Validity::invalid);
  CHECK(r.permitted.empty());
  CHECK(r.unpromised.empty());
}

TEST_CASE("--guarantee keeps only the guarantees asked for", "[checker][check]") {
  std::vector<std::string> const only{"at-most-once"};
  DeliveryReport const r = check_history(lost_one().history(), only);
  REQUIRE(r.verdicts.size() == 1);
  CHECK(r.verdicts[0].guarantee == "at-most-once");
}

TEST_CASE("an allowed anomaly is permitted, not a violation", "[checker][check]") {
  HistoryBuilder b = lost_one();
  history::History h = b.history();
  h.header().allowed["lost"] = "acks=0 promises nothing";
  DeliveryReport const r = check_history(h);
  CHECK(verdict_of(r, "at-least-once").validity == Validity::valid);
  CHECK(verdict_of(r, "exactly-once").validity == Validity::valid);
  REQUIRE(r.permitted.size() == 1);  // Listed once, not again for exactly-once.
  CHECK(r.permitted[0].kind == "lost");
  CHECK(r.permitted[0].explanation.ends_with("(permitted: acks=0 promises nothing)"));
}

TEST_CASE("a guarantee the configuration does not promise is marked", "[checker][check]") {
  history::History h = lost_one().history();
  h.header().promises = {"at-most-once"};
  DeliveryReport const r = check_history(h);
  CHECK(promised(h.header(), "at-most-once"));
  CHECK_FALSE(promised(h.header(), "at-least-once"));
  CHECK(r.unpromised ==
        std::vector<std::string>{"at-least-once", "exactly-once", "no-unexpected"});
  CHECK(verdict_of(r, "at-least-once").validity == Validity::invalid);  // Still reported.
}

TEST_CASE("every guarantee name is listed once", "[checker][check]") {
  auto names = all_guarantee_names();
  REQUIRE(names.size() == 14);
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}

}  // namespace
}  // namespace mqcheck::checker
