// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/at_least_once_test.cpp (tests, layer: checker)
// Lost, unseen, uncertain and recovered messages: one tiny history per case, each with the
// near miss that must pass. Witnesses are asserted as exact history indices.
#include <catch2/catch.hpp>

#include "checker/delivery.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpType;
using testing::HistoryBuilder;
using testing::verdict_of;

constexpr std::string_view lost_reason_one =
    "1 acknowledged message lost (never processed by a group that must read the topic, after a "
    "final drain)";

Verdict at_least_once(DeliveryReport const& report) {
  return verdict_of(report, "at-least-once");
}

TEST_CASE("lost: an acknowledged message no expected group processed", "[checker][lost]") {
  HistoryBuilder b;
  bool const subscribed = GENERATE(true, false);
  CAPTURE(subscribed);  // Listed in the header, or taken from the groups seen on the topic.
  if (subscribed) b.subscribe("orders", {"billing"});
  auto const inv1 = b.send(OpType::invoke, "p1", {1});
  auto const ok1 = b.send(OpType::ok, "p1", {1});
  b.send(OpType::invoke, "p1", {2});
  b.send(OpType::ok, "p1", {2});
  b.process(OpType::invoke, "billing", {2});
  b.process(OpType::ok, "billing", {2});
  DeliveryReport const report = check_delivery(b.history());
  Verdict const& verdict = at_least_once(report);
  CHECK(verdict.validity == Validity::invalid);
  CHECK(verdict.reason == lost_reason_one);
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0] ==
        Anomaly{"lost", MessageId{1}, "billing", {inv1, ok1},
                "message 1 was acknowledged to p1 (op 1) but group billing never processed it"});
  CHECK(report.counts.lost == 1);
  CHECK(report.counts.unseen == 0);
  CHECK(report.counts.acknowledged == 2);
  CHECK(report.counts.processed == 1);
  CHECK(verdict_of(report, "at-most-once").validity == Validity::valid);
  CHECK(verdict_of(report, "no-unexpected").validity == Validity::valid);
  CHECK(verdict_of(report, "exactly-once").validity == Validity::invalid);
}

TEST_CASE("not lost: a send whose outcome is unknown or failed, never processed", "[checker]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::info, "p1", {1});  // Maybe written: never processed is not a loss.
  b.send(OpType::invoke, "p2", {2});  // Never completed: counts as info.
  b.send(OpType::invoke, "p3", {3});
  b.send(OpType::fail, "p3", {3});  // Definitely not written.
  DeliveryReport const report = check_delivery(b.history());
  for (Verdict const& verdict : report.verdicts) {
    CAPTURE(verdict.guarantee, verdict.reason);
    CHECK(verdict.validity == Validity::valid);
    CHECK(verdict.anomalies.empty());
    CHECK(verdict.reason.empty());
  }
  CHECK(report.counts == Counts{.sent = 3, .failed = 1, .unknown = 2});
}

TEST_CASE("unseen: without a final drain a missing message is not yet processed",
          "[checker][unseen]") {
  HistoryBuilder b;
  b.drained(false).subscribe("orders", {"billing", "audit"});
  auto const inv1 = b.send(OpType::invoke, "p1", {1});
  auto const ok1 = b.send(OpType::ok, "p1", {1});
  b.send(OpType::invoke, "p1", {2});
  b.send(OpType::ok, "p1", {2});
  b.process(OpType::ok, "billing", {2});
  b.process(OpType::ok, "audit", {2});
  DeliveryReport const report = check_delivery(b.history());
  Verdict const& verdict = at_least_once(report);
  CHECK(verdict.validity == Validity::unknown);
  // One message, missing in two groups: the reason counts messages, the counts anomalies.
  CHECK(verdict.reason == "history not drained: 1 acknowledged message not yet processed");
  std::string const tail = " had not processed it when the history ended, without a final drain";
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{
            {"unseen", MessageId{1}, "audit", {inv1, ok1},
             "message 1 was acknowledged to p1 (op 1) but group audit" + tail},
            {"unseen", MessageId{1}, "billing", {inv1, ok1},
             "message 1 was acknowledged to p1 (op 1) but group billing" + tail}});
  CHECK(report.counts.unseen == 2);
  CHECK(report.counts.lost == 0);
  CHECK(verdict_of(report, "exactly-once").validity == Validity::unknown);
}

TEST_CASE("uncertain: an info process is maybe processed, never lost", "[checker]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.process(OpType::invoke, "billing", {1});
  b.process(OpType::info, "billing", {1});

  SECTION("alone, it leaves the verdict unknown") {
    DeliveryReport const report = check_delivery(b.history());
    Verdict const& verdict = at_least_once(report);
    CHECK(verdict.validity == Validity::unknown);
    CHECK(verdict.anomalies.empty());
    CHECK(verdict.reason ==
          "uncertain: 1 acknowledged message maybe processed (only info process ops in a group "
          "that must read the topic)");
    CHECK(report.counts.lost == 0);
    CHECK(report.counts.processed == 0);
  }
  SECTION("it does not hide a lost message") {
    auto const inv2 = b.send(OpType::invoke, "p1", {2});
    auto const ok2 = b.send(OpType::ok, "p1", {2});
    Verdict const& verdict = at_least_once(check_delivery(b.history()));
    CHECK(verdict.validity == Validity::invalid);
    CHECK(verdict.reason == lost_reason_one);
    REQUIRE(verdict.anomalies.size() == 1);
    CHECK(verdict.anomalies[0].message == MessageId{2});
    CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{inv2, ok2});
  }
  SECTION("an open process invoke is maybe processed too") {
    HistoryBuilder open;
    open.subscribe("orders", {"billing"});
    open.send(OpType::invoke, "p1", {1});
    open.send(OpType::ok, "p1", {1});
    open.process(OpType::invoke, "billing", {1});
    CHECK(at_least_once(check_delivery(open.history())).validity == Validity::unknown);
  }
}

TEST_CASE("a failed process did not happen", "[checker][lost]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.process(OpType::invoke, "billing", {1});
  b.process(OpType::fail, "billing", {1});
  Verdict const& verdict = at_least_once(check_delivery(b.history()));
  CHECK(verdict.validity == Validity::invalid);
  CHECK(testing::kinds(verdict) == std::vector<std::string>{"lost"});
}

TEST_CASE("a subscribed group that processed nothing loses every acknowledged send",
          "[checker][lost]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing", "audit"});
  auto const inv1 = b.send(OpType::invoke, "p1", {1});
  auto const ok1 = b.send(OpType::ok, "p1", {1});
  auto const inv2 = b.send(OpType::invoke, "p2", {2});
  auto const ok2 = b.send(OpType::ok, "p2", {2});
  b.send(OpType::invoke, "p1", {3});
  b.send(OpType::fail, "p1", {3});  // Not written: not lost for audit.
  b.send(OpType::invoke, "p1", {4});
  b.send(OpType::info, "p1", {4});  // Maybe written: not lost for audit.
  b.process(OpType::ok, "billing", {1});
  b.process(OpType::ok, "billing", {2});
  b.process(OpType::ok, "stray", {1});  // A group nobody listed counts for nothing.
  DeliveryReport const report = check_delivery(b.history());
  Verdict const& verdict = at_least_once(report);
  CHECK(verdict.validity == Validity::invalid);
  CHECK(verdict.reason ==
        "2 acknowledged messages lost (never processed by a group that must read the topic, "
        "after a final drain)");
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{
            {"lost", MessageId{1}, "audit", {inv1, ok1},
             "message 1 was acknowledged to p1 (op 1) but group audit never processed it"},
            {"lost", MessageId{2}, "audit", {inv2, ok2},
             "message 2 was acknowledged to p2 (op 3) but group audit never processed it"}});
  CHECK(report.counts.lost == 2);
}

TEST_CASE("without subscriptions, every group seen on a topic must process it",
          "[checker][lost]") {
  HistoryBuilder b;
  auto const inv1 = b.send(OpType::invoke, "p1", {1});
  auto const ok1 = b.send(OpType::ok, "p1", {1});
  auto const inv2 = b.send(OpType::invoke, "p1", {2});
  auto const ok2 = b.send(OpType::ok, "p1", {2});
  b.process(OpType::ok, "billing", {1});
  b.process(OpType::ok, "analytics", {2});
  Verdict const& verdict = at_least_once(check_delivery(b.history()));
  CHECK(verdict.validity == Validity::invalid);
  REQUIRE(verdict.anomalies.size() == 2);
  CHECK(verdict.anomalies[0].message == MessageId{1});
  CHECK(verdict.anomalies[0].group == "analytics");
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{inv1, ok1});
  CHECK(verdict.anomalies[1].message == MessageId{2});
  CHECK(verdict.anomalies[1].group == "billing");
  CHECK(verdict.anomalies[1].witnesses == std::vector<std::uint64_t>{inv2, ok2});
}

TEST_CASE("expected groups are per topic", "[checker]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1}, "orders");
  b.send(OpType::ok, "p1", {1}, "orders");
  b.send(OpType::invoke, "p1", {2}, "parcels");
  b.send(OpType::ok, "p1", {2}, "parcels");
  b.process(OpType::ok, "billing", {1}, "orders");
  b.process(OpType::ok, "shipping", {2}, "parcels");
  CHECK(at_least_once(check_delivery(b.history())).validity == Validity::valid);

  auto const inv3 = b.send(OpType::invoke, "p1", {3}, "parcels");
  auto const ok3 = b.send(OpType::ok, "p1", {3}, "parcels");
  Verdict const& verdict = at_least_once(check_delivery(b.history()));
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{
            {"lost", MessageId{3}, "shipping", {inv3, ok3},
             "message 3 was acknowledged to p1 (op 7) but group shipping never processed it"}});
}

TEST_CASE("a topic no group reads leaves at-least-once unknown", "[checker]") {
  HistoryBuilder b;
  SECTION("no group processed anything") {}
  SECTION("the header subscribes nobody") { b.subscribe("orders", {}); }
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  Verdict const& verdict = at_least_once(check_delivery(b.history()));
  CHECK(verdict.validity == Validity::unknown);
  CHECK(verdict.reason == "no consumer group reads topic orders");
  CHECK(verdict.anomalies.empty());
}

TEST_CASE("unknown reasons are all listed, in a fixed order", "[checker]") {
  HistoryBuilder b;
  b.drained(false);
  b.send(OpType::invoke, "p1", {1}, "orders");
  b.send(OpType::ok, "p1", {1}, "orders");
  b.send(OpType::invoke, "p1", {2}, "orders");
  b.send(OpType::ok, "p1", {2}, "orders");
  b.send(OpType::invoke, "p1", {3}, "parcels");
  b.send(OpType::ok, "p1", {3}, "parcels");
  b.send(OpType::invoke, "p1", {4}, "orders");
  b.send(OpType::ok, "p1", {4}, "orders");
  b.process(OpType::ok, "billing", {1}, "orders");
  b.process(OpType::info, "billing", {4}, "orders");
  Verdict const& verdict = at_least_once(check_delivery(b.history()));
  CHECK(verdict.validity == Validity::unknown);
  CHECK(verdict.reason ==
        "history not drained: 1 acknowledged message not yet processed; no consumer group reads "
        "topic parcels; uncertain: 1 acknowledged message maybe processed (only info process "
        "ops in a group that must read the topic)");
  CHECK(testing::kinds(verdict) == std::vector<std::string>{"unseen"});
}

TEST_CASE("recovered: a send of unknown outcome that was processed", "[checker][recovered]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::info, "p1", {1});
  b.send(OpType::invoke, "p2", {2});  // Never completed.
  b.send(OpType::invoke, "p3", {3});
  b.send(OpType::info, "p3", {3});  // Never processed: neither recovered nor lost.
  b.process(OpType::ok, "billing", {1});
  b.process(OpType::ok, "billing", {2});
  DeliveryReport const report = check_delivery(b.history());
  CHECK(report.counts.recovered == 2);
  CHECK(report.counts.unknown == 3);
  CHECK(report.counts.processed == 2);
  for (Verdict const& verdict : report.verdicts) {
    CAPTURE(verdict.guarantee);
    CHECK(verdict.validity == Validity::valid);  // Recovered is a count, not an anomaly.
  }
}

TEST_CASE("the witness of a retried send is its acknowledged attempt", "[checker][lost]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::fail, "p1", {1});
  b.process(OpType::ok, "billing", {7});  // Unrelated (and unexpected), between the attempts.
  auto const inv = b.send(OpType::invoke, "p1", {1});
  auto const ok = b.send(OpType::ok, "p1", {1});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});  // A second ack: the first one is the witness.
  Verdict const& verdict = at_least_once(check_delivery(b.history()));
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{inv, ok});
  CHECK(verdict.anomalies[0].explanation ==
        "message 1 was acknowledged to p1 (op 4) but group billing never processed it");
}

TEST_CASE("lost messages of a batch, and an ack with no invoke", "[checker][lost]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  auto const inv = b.send(OpType::invoke, "p1", {1, 2});
  b.send(OpType::invoke, "p2", {3});
  auto const ok = b.send(OpType::ok, "p1", {2, 1});
  auto const stray_ok = b.send(OpType::ok, "p9", {4});  // No invoke: stands alone.
  b.send(OpType::ok, "p2", {3});
  b.process(OpType::ok, "billing", {1, 3});
  DeliveryReport const report = check_delivery(b.history());
  Verdict const& verdict = at_least_once(report);
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{
            {"lost", MessageId{2}, "billing", {inv, ok},
             "message 2 was acknowledged to p1 (op 2) but group billing never processed it"},
            {"lost", MessageId{4}, "billing", {stray_ok},
             "message 4 was acknowledged to p9 (op 3) but group billing never processed it"}});
  CHECK(report.counts.processed == 2);
  CHECK(report.counts.sent == 4);
}

}  // namespace
}  // namespace mqcheck::checker
