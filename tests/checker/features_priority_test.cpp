// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/features_priority_test.cpp (tests, layer: checker)
// The priority property: priority-inversion at a broker dispatch, with readiness from append
// events or, without them, from the ok send; near misses (arrived after the dispatch, equal
// priority, expired, filtered out, another group) and no verdict without dispatch events.
#include <catch2/catch.hpp>

#include "checker/features.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::FeatureHistoryBuilder;
using testing::msg;
using testing::prioritized;
using testing::tagged;

history::Record low() { return prioritized(msg(1, "q"), 1); }
history::Record high() { return prioritized(msg(2, "q"), 9); }

std::uint64_t append(FeatureHistoryBuilder& b, history::Record r) {
  return b.op(OpType::event, OpKind::append, "broker-0", {std::move(r)});
}

std::uint64_t dispatch(FeatureHistoryBuilder& b, history::Record r, std::string group = "q") {
  return b.op(OpType::event, OpKind::dispatch, "broker-0", {std::move(r)},
              {.group = std::move(group)});
}

TEST_CASE("priority-inversion: a low message dispatched while a high one waits",
          "[checker][features]") {
  FeatureHistoryBuilder b;
  append(b, low());
  auto const ready = append(b, high());
  auto const overtaking = dispatch(b, msg(1, "q"));  // The dispatch record needs no priority.
  auto const late = dispatch(b, msg(2, "q"));
  dispatch(b, msg(2, "q"));  // A redelivery adds nothing.
  std::optional<Verdict> const verdict = check_priority(b.history());
  REQUIRE(verdict);
  CHECK(verdict->guarantee == "priority");
  CHECK(verdict->validity == Validity::invalid);
  CHECK(verdict->reason ==
        "1 higher-priority message overtaken by a lower-priority one at dispatch");
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"priority-inversion",
                MessageId{2},
                "q",
                {ready, overtaking, late},
                "group q was handed message 1 (priority 1, op 2) while message 2 (priority 9) "
                "had been ready since op 1; message 2 was dispatched to it only at op 3"});
}

TEST_CASE("priority-inversion: without append events, the ok send makes a message ready",
          "[checker][features]") {
  FeatureHistoryBuilder b;
  b.op(OpType::invoke, OpKind::send, "p1", {low()});
  b.op(OpType::ok, OpKind::send, "p1", {low()});
  b.op(OpType::invoke, OpKind::send, "p2", {high()});
  auto const acked = b.op(OpType::ok, OpKind::send, "p2", {msg(2, "q")});
  auto const overtaking = dispatch(b, msg(1, "q"));
  std::optional<Verdict> const verdict = check_priority(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::invalid);
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"priority-inversion",
                MessageId{2},
                "q",
                {acked, overtaking},
                "group q was handed message 1 (priority 1, op 4) while message 2 (priority 9) "
                "had been ready since op 3; message 2 was never dispatched to it"});
}

TEST_CASE("priority-inversion: one anomaly per overtaken message and group",
          "[checker][features]") {
  FeatureHistoryBuilder b;
  append(b, high());
  append(b, low());
  append(b, msg(3, "q"));  // No priority counts as priority 0 (RabbitMQ).
  auto const first = dispatch(b, msg(1, "q"));
  dispatch(b, msg(3, "q"));  // Overtakes message 2 again: already reported.
  std::optional<Verdict> const verdict = check_priority(b.history());
  REQUIRE(verdict);
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0].witnesses == std::vector<std::uint64_t>{0, first});
}

TEST_CASE("priority near misses", "[checker][features]") {
  FeatureHistoryBuilder b;
  int const variant = GENERATE(0, 1, 2, 3, 4, 5, 6);
  CAPTURE(variant);
  if (variant == 4) b.header().groups["q"].filter = {"urgent"};
  append(b, low());
  switch (variant) {
    case 0:  // The high message arrives after the dispatch: prefetch took the low one first.
      dispatch(b, msg(1, "q"));
      append(b, high());
      break;
    case 1:  // The high message goes first.
      append(b, high());
      dispatch(b, msg(2, "q"));
      dispatch(b, msg(1, "q"));
      break;
    case 2:  // Equal priorities are served in arrival order, or any order.
      append(b, prioritized(msg(2, "q"), 1));
      dispatch(b, msg(1, "q"));
      break;
    case 3:  // The high message expired (TTL) before the dispatch: no longer waiting.
      append(b, high());
      b.op(OpType::event, OpKind::expire, "broker-0", {msg(2, "q")});
      dispatch(b, msg(1, "q"));
      break;
    case 4:  // The group's filter rejects the high message: it never waits for this group.
      append(b, tagged(high(), "bulk"));
      dispatch(b, msg(1, "q"));
      break;
    case 5:  // The high message waits in another topic.
      append(b, prioritized(msg(2, "other"), 9));
      dispatch(b, msg(1, "q"));
      break;
    case 6:  // An info send without an append event never made the message ready.
      b.op(OpType::invoke, OpKind::send, "p2", {high()});
      b.op(OpType::info, OpKind::send, "p2", {high()});
      dispatch(b, msg(1, "q"));
      break;
  }
  std::optional<Verdict> const verdict = check_priority(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::valid);
  CHECK(verdict->anomalies.empty());
}

TEST_CASE("priority: each group (queue) waits on its own", "[checker][features]") {
  FeatureHistoryBuilder b;
  append(b, low());
  auto const ready = append(b, high());
  dispatch(b, msg(2, "q"), "r");  // Group r took message 2; group q still waits for it.
  auto const overtaking = dispatch(b, msg(1, "q"), "q");
  std::optional<Verdict> const verdict = check_priority(b.history());
  REQUIRE(verdict);
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0].group == "q");
  CHECK(verdict->anomalies[0].witnesses == std::vector<std::uint64_t>{ready, overtaking});
}

TEST_CASE("priority: no verdict without priorities or without dispatch events",
          "[checker][features]") {
  FeatureHistoryBuilder b;
  append(b, high());
  b.op(OpType::ok, OpKind::deliver, "q-0", {msg(2, "q")}, {.group = "q"});
  CHECK_FALSE(check_priority(b.history()));  // Client deliveries are not the broker's choice.
  FeatureHistoryBuilder c;
  append(c, msg(1, "q"));
  append(c, msg(2, "q"));
  dispatch(c, msg(2, "q"));
  CHECK_FALSE(check_priority(c.history()));
}

}  // namespace
}  // namespace mqcheck::checker
