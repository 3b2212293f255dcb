// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/features_broadcast_test.cpp (tests, layer: checker)
// The broadcast property: broadcast-miss, and its near misses (every instance processed every
// message, unacknowledged sends, filtered-out messages), the unknown cases (no drain, info
// process, nothing to judge) and no verdict for a clustering group.
#include <catch2/catch.hpp>

#include "checker/features.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::FeatureHistoryBuilder;
using testing::msg;
using testing::tagged;

// Group cache is in broadcast mode; p1 sends messages 1 (ops 0, 1) and 2 (ops 2, 3);
// cache-0 processes both (ops 4, 5) and cache-1 processes message 1 (op 6).
FeatureHistoryBuilder broadcast() {
  FeatureHistoryBuilder b;
  b.header().groups["cache"].mode = history::GroupSpec::Mode::broadcast;
  b.op(OpType::invoke, OpKind::send, "p1", {msg(1)});
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  b.op(OpType::invoke, OpKind::send, "p1", {msg(2)});
  b.op(OpType::ok, OpKind::send, "p1", {msg(2)});
  b.op(OpType::ok, OpKind::process, "cache-0", {msg(1)}, {.group = "cache"});
  b.op(OpType::ok, OpKind::process, "cache-0", {msg(2)}, {.group = "cache"});
  b.op(OpType::ok, OpKind::process, "cache-1", {msg(1)}, {.group = "cache"});
  return b;
}

TEST_CASE("broadcast-miss: an instance never processed an acknowledged message",
          "[checker][features]") {
  FeatureHistoryBuilder b = broadcast();
  std::optional<Verdict> const verdict = check_broadcast(b.history());
  REQUIRE(verdict);
  CHECK(verdict->guarantee == "broadcast");
  CHECK(verdict->validity == Validity::invalid);
  CHECK(verdict->reason ==
        "1 (instance, message) pair missed: a broadcast instance never processed an "
        "acknowledged message, after a final drain");
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"broadcast-miss",
                MessageId{2},
                "cache",
                {2, 3, 6},
                "message 2 was acknowledged to p1 (op 3) but instance cache-1 of broadcast group "
                "cache never processed it (its last op is 6)"});
}

TEST_CASE("broadcast-miss: an instance known only from another op, on a subscribed topic",
          "[checker][features]") {
  FeatureHistoryBuilder b;
  b.header().groups["cache"].mode = history::GroupSpec::Mode::broadcast;
  b.header().subscriptions["orders"] = {"cache"};
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});  // A lone ok: witnessed by itself.
  auto const last = b.op(OpType::ok, OpKind::commit, "cache-0", {}, {.group = "cache"});
  b.op(OpType::ok, OpKind::send, "p2", {msg(2)});  // Sent after the instance's last op.
  std::optional<Verdict> const verdict = check_broadcast(b.history());
  REQUIRE(verdict);
  REQUIRE(verdict->anomalies.size() == 2);
  CHECK(verdict->anomalies[0].witnesses == std::vector<std::uint64_t>{0, last});
  CHECK(verdict->anomalies[1].witnesses == std::vector<std::uint64_t>{last, 2});
  CHECK(verdict->anomalies[1].message == MessageId{2});
}

TEST_CASE("broadcast near misses", "[checker][features]") {
  int const variant = GENERATE(0, 1, 2, 3);
  CAPTURE(variant);
  FeatureHistoryBuilder b = broadcast();
  b.op(OpType::ok, OpKind::process, "cache-1", {msg(2)}, {.group = "cache"});
  if (variant == 1) {  // A send of unknown outcome nobody processed is owed to nobody.
    b.op(OpType::invoke, OpKind::send, "p1", {msg(3)});
    b.op(OpType::info, OpKind::send, "p1", {msg(3)});
  }
  if (variant == 2) {  // The group's filter excludes message 4: no instance owes it.
    b.header().groups["cache"].filter = {"*"};
    b.op(OpType::ok, OpKind::send, "p1", {tagged(msg(4, "other"), "x")});
  }
  if (variant == 3) {  // Another group processing one copy is not a broadcast instance.
    b.op(OpType::ok, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  }
  std::optional<Verdict> const verdict = check_broadcast(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::valid);
  CHECK(verdict->anomalies.empty());
}

TEST_CASE("broadcast: a filtered-out message is not missed", "[checker][features]") {
  FeatureHistoryBuilder b = broadcast();
  b.header().groups["cache"].filter = {"hot"};
  b.op(OpType::ok, OpKind::send, "p1", {tagged(msg(9), "hot")});
  b.op(OpType::ok, OpKind::process, "cache-0", {msg(9)}, {.group = "cache"});
  b.op(OpType::ok, OpKind::process, "cache-1", {msg(9)}, {.group = "cache"});
  std::optional<Verdict> const verdict = check_broadcast(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::valid);  // Messages 1 and 2 are untagged: not wanted.
}

TEST_CASE("broadcast: unknown without a drain, or with only an info process",
          "[checker][features]") {
  FeatureHistoryBuilder b = broadcast();
  bool const drained = GENERATE(false, true);
  CAPTURE(drained);
  b.header().drained = drained;
  if (drained) b.op(OpType::invoke, OpKind::process, "cache-1", {msg(2)}, {.group = "cache"});
  std::optional<Verdict> const verdict = check_broadcast(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::unknown);
  CHECK(verdict->anomalies.empty());
  CHECK(verdict->reason ==
        (drained ? "uncertain: 1 (instance, message) pair maybe processed (only an info process op)"
                 : "history not drained: 1 (instance, message) pair not yet processed"));
}

TEST_CASE("broadcast: nothing to judge is unknown; a clustering group gives no verdict",
          "[checker][features]") {
  FeatureHistoryBuilder b;
  b.header().groups["cache"].mode = history::GroupSpec::Mode::broadcast;
  b.header().subscriptions["orders"] = {"cache"};
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  std::optional<Verdict> const verdict = check_broadcast(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::unknown);
  CHECK(verdict->reason ==
        "no broadcast group has both an instance and an acknowledged message of a topic it reads");
  FeatureHistoryBuilder c = broadcast();
  c.header().groups["cache"].mode = history::GroupSpec::Mode::clustering;
  CHECK_FALSE(check_broadcast(c.history()));
}

}  // namespace
}  // namespace mqcheck::checker
