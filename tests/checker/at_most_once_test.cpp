// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/at_most_once_test.cpp (tests, layer: checker)
// Duplicated and possibly duplicated processing within one consumer group, with near misses:
// two groups each processing once, a failed process, a single info process.
#include <catch2/catch.hpp>

#include "checker/delivery.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpType;
using testing::HistoryBuilder;
using testing::verdict_of;

Verdict at_most_once(DeliveryReport const& report) {
  return verdict_of(report, "at-most-once");
}

// Message 1, sent and acknowledged at ops 0 and 1.
HistoryBuilder sent_once() {
  HistoryBuilder b;
  b.subscribe("orders", {"billing", "audit"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  return b;
}

TEST_CASE("duplicated: one group processed a message twice", "[checker][duplicated]") {
  HistoryBuilder b = sent_once();
  b.process(OpType::ok, "audit", {1});
  b.process(OpType::invoke, "billing", {1});
  auto const first = b.process(OpType::ok, "billing", {1});
  b.process(OpType::invoke, "billing", {1});
  auto const second = b.process(OpType::ok, "billing", {1});
  DeliveryReport const report = check_delivery(b.history());
  Verdict const& verdict = at_most_once(report);
  CHECK(verdict.validity == Validity::invalid);
  CHECK(verdict.reason == "1 message processed more than once by the same group");
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{{"duplicated", MessageId{1}, "billing", {first, second},
                              "message 1 was processed 2 times by group billing (ops 4, 6)"}});
  CHECK(report.counts.duplicated == 1);
  CHECK(report.counts.processed == 3);
  CHECK(verdict_of(report, "at-least-once").validity == Validity::valid);
  CHECK(verdict_of(report, "exactly-once").validity == Validity::invalid);
}

TEST_CASE("duplicated: two consumers of one group count as the group", "[checker][duplicated]") {
  HistoryBuilder b = sent_once();
  auto const a = b.process_by(OpType::ok, "billing-0", "billing", {1});
  auto const c = b.process_by(OpType::ok, "billing-1", "billing", {1});
  auto const d = b.process_by(OpType::ok, "billing-0", "billing", {1});
  b.process(OpType::ok, "audit", {1});
  Verdict const& verdict = at_most_once(check_delivery(b.history()));
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{{"duplicated", MessageId{1}, "billing", {a, c, d},
                              "message 1 was processed 3 times by group billing (ops 2, 3, 4)"}});
}

TEST_CASE("not duplicated: two groups each processing once", "[checker]") {
  HistoryBuilder b = sent_once();
  b.process(OpType::ok, "billing", {1});
  b.process(OpType::ok, "audit", {1});
  DeliveryReport const report = check_delivery(b.history());
  CHECK(at_most_once(report).validity == Validity::valid);
  CHECK(at_most_once(report).reason.empty());
  CHECK(report.counts.processed == 2);
  CHECK(report.counts.duplicated == 0);
}

TEST_CASE("not duplicated: a failed process and an ok one", "[checker]") {
  HistoryBuilder b = sent_once();
  b.process(OpType::invoke, "billing", {1});
  b.process(OpType::fail, "billing", {1});
  b.process(OpType::invoke, "billing", {1});
  b.process(OpType::ok, "billing", {1});
  b.process(OpType::ok, "audit", {1});
  CHECK(at_most_once(check_delivery(b.history())).validity == Validity::valid);
}

TEST_CASE("not duplicated: a single info process", "[checker]") {
  HistoryBuilder b = sent_once();
  b.process(OpType::info, "billing", {1});
  CHECK(at_most_once(check_delivery(b.history())).validity == Validity::valid);
}

TEST_CASE("possibly duplicated: ok plus info leaves at-most-once unknown", "[checker]") {
  HistoryBuilder b = sent_once();
  b.process(OpType::ok, "audit", {1});
  std::string expected_reason;
  SECTION("an ok and an info completion") {
    b.process(OpType::invoke, "billing", {1});
    b.process(OpType::ok, "billing", {1});
    b.process(OpType::invoke, "billing", {1});
    b.process(OpType::info, "billing", {1});
    expected_reason = "possibly processed twice: message 1 by group billing (ok op 4, info op 6)";
  }
  SECTION("an ok and an invoke never completed") {
    b.process(OpType::invoke, "billing", {1});
    b.process(OpType::ok, "billing", {1});
    b.process(OpType::invoke, "billing", {1});
    expected_reason = "possibly processed twice: message 1 by group billing (ok op 4, info op 5)";
  }
  SECTION("two info processes") {
    b.process(OpType::info, "billing", {1});
    b.process(OpType::info, "billing", {1});
    expected_reason = "possibly processed twice: message 1 by group billing (info ops 3, 4)";
  }
  DeliveryReport const report = check_delivery(b.history());
  Verdict const& verdict = at_most_once(report);
  CHECK(verdict.validity == Validity::unknown);
  CHECK(verdict.anomalies.empty());
  CHECK(verdict.reason == expected_reason);
  CHECK(report.counts.duplicated == 0);
  CHECK(verdict_of(report, "exactly-once").validity == Validity::unknown);
}

TEST_CASE("possibly duplicated: the reason names the first pair and counts the rest",
          "[checker]") {
  HistoryBuilder b;
  for (std::uint64_t id : {3, 2}) {
    b.send(OpType::invoke, "p1", {id});
    b.send(OpType::ok, "p1", {id});
  }
  b.process(OpType::ok, "billing", {3});
  b.process(OpType::info, "billing", {3});
  b.process(OpType::ok, "billing", {2});
  b.process(OpType::info, "billing", {2});
  b.process(OpType::ok, "audit", {2});
  b.process(OpType::info, "audit", {2});
  b.process(OpType::ok, "audit", {3});
  Verdict const& verdict = at_most_once(check_delivery(b.history()));
  CHECK(verdict.validity == Validity::unknown);
  CHECK(verdict.reason ==
        "possibly processed twice: message 2 by group audit (ok op 8, info op 9); 2 more "
        "(message, group) pairs");
}

TEST_CASE("a proven duplicate outweighs a possible one", "[checker][duplicated]") {
  HistoryBuilder b = sent_once();
  b.send(OpType::invoke, "p1", {2});
  b.send(OpType::ok, "p1", {2});
  b.process(OpType::ok, "billing", {1});
  b.process(OpType::info, "billing", {1});
  auto const first = b.process(OpType::ok, "billing", {2});
  auto const second = b.process(OpType::ok, "billing", {2});
  Verdict const& verdict = at_most_once(check_delivery(b.history()));
  CHECK(verdict.validity == Validity::invalid);
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].message == MessageId{2});
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{first, second});
}

TEST_CASE("a batch process counts once per record", "[checker][duplicated]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1, 2});
  b.send(OpType::ok, "p1", {1, 2});
  b.process(OpType::invoke, "billing", {1, 2});
  auto const batch = b.process(OpType::ok, "billing", {1, 2});
  auto const again = b.process(OpType::ok, "billing", {2});
  DeliveryReport const report = check_delivery(b.history());
  CHECK(report.counts.processed == 3);
  CHECK(at_most_once(report).anomalies ==
        std::vector<Anomaly>{{"duplicated", MessageId{2}, "billing", {batch, again},
                              "message 2 was processed 2 times by group billing (ops 3, 4)"}});
}

TEST_CASE("duplicates of two messages: the reason counts messages", "[checker][duplicated]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1, 2});
  b.send(OpType::ok, "p1", {1, 2});
  for (int i = 0; i < 2; ++i) b.process(OpType::ok, "billing", {1, 2});
  for (int i = 0; i < 2; ++i) b.process(OpType::ok, "audit", {2});
  DeliveryReport const report = check_delivery(b.history());
  Verdict const& verdict = at_most_once(report);
  CHECK(verdict.reason == "2 messages processed more than once by the same group");
  CHECK(report.counts.duplicated == 3);  // (1, billing), (2, billing), (2, audit).
  // Sorted by first witness, then kind, then group.
  REQUIRE(verdict.anomalies.size() == 3);
  CHECK(verdict.anomalies[0].message == MessageId{1});
  CHECK(verdict.anomalies[1].message == MessageId{2});
  CHECK(verdict.anomalies[1].group == "billing");
  CHECK(verdict.anomalies[2].group == "audit");
  CHECK(verdict.anomalies[2].witnesses == std::vector<std::uint64_t>{4, 5});
}

}  // namespace
}  // namespace mqcheck::checker
