// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/features_priority_stream_test.cpp (tests, layer: checker)
// Priority on the streaming path (checker/feature_priority.hpp): check_streaming must give
// check_history's report byte for byte on random histories with a priority queue and dispatch
// events (valid, injected, damaged), must stream most of them, must load where a judgement
// would read a fact that came late or was let go, and must let settled messages go.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "checker/check.hpp"
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

// A random history with the priority queue pq (and every other feature), injected with one
// anomaly (most; a priority inversion in a third) and damaged (some).
history::History priority_history(std::uint64_t seed) {
  SplitMix64 rng(seed);
  history::History h = testing::random_valid_history(seed, testing::featured_shape(rng));
  if (rng.chance(0.3)) {
    if (auto broken = testing::inject_priority_inversion(h, rng)) h = std::move(broken->history);
  } else {
    testing::maybe_inject(h, rng, 0.6);
  }
  testing::maybe_damage(h, rng);
  return h;
}

Verdict const* priority_verdict(DeliveryReport const& report) {
  return testing::verdict_named(report, "priority");
}

TEST_CASE("check_streaming gives check_history's report on histories with a priority queue",
          "[checker][features][stream][priority]") {
  std::uint64_t const count = mqcheck::testing::soak(400);
  testing::Tally const t = testing::agree_streamed(count, priority_history, "priority");
  INFO(t.streamed << " of " << t.judged << " with a priority verdict streamed, "
                  << t.streamed_invalid << " invalid");
  CHECK(t.judged * 4 > count);
  CHECK(t.streamed * 3 > t.judged);  // About half: a short settle delay or a pipeline loads.
  CHECK(t.streamed_invalid > 0);
}

// Queue pq is read by group pg. Messages 1 (priority 1) and 2 (priority 5) are sent and
// appended; the broker dispatches 1 first, overtaking 2, then (with `redispatch`) 2.
testing::FeatureHistoryBuilder one_inversion(bool redispatch) {
  testing::FeatureHistoryBuilder b;
  b.header().subscriptions["pq"] = {"pg"};
  for (std::int32_t const priority : {1, 5}) {
    history::Record const m = testing::prioritized(
        testing::msg(static_cast<std::uint64_t>(priority == 1 ? 1 : 2), "pq"), priority);
    b.op(OpType::invoke, OpKind::send, "p1", {m});
    b.op(OpType::ok, OpKind::send, "p1", {m});
    b.op(OpType::event, OpKind::append, "broker-0", {m});
  }
  b.op(OpType::event, OpKind::dispatch, "broker-0", {testing::msg(1, "pq")}, {.group = "pg"});
  if (redispatch)
    b.op(OpType::event, OpKind::dispatch, "broker-0", {testing::msg(2, "pq")}, {.group = "pg"});
  return b;
}

TEST_CASE("a priority inversion is found on the streaming path", "[checker][features][stream]") {
  bool const redispatch = GENERATE(false, true);
  CAPTURE(redispatch);
  testing::FeatureHistoryBuilder b = one_inversion(redispatch);
  Streamed const s = stream(b.history(), 1 << 16);
  CHECK_FALSE(s.loaded);
  CHECK(s.stats.features_streamed);
  CHECK(s.report == check_history(b.history()));
  Verdict const* const verdict = priority_verdict(s.report);
  REQUIRE(verdict != nullptr);
  CHECK(verdict->validity == Validity::invalid);
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0].kind == "priority-inversion");
  CHECK(verdict->anomalies[0].message == MessageId{2});
  // Message 2's append, the dispatch that overtook it and, if any, its own dispatch.
  std::vector<std::uint64_t> witnesses{5, 6};
  if (redispatch) witnesses.push_back(7);
  CHECK(verdict->anomalies[0].witnesses == witnesses);
}

TEST_CASE("priority loads the history where a judgement read a fact that came later",
          "[checker][features][stream]") {
  SECTION("an append after a dispatch makes an acknowledged message ready later") {
    testing::FeatureHistoryBuilder b;
    b.header().subscriptions["pq"] = {"pg"};
    history::Record const high = testing::prioritized(testing::msg(2, "pq"), 5);
    b.op(OpType::ok, OpKind::send, "p1", {testing::prioritized(testing::msg(1, "pq"), 1)});
    b.op(OpType::ok, OpKind::send, "p1", {high});
    b.op(OpType::event, OpKind::dispatch, "broker-0", {testing::msg(1, "pq")}, {.group = "pg"});
    b.op(OpType::event, OpKind::append, "broker-0", {high});  // Ready only now, says the whole.
    b.op(OpType::event, OpKind::dispatch, "broker-0", {testing::msg(3, "pq")}, {.group = "pg"});
    Streamed const s = stream(b.history(), 1 << 16);
    CHECK(s.loaded);
    CHECK(s.report == check_history(b.history()));
  }
  SECTION("a priority first stated after the message was queued") {
    testing::FeatureHistoryBuilder b = one_inversion(false);
    b.op(OpType::ok, OpKind::send, "p1", {testing::msg(3, "pq")});
    b.op(OpType::event, OpKind::dispatch, "broker-0", {testing::msg(1, "pq")}, {.group = "pg"});
    b.op(OpType::ok, OpKind::deliver, "pg-0", {testing::prioritized(testing::msg(3, "pq"), 9)},
         {.group = "pg"});
    Streamed const s = stream(b.history(), 1 << 16);
    CHECK(s.loaded);
    CHECK(s.report == check_history(b.history()));
  }
  SECTION("a new group dispatches the topic after a ready message was let go") {
    testing::FeatureHistoryBuilder b = one_inversion(true);
    b.op(OpType::ok, OpKind::process, "pg-0", {testing::msg(1, "pq")}, {.group = "pg"});
    b.op(OpType::ok, OpKind::process, "pg-0", {testing::msg(2, "pq")}, {.group = "pg"});
    for (std::uint64_t id = 10; id < 14; ++id)  // Let the delivery stream settle 1 and 2.
      b.op(OpType::ok, OpKind::send, "p2", {testing::msg(id, "other")});
    b.op(OpType::event, OpKind::dispatch, "broker-0", {testing::msg(3, "pq")}, {.group = "qg"});
    Streamed const late = stream(b.history(), 1);
    CHECK(late.loaded);
    CHECK(late.report == check_history(b.history()));
    Streamed const in_time = stream(b.history(), 1 << 16);
    CHECK_FALSE(in_time.loaded);
    CHECK(in_time.report == check_history(b.history()));
  }
}

// n messages to pq with priorities cycling 0..3, each appended, dispatched to pg in order of
// sending (so every fourth dispatch overtakes nothing, the others may) and processed.
history::History long_priority_history(std::uint64_t n) {
  testing::FeatureHistoryBuilder b;
  b.header().subscriptions["pq"] = {"pg"};
  for (std::uint64_t i = 1; i <= n; ++i) {
    history::Record const m =
        testing::prioritized(testing::msg(i, "pq"), static_cast<std::int32_t>(i % 4));
    b.op(OpType::invoke, OpKind::send, "p1", {m});
    b.op(OpType::ok, OpKind::send, "p1", {m});
    b.op(OpType::event, OpKind::append, "broker-0", {m});
    b.op(OpType::event, OpKind::dispatch, "broker-0", {testing::msg(i, "pq")}, {.group = "pg"});
    b.op(OpType::invoke, OpKind::process, "pg-0", {testing::msg(i, "pq")}, {.group = "pg"});
    b.op(OpType::ok, OpKind::process, "pg-0", {testing::msg(i, "pq")}, {.group = "pg"});
  }
  return b.history();
}

TEST_CASE("priority lets settled messages go: memory flat as the history grows",
          "[checker][features][stream]") {
  auto const peak = testing::memory_peaks(long_priority_history, "priority");
  CAPTURE(peak[0], peak[1]);
  CHECK(peak[1] < peak[0] * 2);  // Ten times the history, not ten times the memory.
}

}  // namespace
}  // namespace mqcheck::checker
