// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/delivery_settled_test.cpp (tests, layer: checker)
// The streaming delivery checker's settled messages (checker/delivery_stream_state.hpp): how
// each one's send ended (acknowledged, unknown, failed) stays flat over a long history where
// unknown sends are frequent; a late op naming a message whose outcome was let go sends it to
// the second pass, and its share of the counts is worked out there, never guessed; and on
// random histories and their edits the streamed report equals the whole-history one byte for
// byte, however few outcomes are kept.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>

#include "checker/delivery.hpp"
#include "checker/delivery_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/checker/streamed_check.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpType;
using testing::HistoryBuilder;
using testing::SplitMix64;

StreamStats settled_streamed(History const& h, std::uint64_t delay, std::size_t recent,
                             DeliveryReport* report = nullptr) {
  StreamOptions options{delay};
  options.settled_recent_intervals = recent;
  return testing::stream_delivery(h, options, report);
}

// Three producers take turns; one send in eleven times out (info) and is processed anyway
// (recovered); two groups process each message.
History unknown_sends_history(std::uint64_t messages) {
  HistoryBuilder b;
  b.subscribe("orders", {"billing", "audit"});
  for (std::uint64_t id = 1; id <= messages; ++id) {
    std::string const producer = "p" + std::to_string(id % 3);
    b.send(OpType::invoke, producer, {id});
    b.send(id % 11 == 4 ? OpType::info : OpType::ok, producer, {id});
    b.process(OpType::ok, "billing", {id});
    b.process(OpType::ok, "audit", {id});
  }
  return b.history();
}

TEST_CASE("the delivery stream's state stays flat when unknown sends are frequent",
          "[delivery][stream][settled]") {
  // The shorter history must reach the steady state (the outcomes kept fill their bound
  // after some 1,400 messages here), under the sanitizers too.
  std::uint64_t const length = mqcheck::testing::soak(20'000);
  std::uint64_t const shorter = std::max<std::uint64_t>(length / 10, 2'000);
  std::array<std::size_t, 2> peak{};
  std::array<std::uint64_t, 2> open{};
  for (int i = 0; i < 2; ++i) {
    History const h = unknown_sends_history(i == 0 ? shorter : length);
    DeliveryReport report;
    StreamStats const stats = settled_streamed(h, 64, 64, &report);
    REQUIRE(report == check_delivery_whole(h));
    CHECK(stats.passes == 1);
    CHECK(report.counts.recovered > 0);
    peak[i] = stats.memory_peak_bytes;
    open[i] = stats.open_peak;
  }
  INFO("state bytes at " << shorter << " and " << length << " messages: " << peak[0] << ", "
                         << peak[1]);
  CHECK(open[0] == open[1]);
  // Before, the acknowledged ids were kept as intervals, with a hole at each unknown one:
  // 100 KB at 2,000 messages, 259 KB at 20,000.
  CHECK(peak[1] <= peak[0] + peak[0] / 100);
  CHECK(peak[1] < 96 * 1024);
}

// Forty messages: ids 3, 14, 25 and 36 sent with an unknown outcome, and processed by
// billing; ids 7, 17, 27 and 37 sent to `logs`, which nobody reads, and failed (so they settle
// unprocessed); the others acknowledged and processed. With a settle delay of 0 each settles
// at once.
HistoryBuilder settled_prefix() {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.subscribe("logs", {});
  for (std::uint64_t id = 1; id <= 40; ++id) {
    if (id % 10 == 7) {
      b.send(OpType::invoke, "p2", {id}, "logs");
      b.send(OpType::fail, "p2", {id}, "logs");
      continue;
    }
    b.send(OpType::invoke, "p1", {id});
    b.send(id % 11 == 3 ? OpType::info : OpType::ok, "p1", {id});
    b.process(OpType::ok, "billing", {id});
  }
  return b;
}

// Streams `h` keeping one interval of outcomes per set (the early ones long let go) and 64
// (all known), at settle delays 0 and 1; each report must equal the whole history's.
// Returns the stats of the run with one interval and delay 0.
StreamStats require_whole_settled(History const& h) {
  DeliveryReport const whole = check_delivery_whole(h);
  StreamStats kept;
  for (std::size_t const recent : {std::size_t{1}, std::size_t{64}}) {
    for (std::uint64_t const delay : {std::uint64_t{0}, std::uint64_t{1}}) {
      DeliveryReport report;
      StreamStats const stats = settled_streamed(h, delay, recent, &report);
      INFO("recent " << recent << ", delay " << delay << "\n" << history::to_jsonl(h));
      REQUIRE(report == whole);
      if (recent == 1 && delay == 0) kept = stats;
    }
  }
  return kept;
}

// A late op on one old message: a second pass rebuilt it, and its outcome had been let go.
void require_let_go_rebuilt(History const& h) {
  StreamStats const stats = require_whole_settled(h);
  CHECK(stats.passes == 2);
  CHECK(stats.rebuilt == 1);
  CHECK(stats.outcomes_rebuilt == 1);
}

TEST_CASE("a late op naming a message whose send outcome was let go is rebuilt",
          "[delivery][stream][settled]") {
  SECTION("nothing late: one pass, the counts from the settled messages alone") {
    History const h = settled_prefix().history();
    StreamStats const stats = require_whole_settled(h);
    CHECK(stats.passes == 1);
    CHECK(stats.settled == 40);
    DeliveryReport report;
    settled_streamed(h, 0, 1, &report);
    CHECK(report.counts.sent == 40);
    CHECK(report.counts.acknowledged == 32);
    CHECK(report.counts.unknown == 4);
    CHECK(report.counts.recovered == 4);
    CHECK(report.counts.failed == 4);
  }
  SECTION("an old acknowledged message processed again: a duplicate") {
    HistoryBuilder b = settled_prefix();
    b.process(OpType::ok, "billing", {2});
    require_let_go_rebuilt(b.history());
  }
  SECTION("an old unknown message acknowledged late: no longer unknown") {
    HistoryBuilder b = settled_prefix();
    b.send(OpType::invoke, "p1", {3});
    b.send(OpType::ok, "p1", {3});
    require_let_go_rebuilt(b.history());
  }
  SECTION("an old unknown message retried and timing out again: still unknown") {
    HistoryBuilder b = settled_prefix();
    b.send(OpType::invoke, "p1", {14});
    b.send(OpType::info, "p1", {14});
    b.process(OpType::ok, "billing", {14});  // And processed twice.
    require_let_go_rebuilt(b.history());
  }
  SECTION("an old unknown message processed by a group new to it") {
    HistoryBuilder b = settled_prefix();
    b.process(OpType::ok, "audit", {3});
    require_let_go_rebuilt(b.history());
  }
  SECTION("an old failed message sent again and acknowledged") {
    HistoryBuilder b = settled_prefix();
    b.send(OpType::invoke, "p2", {7}, "logs");
    b.send(OpType::ok, "p2", {7}, "logs");
    require_let_go_rebuilt(b.history());
  }
  SECTION("an old failed message processed: unexpected") {
    HistoryBuilder b = settled_prefix();
    b.process(OpType::ok, "billing", {17}, "logs");
    require_let_go_rebuilt(b.history());
  }
  SECTION("a late ok attempt of an old unknown message after a failed one") {
    HistoryBuilder b = settled_prefix();
    b.send(OpType::invoke, "p1", {25});
    b.send(OpType::fail, "p1", {25});
    b.send(OpType::invoke, "p1", {25});
    b.send(OpType::ok, "p1", {25});
    require_let_go_rebuilt(b.history());
  }
}

// Repeats up to three random ops of `h` at its end (late ops naming settled messages, of every
// kind and outcome), and sometimes turns an acknowledged send unknown first, so that the
// outcomes are mixed.
History settled_late(History const& h, SplitMix64& rng) {
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  if (ops.empty()) return h;
  for (Op& op : ops)
    if (op.f == history::OpKind::send && op.type == OpType::ok && rng.chance(0.2))
      op.type = rng.chance(0.7) ? OpType::info : OpType::fail;
  int const late = rng.between(1, 3);
  for (int i = 0; i < late; ++i) {
    Op again = ops[rng.below(ops.size())];
    if (rng.chance(0.3) && history::is_client_op(again) && again.type != OpType::invoke)
      again.type = OpType::ok;
    again.time = ops.back().time;
    ops.push_back(std::move(again));
  }
  return testing::rebuild(h.header(), std::move(ops));
}

TEST_CASE("the streamed delivery report equals the whole-history one when outcomes are let go",
          "[delivery][stream][settled]") {
  std::uint64_t let_go = 0, runs = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(400); ++seed) {
    SplitMix64 rng(seed * 65537);
    testing::Shape shape = testing::random_shape(rng);
    shape.messages = rng.between(20, 80);
    History const valid = testing::random_valid_history(seed, shape);
    for (History const& h : {settled_late(valid, rng), settled_late(valid, rng)}) {
      DeliveryReport const whole = check_delivery_whole(h);
      for (std::uint64_t const delay : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{5}}) {
        for (std::size_t const recent : {std::size_t{1}, std::size_t{2}, std::size_t{64}}) {
          DeliveryReport report;
          StreamStats const stats = settled_streamed(h, delay, recent, &report);
          INFO("seed " << seed << ", settle delay " << delay << ", recent " << recent << ", passes "
                       << stats.passes << "\n"
                       << history::to_jsonl(h));
          REQUIRE(report == whole);
          let_go += stats.outcomes_rebuilt > 0 ? 1 : 0;
          ++runs;
        }
      }
    }
  }
  // The path where an outcome was let go ran, not only the easy ones.
  INFO(let_go << " of " << runs << " runs rebuilt a message whose outcome was let go");
  CHECK(let_go > runs / 20);
}

}  // namespace
}  // namespace mqcheck::checker
