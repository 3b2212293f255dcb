// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/features_delay_test.cpp (tests, layer: checker)
// The delay property: early-delivery, its near misses (on time, info only, nothing consumed),
// and no verdict when no message is delayed. Witnesses are asserted as exact indices.
#include <catch2/catch.hpp>

#include "checker/features.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::delayed;
using testing::FeatureHistoryBuilder;
using testing::msg;

// p1 sends message 1 to be delivered from 100us on (ops 0, 1).
FeatureHistoryBuilder delayed_send() {
  FeatureHistoryBuilder b;
  b.op(OpType::invoke, OpKind::send, "p1", {delayed(msg(1), 100)});
  b.op(OpType::ok, OpKind::send, "p1", {delayed(msg(1), 100)});
  return b;
}

TEST_CASE("early-delivery: a delayed message consumed before its delay", "[checker][features]") {
  OpKind const f = GENERATE(OpKind::deliver, OpKind::poll, OpKind::process);
  CAPTURE(history::to_string(f));  // A leak at delivery is one, and so is one at processing.
  FeatureHistoryBuilder b = delayed_send();
  auto const early = b.at(40).op(OpType::ok, f, "billing-0", {msg(1)}, {.group = "billing"});
  b.op(OpType::ok, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});  // Same pair.
  std::optional<Verdict> const verdict = check_delay(b.history());
  REQUIRE(verdict);
  CHECK(verdict->guarantee == "delay");
  CHECK(verdict->validity == Validity::invalid);
  CHECK(verdict->reason == "1 delivery of a delayed message before its delay ended");
  std::string const verb = f == OpKind::process ? "processed" : "received";
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"early-delivery",
                MessageId{1},
                "billing",
                {0, early},
                "message 1 was sent by p1 (op 0) to be delivered from 100us on, but billing-0 of "
                "group billing " +
                    verb + " it at 40us (op 2)"});
}

TEST_CASE("early-delivery: one anomaly per group, not per op", "[checker][features]") {
  FeatureHistoryBuilder b = delayed_send();
  auto const a = b.at(10).op(OpType::ok, OpKind::deliver, "audit-0", {msg(1)}, {.group = "audit"});
  auto const c = b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)}, {.group = "billing"});
  b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)}, {.group = "billing"});
  std::optional<Verdict> const verdict = check_delay(b.history());
  REQUIRE(verdict);
  CHECK(verdict->reason == "2 deliveries of a delayed message before its delay ended");
  REQUIRE(verdict->anomalies.size() == 2);
  CHECK(verdict->anomalies[0].witnesses == std::vector<std::uint64_t>{0, a});
  CHECK(verdict->anomalies[0].group == "audit");
  CHECK(verdict->anomalies[1].witnesses == std::vector<std::uint64_t>{0, c});
  CHECK(verdict->anomalies[1].group == "billing");
}

TEST_CASE("delay near miss: consumed exactly when the delay ends", "[checker][features]") {
  FeatureHistoryBuilder b = delayed_send();
  b.at(100).op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)}, {.group = "billing"});
  b.op(OpType::invoke, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  b.op(OpType::ok, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  std::optional<Verdict> const verdict = check_delay(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::valid);
  CHECK(verdict->reason.empty());
  CHECK(verdict->anomalies.empty());
}

TEST_CASE("delay: an info op before the delay is a maybe, not a violation", "[checker][features]") {
  FeatureHistoryBuilder b = delayed_send();
  bool const open = GENERATE(false, true);
  CAPTURE(open);  // An info completion, or a process invoke never completed.
  b.at(30).op(OpType::invoke, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  if (!open) b.op(OpType::info, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  b.at(200).op(OpType::ok, OpKind::deliver, "audit-0", {msg(1)}, {.group = "audit"});
  std::optional<Verdict> const verdict = check_delay(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::unknown);
  CHECK(verdict->reason ==
        "maybe early: 1 message named by an op of unknown outcome (info) before the delay ended");
  CHECK(verdict->anomalies.empty());
}

TEST_CASE("delay: nothing consumed is unknown, not a vacuous valid", "[checker][features]") {
  FeatureHistoryBuilder b = delayed_send();
  b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(2)}, {.group = "billing"});  // Not delayed.
  std::optional<Verdict> const verdict = check_delay(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::unknown);
  CHECK(verdict->reason ==
        "no delayed message was delivered, polled or processed, so none could be early");
}

// Group billing's consumers hold delayed messages back themselves (Kafka: fetch, pause, seek
// back) or the broker does; billing-0 polls message 1 at 40us and processes it at 150us.
FeatureHistoryBuilder early_poll_late_process(history::GroupSpec::DelayBy by) {
  FeatureHistoryBuilder b = delayed_send();
  b.header().groups["billing"].delay = by;
  b.at(40).op(OpType::ok, OpKind::poll, "billing-0", {msg(1)}, {.group = "billing"});
  b.at(150).op(OpType::invoke, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  b.op(OpType::ok, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  return b;
}

TEST_CASE("delay by the consumer: an early poll then a late process is valid",
          "[checker][features]") {
  FeatureHistoryBuilder b = early_poll_late_process(history::GroupSpec::DelayBy::consumer);
  std::optional<Verdict> const verdict = check_delay(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::valid);
  CHECK(verdict->anomalies.empty());
}

TEST_CASE("delay by the broker: the same early poll is early-delivery", "[checker][features]") {
  FeatureHistoryBuilder b = early_poll_late_process(history::GroupSpec::DelayBy::broker);
  std::optional<Verdict> const verdict = check_delay(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::invalid);
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0].witnesses == std::vector<std::uint64_t>{0, 2});
}

TEST_CASE("delay by the consumer: an early process is early-delivery", "[checker][features]") {
  FeatureHistoryBuilder b = delayed_send();
  b.header().groups["billing"].delay = history::GroupSpec::DelayBy::consumer;
  b.at(40).op(OpType::ok, OpKind::poll, "billing-0", {msg(1)}, {.group = "billing"});
  b.at(60).op(OpType::invoke, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  auto const early = b.op(OpType::ok, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  std::optional<Verdict> const verdict = check_delay(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::invalid);
  REQUIRE(verdict->anomalies.size() == 1);  // The poll (op 2) is not a witness; the process is.
  CHECK(verdict->anomalies[0] ==
        Anomaly{"early-delivery",
                MessageId{1},
                "billing",
                {0, early},
                "message 1 was sent by p1 (op 0) to be delivered from 100us on, but billing-0 of "
                "group billing processed it at 61us (op 4)"});
}

TEST_CASE("delay by the consumer: only early polls leave nothing judged", "[checker][features]") {
  FeatureHistoryBuilder b = delayed_send();
  b.header().groups["billing"].delay = history::GroupSpec::DelayBy::consumer;
  b.at(40).op(OpType::ok, OpKind::poll, "billing-0", {msg(1)}, {.group = "billing"});
  std::optional<Verdict> const verdict = check_delay(b.history());
  REQUIRE(verdict);  // The poll is no evidence either way: unknown, not a vacuous valid.
  CHECK(verdict->validity == Validity::unknown);
}

TEST_CASE("delay: no verdict when no send is delayed", "[checker][features]") {
  FeatureHistoryBuilder b;
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  b.op(OpType::ok, OpKind::deliver, "billing-0", {delayed(msg(1), 100)}, {.group = "billing"});
  CHECK_FALSE(check_delay(b.history()));  // Only a send record's delay counts.
}

}  // namespace
}  // namespace mqcheck::checker
