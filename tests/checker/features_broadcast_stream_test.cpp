// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/features_broadcast_stream_test.cpp (tests, layer: checker)
// Broadcast on the streaming path (checker/feature_broadcast.hpp): check_streaming must give
// check_history's report byte for byte on random histories with a broadcast group (valid,
// injected, damaged), must stream most of them, must load where a message was judged before
// an instance or a topic it owed appeared, and must let settled messages go.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/feature_stream.hpp"
#include "checker/features.hpp"
#include "history/history_io.hpp"
#include "tests/checker/anomaly_injection.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/streamed_check.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;
using testing::SplitMix64;

using testing::stream;
using testing::Streamed;

// A random history with the broadcast group "bc" (and every other feature but priority, which
// loads the history), injected with one anomaly (most) and damaged (some): a dropped op, one
// repeated at the end, or one retyped.
history::History broadcast_history(std::uint64_t seed) {
  SplitMix64 rng(seed);
  history::History h = testing::random_valid_history(seed, testing::featured_shape(rng));
  testing::maybe_inject(h, rng, 0.7);
  testing::maybe_damage(h, rng);
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  for (Op& op : ops)
    for (history::Record& record : op.value) record.priority.reset();
  return testing::rebuild(h.header(), std::move(ops));
}

Verdict const* broadcast_verdict(DeliveryReport const& report) {
  return testing::verdict_named(report, "broadcast");
}

TEST_CASE("check_streaming gives check_history's report on histories with a broadcast group",
          "[checker][features][stream][broadcast]") {
  std::uint64_t const count = mqcheck::testing::soak(400);
  testing::Tally const t = testing::agree_streamed(count, broadcast_history, "broadcast");
  INFO(t.streamed << " of " << count << " streamed, " << t.streamed_invalid << " invalid");
  CHECK(t.judged == count);  // Every history has a broadcast group.
  CHECK(t.streamed * 2 > count);
  CHECK(t.streamed_invalid > 0);  // Streamed with a broadcast-miss.
}

// Broadcast group bc (instances bc-0, bc-1) reads orders; p1 sends messages 1 and 2, and
// bc-0 processes both while bc-1 processes only message 1.
testing::FeatureHistoryBuilder one_miss() {
  testing::FeatureHistoryBuilder b;
  b.header().groups["bc"].mode = history::GroupSpec::Mode::broadcast;
  b.header().subscriptions["orders"] = {"bc"};
  for (std::uint64_t id = 1; id <= 2; ++id) {
    b.op(OpType::invoke, OpKind::send, "p1", {testing::msg(id)});
    b.op(OpType::ok, OpKind::send, "p1", {testing::msg(id)});
  }
  for (std::string const process : {"bc-0", "bc-1"}) {
    for (std::uint64_t id = 1; id <= (process == "bc-0" ? 2u : 1u); ++id) {
      b.op(OpType::invoke, OpKind::process, process, {testing::msg(id)}, {.group = "bc"});
      b.op(OpType::ok, OpKind::process, process, {testing::msg(id)}, {.group = "bc"});
    }
  }
  return b;
}

TEST_CASE("a broadcast miss is found on the streaming path", "[checker][features][stream]") {
  testing::FeatureHistoryBuilder b = one_miss();
  Streamed const s = stream(b.history(), 1 << 16);
  CHECK_FALSE(s.loaded);
  CHECK(s.stats.features_streamed);
  CHECK(s.report == check_history(b.history()));
  Verdict const* const verdict = broadcast_verdict(s.report);
  REQUIRE(verdict != nullptr);
  CHECK(verdict->validity == Validity::invalid);
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0].kind == "broadcast-miss");
  CHECK(verdict->anomalies[0].message == MessageId{2});
  // Its witnesses: the send's invoke and ack, and bc-1's last op.
  CHECK(verdict->anomalies[0].witnesses == std::vector<std::uint64_t>{2, 3, 9});
}

TEST_CASE("broadcast loads the history when an instance or a topic comes after a judgement",
          "[checker][features][stream]") {
  testing::FeatureHistoryBuilder b = one_miss();
  // Messages 3..9 of a topic nobody reads pass by: with a settle delay of 1 every message is
  // judged and let go before what follows.
  b.header().subscriptions["other"] = {};
  for (std::uint64_t id = 3; id < 10; ++id)
    b.op(OpType::ok, OpKind::send, "p2", {testing::msg(id, "other")});
  SECTION("a new instance, owed messages 1 and 2") {
    b.op(OpType::ok, OpKind::poll, "bc-2", {}, {.group = "bc"});
  }
  SECTION("a new topic: bc processes message 10 of other, and so owed messages 3..9") {
    b.op(OpType::ok, OpKind::send, "p2", {testing::msg(10, "other")});
    b.op(OpType::invoke, OpKind::process, "bc-0", {testing::msg(10, "other")}, {.group = "bc"});
    b.op(OpType::ok, OpKind::process, "bc-0", {testing::msg(10, "other")}, {.group = "bc"});
  }
  Streamed const late = stream(b.history(), 1);
  CHECK(late.loaded);
  CHECK(late.report == check_history(b.history()));
  Streamed const in_time = stream(b.history(), 1 << 16);  // Judged at the end.
  CHECK_FALSE(in_time.loaded);
  CHECK(in_time.report == check_history(b.history()));
}

// n messages to orders, each processed by both instances of broadcast group bc.
history::History long_broadcast_history(std::uint64_t n) {
  testing::FeatureHistoryBuilder b;
  b.header().groups["bc"].mode = history::GroupSpec::Mode::broadcast;
  b.header().subscriptions["orders"] = {"bc"};
  for (std::uint64_t i = 1; i <= n; ++i) {
    history::Record const m = testing::msg(i);
    b.op(OpType::invoke, OpKind::send, "p1", {m});
    b.op(OpType::ok, OpKind::send, "p1", {m});
    for (std::string const process : {"bc-0", "bc-1"}) {
      b.op(OpType::invoke, OpKind::process, process, {m}, {.group = "bc"});
      b.op(OpType::ok, OpKind::process, process, {m}, {.group = "bc"});
    }
  }
  return b.history();
}

TEST_CASE("broadcast lets settled messages go: memory flat as the history grows",
          "[checker][features][stream]") {
  auto const peak = testing::memory_peaks(long_broadcast_history, "broadcast");
  CAPTURE(peak[0], peak[1]);
  CHECK(peak[1] < peak[0] * 2);  // Ten times the history, not ten times the memory.
}

}  // namespace
}  // namespace mqcheck::checker
