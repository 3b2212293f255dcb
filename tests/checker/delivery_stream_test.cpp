// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/delivery_stream_test.cpp (tests, layer: checker)
// The streaming delivery checker against the whole-history one: equal reports, byte for byte,
// on random histories and their mutations, whatever the settle delay; a settled message that is
// processed again is rebuilt by a second pass with its full witnesses; and memory stays flat
// while a long history streams by.
#include "checker/delivery_stream.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "checker/check.hpp"
#include "checker/id_set.hpp"
#include "history/history_io.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using testing::HistoryBuilder;
using testing::SplitMix64;
using testing::rebuild;

// One to three random edits that a delivery checker notices (testing::delivery_edited).
History mutate(History const& h, SplitMix64& rng) {
  if (h.ops().empty()) return h;
  return testing::delivery_edited(h, rng, 1);
}

// Returns how many of the streaming runs needed a second pass.
int require_same_as_whole(History const& h, std::uint64_t seed) {
  int second_passes = 0;
  DeliveryReport const whole = check_delivery_whole(h);
  for (std::uint64_t const delay : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{5},
                                    std::uint64_t{1} << 16}) {
    StreamStats stats;
    DeliveryReport const streamed =
        check_delivery_stream(h.header(), ops_of(h), StreamOptions{delay}, &stats);
    INFO("seed " << seed << ", settle delay " << delay << ", passes " << stats.passes
                 << "\n" << history::to_jsonl(h));
    REQUIRE(streamed == whole);
    second_passes += stats.passes == 2 ? 1 : 0;
  }
  return second_passes;
}

TEST_CASE("the streaming checker equals the whole-history checker on random histories",
          "[delivery][stream]") {
  int second_passes = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(600); ++seed) {
    SplitMix64 rng(seed * 7919);
    testing::Shape const shape = testing::random_shape(rng);
    History const valid = testing::random_valid_history(seed, shape);
    require_same_as_whole(valid, seed);
    second_passes += require_same_as_whole(mutate(valid, rng), seed);
  }
  // The rebuilding path ran too, not only the easy one.
  CHECK(second_passes > static_cast<int>(mqcheck::testing::soak(600) / 12));
}

TEST_CASE("a settled message processed again is rebuilt by a second pass, with its witnesses",
          "[delivery][stream]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  std::uint64_t const sent = b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.process(OpType::invoke, "billing", {1});
  std::uint64_t const first = b.process(OpType::ok, "billing", {1});
  for (std::uint64_t id = 2; id < 6; ++id) {  // Others go by: message 1 settles meanwhile.
    b.send(OpType::invoke, "p1", {id});
    b.send(OpType::ok, "p1", {id});
    b.process(OpType::ok, "billing", {id});
  }
  std::uint64_t const again = b.process(OpType::ok, "billing", {1});
  History const& h = b.history();
  StreamStats stats;
  DeliveryReport const report = check_delivery_stream(h.header(), ops_of(h), {0}, &stats);
  CHECK(stats.passes == 2);
  CHECK(stats.rebuilt == 1);
  CHECK(stats.settled == 5);
  Verdict const& at_most_once = report.verdicts[0];
  REQUIRE(at_most_once.anomalies.size() == 1);
  CHECK(at_most_once.anomalies[0].message == MessageId{1});
  CHECK(at_most_once.anomalies[0].witnesses == std::vector<std::uint64_t>{first, again});
  CHECK(report.counts.processed == 6);
  CHECK(report.counts.sent == 5);
  CHECK(report == check_delivery_whole(h));
  CHECK(sent == 0);

  StreamStats held;  // With a long delay the message is still held: one pass suffices.
  CHECK(check_delivery_stream(h.header(), ops_of(h), {1000}, &held) == report);
  CHECK(held.passes == 1);
}

TEST_CASE("memory stays flat while a long history streams by", "[delivery][stream]") {
  auto const run = [](std::uint64_t messages) {
    HistoryBuilder b;
    b.subscribe("orders", {"billing", "audit"});
    for (std::uint64_t id = 1; id <= messages; ++id) {
      b.send(OpType::invoke, "p1", {id});
      b.send(OpType::ok, "p1", {id});
      b.process(OpType::ok, "billing", {id});
      b.process(OpType::ok, "audit", {id});
    }
    StreamStats stats;
    History const& h = b.history();
    DeliveryReport const report = check_delivery_stream(h.header(), ops_of(h), {64}, &stats);
    CHECK(report.counts.processed == static_cast<std::int64_t>(2 * messages));
    CHECK(report.verdicts[2].validity == Validity::valid);
    return stats;
  };
  // Ten times longer, whatever soak() makes of the lengths.
  std::uint64_t const length = mqcheck::testing::soak(20'000);
  StreamStats const small = run(length / 10);
  StreamStats const large = run(length);
  CHECK(large.settled == length - 64 / 4);  // The last window's messages are still held.
  CHECK(large.open_peak == small.open_peak);  // The delay window, not the history, bounds it.
  CHECK(large.open_peak <= 20);
}

// Each message sent in its own transaction, committed, then processed. A committed
// transaction's messages settle like plain ones, so the held messages stay within the delay
// window, not the history. The same report as the whole-history checker; and a near miss: the
// message of a transaction that never commits stays held to the end (its fate is decided by
// the whole transaction table).
TEST_CASE("memory stays flat on a long history of committed transactions",
          "[delivery][stream][txn]") {
  auto const run = [](std::uint64_t messages, bool leave_one_open) {
    testing::TxnHistoryBuilder b;
    b.subscribe("orders", {"billing"});
    for (std::uint64_t id = 1; id <= messages; ++id) {
      std::string const txn = "p1/" + std::to_string(id);
      bool const open = leave_one_open && id == 1;
      b.send(OpType::invoke, "p1", {id}, txn);
      b.send(OpType::ok, "p1", {id}, txn);
      if (!open) {
        b.txn(OpType::invoke, OpKind::txn_commit, "p1", txn);
        b.txn(OpType::ok, OpKind::txn_commit, "p1", txn);
      }
      b.read(OpType::ok, OpKind::process, "billing", {id});
    }
    StreamStats stats;
    History const& h = b.history();
    DeliveryReport const report = check_delivery_stream(h.header(), ops_of(h), {64}, &stats);
    CHECK(report == check_delivery_whole(h));
    return stats;
  };
  std::uint64_t const length = mqcheck::testing::soak(10'000);
  StreamStats const small = run(length / 10, false);
  StreamStats const large = run(length, false);
  CHECK(large.settled == length - 13);  // Processed in the last 64 ops (5 ops each): held.
  CHECK(large.open_peak == small.open_peak);  // The delay window, not the history, bounds it.
  CHECK(large.open_peak <= 20);
  StreamStats const open = run(length, true);
  CHECK(open.settled == large.settled - 1);  // Its transaction never committed: held.
}

TEST_CASE("an id set merges neighbours into intervals", "[delivery][stream]") {
  IdSet s;
  for (std::uint64_t v : {5, 7, 6, 1, 3, 2}) s.insert(MessageId{v});
  CHECK(s.size() == 6);
  CHECK(s.intervals() == 2);  // [1, 3] and [5, 7]
  s.insert(MessageId{4});
  CHECK(s.intervals() == 1);
  s.insert(MessageId{4});
  CHECK(s.size() == 7);
  CHECK(s.contains(MessageId{1}));
  CHECK(s.contains(MessageId{7}));
  CHECK_FALSE(s.contains(MessageId{0}));
  CHECK_FALSE(s.contains(MessageId{8}));
  s.insert(MessageId{~std::uint64_t{0}});
  CHECK(s.contains(MessageId{~std::uint64_t{0}}));
  CHECK(s.intervals() == 2);
}

// What `s` holds, id by id, in [0, limit).
std::set<std::uint64_t> members(IdSet const& s, std::uint64_t limit) {
  std::set<std::uint64_t> held;
  for (std::uint64_t v = 0; v < limit; ++v)
    if (s.contains(MessageId{v})) held.insert(v);
  return held;
}

// insert() extends the last interval inline, through a pointer into the set's own map: a copy
// or a move must extend its own interval, never the one it was made from, and erase_below must
// leave it pointing at the last interval still there.
TEST_CASE("an id set extends its own last interval after copies, moves and erasures",
          "[delivery][stream]") {
  SplitMix64 rng(13);
  IdSet s;
  std::set<std::uint64_t> want;
  std::uint64_t next = 1;
  auto const add = [&](IdSet& set, std::set<std::uint64_t>& model, std::uint64_t v) {
    set.insert(MessageId{v});
    model.insert(v);
  };
  for (int round = 0; round < 200; ++round) {
    // Mostly counting up (the inline path), now and then a gap or an old id (the other path).
    std::uint64_t const v = rng.below(8) == 0 ? rng.below(next + 3) : next;
    next = std::max(next, v + 1);
    add(s, want, v);
    switch (rng.below(12)) {
      case 0: {  // A copy goes its own way; the original stays as it was.
        IdSet copy = s;
        std::set<std::uint64_t> copied = want;
        add(copy, copied, next);
        add(copy, copied, next + 1);
        REQUIRE(members(copy, next + 4) == copied);
        REQUIRE(members(s, next + 4) == want);
        break;
      }
      case 1: {  // Moved out and back: the set's nodes move with it.
        IdSet moved = std::move(s);
        add(moved, want, next++);
        s = std::move(moved);
        break;
      }
      case 2: {  // Erased below an id: what is left still grows at its top.
        std::uint64_t const below = rng.below(next + 2);
        s.erase_below(MessageId{below});
        want.erase(want.begin(), want.lower_bound(below));
        break;
      }
      default:
        break;
    }
    REQUIRE(s.size() == want.size());
    REQUIRE(members(s, next + 4) == want);
  }
  // Erased through its last interval (cut, then all of it): what is left, or nothing, still
  // takes the next id, which is max + 1 both times.
  IdSet cut;
  for (std::uint64_t v = 1; v <= 10; ++v) cut.insert(MessageId{v});
  cut.erase_below(MessageId{5});
  cut.insert(MessageId{11});
  CHECK(members(cut, 20) == std::set<std::uint64_t>{5, 6, 7, 8, 9, 10, 11});
  cut.erase_below(MessageId{100});
  cut.insert(MessageId{12});
  CHECK(cut.size() == 1);
  CHECK(members(cut, 20) == std::set<std::uint64_t>{12});
  IdSet assigned;
  assigned.insert(MessageId{1000});
  assigned = s;  // Copy-assigned over a set of its own.
  assigned.insert(MessageId{next + 10});
  CHECK_FALSE(s.contains(MessageId{next + 10}));
  CHECK(members(assigned, next + 4) == want);
}

}  // namespace
}  // namespace mqcheck::checker

namespace mqcheck::checker {
namespace {

TEST_CASE("check_stream composes like check_history: allowed and unpromised apply",
          "[delivery][stream]") {
  std::vector<std::string> const only{"at-most-once", "at-least-once"};
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(60); ++seed) {
    SplitMix64 rng(seed);
    History h = testing::random_valid_history(seed, testing::random_shape(rng));
    h = mutate(h, rng);
    if (seed % 3 == 0) h.header().allowed["duplicated"] = "the test allows it";
    if (seed % 4 == 0) h.header().promises = {"at-least-once"};
    INFO("seed " << seed);
    CHECK(check_stream(h.header(), ops_of(h), only) == check_history(h, only));
  }
}

}  // namespace
}  // namespace mqcheck::checker

namespace mqcheck::checker {
namespace {

TEST_CASE("check_streaming equals check_history, streaming unless a stream doubts",
          "[delivery][stream]") {
  int streamed = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(120); ++seed) {
    SplitMix64 rng(seed * 31);
    testing::Shape shape = testing::random_shape(rng);
    if (seed % 2 == 0) shape.features = shape.transactions = false;
    History h = mutate(testing::random_valid_history(seed, shape), rng);
    if (seed % 4 == 0) h.header().ordering.clear();
    int loads = 0;
    DeliveryReport const report = check_streaming(h.header(), ops_of(h), [&] {
      ++loads;
      return h;
    });
    INFO("seed " << seed);
    CHECK(report == check_history(h));
    bool const plain = !features_declared(h.header()) &&
                       std::none_of(h.ops().begin(), h.ops().end(),
                                    [](Op const& op) { return whole_history_needed(op); });
    // Transactions and features stream too, and load the history only when a stream doubts.
    if (plain) CHECK(loads == 0);
    CHECK(loads <= 1);
    streamed += plain ? 1 : 0;
  }
  // Some histories took the streaming path.
  CHECK(streamed > static_cast<int>(mqcheck::testing::soak(120) / 12));
}

}  // namespace
}  // namespace mqcheck::checker
