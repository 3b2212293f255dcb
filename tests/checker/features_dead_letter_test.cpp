// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/features_dead_letter_test.cpp (tests, layer: checker)
// The dead-letter property: dlq-missing and dlq-duplicate, and their near misses (arrived
// once, not exhausted, redelivered from the same offset, not drained, info nacks).
#include <catch2/catch.hpp>

#include "checker/features.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::at_offset;
using testing::FeatureHistoryBuilder;
using testing::msg;

// Group billing dead-letters to orders-dlq after 2 failed attempts; p1 sends message 1 (ops 0,
// 1) and billing rejects it `nacks` times (ops 2, 3, ...).
FeatureHistoryBuilder rejected(int nacks) {
  FeatureHistoryBuilder b;
  b.header().groups["billing"].dead_letter_topic = "orders-dlq";
  b.header().groups["billing"].dead_letter_after = 2;
  b.op(OpType::invoke, OpKind::send, "p1", {msg(1)});
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  for (int i = 0; i < nacks; ++i)
    b.op(OpType::ok, OpKind::nack, "billing-0", {msg(1)}, {.group = "billing"});
  return b;
}

std::uint64_t dead_append(FeatureHistoryBuilder& b) {
  return b.op(OpType::event, OpKind::append, "broker-0", {msg(1, "orders-dlq")});
}

TEST_CASE("dlq-missing: an exhausted message never reaches the dead-letter topic",
          "[checker][features]") {
  FeatureHistoryBuilder b = rejected(3);
  std::optional<Verdict> const verdict = check_dead_letter(b.history());
  REQUIRE(verdict);
  CHECK(verdict->guarantee == "dead-letter");
  CHECK(verdict->validity == Validity::invalid);
  CHECK(verdict->reason == "1 exhausted message never reached the dead-letter topic");
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"dlq-missing",
                MessageId{1},
                "billing",
                {2, 3},
                "group billing rejected message 1 2 times (ops 2, 3), which exhausts it, but it "
                "never arrived in dead-letter topic orders-dlq"});
}

TEST_CASE("dead-letter near misses: arrived once", "[checker][features]") {
  int const variant = GENERATE(0, 1, 2);
  CAPTURE(variant);
  FeatureHistoryBuilder b = rejected(2);
  if (variant == 0) dead_append(b);
  // A DLQ reader proves the arrival too, even when it reads the same offset twice.
  if (variant >= 1) {
    b.op(OpType::ok, OpKind::deliver, "dlq-0", {at_offset(msg(1, "orders-dlq"), 0)},
         {.group = "dlq"});
  }
  if (variant == 2) {
    b.op(OpType::ok, OpKind::deliver, "dlq-0", {at_offset(msg(1, "orders-dlq"), 0)},
         {.group = "dlq"});
  }
  std::optional<Verdict> const verdict = check_dead_letter(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::valid);
  CHECK(verdict->anomalies.empty());
}

TEST_CASE("dead-letter: not exhausted, nothing is owed", "[checker][features]") {
  FeatureHistoryBuilder b = rejected(1);
  b.op(OpType::ok, OpKind::nack, "audit-0", {msg(1)}, {.group = "audit"});  // Another group.
  std::optional<Verdict> const verdict = check_dead_letter(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::unknown);  // Nothing was judged: no vacuous valid.
  CHECK(verdict->reason == "no message exhausted its retries or reached a dead-letter topic");
  CHECK(verdict->anomalies.empty());
}

TEST_CASE("dead-letter: without a drain a missing dead letter is only unknown",
          "[checker][features]") {
  FeatureHistoryBuilder b = rejected(2);
  b.header().drained = false;
  std::optional<Verdict> const verdict = check_dead_letter(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::unknown);
  CHECK(verdict->reason ==
        "history not drained: 1 exhausted message not yet in the dead-letter topic");
  CHECK(verdict->anomalies.empty());
}

TEST_CASE("dead-letter: an info nack exhausts a message only maybe", "[checker][features]") {
  FeatureHistoryBuilder b = rejected(1);
  b.op(OpType::info, OpKind::nack, "billing-0", {msg(1)}, {.group = "billing"});
  std::optional<Verdict> const verdict = check_dead_letter(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::unknown);
  CHECK(verdict->reason ==
        "uncertain: 1 message exhausted only if an info nack took effect, and not in the "
        "dead-letter topic");
}

TEST_CASE("dlq-duplicate: appended twice to the dead-letter topic", "[checker][features]") {
  FeatureHistoryBuilder b = rejected(2);
  auto const first = dead_append(b);
  auto const second = dead_append(b);
  std::optional<Verdict> const verdict = check_dead_letter(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::invalid);
  CHECK(verdict->reason == "1 message reached a dead-letter topic more than once");
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"dlq-duplicate",
                MessageId{1},
                "billing",
                {first, second},
                "message 1 was appended 2 times in dead-letter topic orders-dlq (ops 4, 5), but "
                "a dead letter must land once"});
}

TEST_CASE("dlq-duplicate: stored at two offsets of the dead-letter topic", "[checker][features]") {
  FeatureHistoryBuilder b = rejected(2);
  auto const first = b.op(OpType::ok, OpKind::poll, "dlq-0", {at_offset(msg(1, "orders-dlq"), 0)},
                          {.group = "dlq"});
  auto const second = b.op(OpType::ok, OpKind::poll, "dlq-0", {at_offset(msg(1, "orders-dlq"), 7)},
                           {.group = "dlq"});
  std::optional<Verdict> const verdict = check_dead_letter(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::invalid);
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"dlq-duplicate",
                MessageId{1},
                "billing",
                {first, second},
                "message 1 was stored at 2 distinct offsets in dead-letter topic orders-dlq (ops "
                "4, 5), but a dead letter must land once"});
}

TEST_CASE("dead-letter: two groups sharing a dead-letter topic may each send one copy",
          "[checker][features]") {
  FeatureHistoryBuilder b = rejected(2);
  b.header().groups["audit"].dead_letter_topic = "orders-dlq";
  b.header().groups["audit"].dead_letter_after = 1;
  b.op(OpType::ok, OpKind::nack, "audit-0", {msg(1)}, {.group = "audit"});
  dead_append(b);
  dead_append(b);
  std::optional<Verdict> const verdict = check_dead_letter(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::valid);
}

TEST_CASE("dead-letter: a group without dead_letter_after cannot be judged",
          "[checker][features]") {
  FeatureHistoryBuilder b = rejected(5);
  b.header().groups["billing"].dead_letter_after = 0;
  std::optional<Verdict> const verdict = check_dead_letter(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::unknown);
  CHECK(verdict->reason ==
        "group billing names dead-letter topic orders-dlq but no "
        "dead_letter_after, so nothing counts as exhausted");
}

TEST_CASE("dead-letter: no verdict without a dead-letter topic", "[checker][features]") {
  FeatureHistoryBuilder b = rejected(3);
  b.header().groups["billing"].dead_letter_topic.clear();
  CHECK_FALSE(check_dead_letter(b.history()));
}

}  // namespace
}  // namespace mqcheck::checker
