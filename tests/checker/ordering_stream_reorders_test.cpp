// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_reorders_test.cpp (tests, layer: checker)
// The streaming ordering pass reports `reordered` without loading the history: its first pass
// records the offset ranges where orders crossed, and its second pass rebuilds the chains of
// the messages there as check_ordering does (checker/ordering_stream_resolver.hpp). Each
// history is held to check_ordering's report at three settle delays (and check_streaming's to
// check_history's), and for the passes it took and whether it loaded. Random histories with
// first processings moved later, or two messages' offsets swapped, must agree too, and mostly
// not load.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/anomaly_injection.hpp"
#include "tests/checker/ordering_builder.hpp"
#include "tests/checker/ordering_stream_agreement.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;
using mqcheck::testing::soak;
using testing::SplitMix64;

// Sends and processings in partition 0 of "orders" (testing::OrdersHistory: groups billing
// and audit); each returns its op's index.
class Reorders : public testing::OrdersHistory {
 public:
  using OrdersHistory::OrdersHistory;
  std::uint64_t invoke(std::string const& producer, std::uint64_t id) {
    return add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
  }
  std::uint64_t stored(std::string const& producer, std::uint64_t id, std::int64_t offset) {
    return add(producer, OpType::ok, OpKind::send, "",
               {Record::of(MessageId{id}, "orders", Offset{offset}, 0)});
  }
  // Message `id` sent by p0 and stored at `offset`: returns the ok send.
  std::uint64_t send(std::uint64_t id, std::int64_t offset) {
    invoke("p0", id);
    return stored("p0", id, offset);
  }
  std::uint64_t process(std::string const& group, std::vector<std::uint64_t> const& ids) {
    std::vector<Record> records;
    for (std::uint64_t const id : ids) records.push_back(Record::of(MessageId{id}, "orders"));
    return add(group + "-0", OpType::ok, OpKind::process, group, std::move(records));
  }
  void process_each(std::string const& group, std::vector<std::uint64_t> const& ids) {
    for (std::uint64_t const id : ids) process(group, {id});
  }
};

// Messages 1..count at offsets 0..count-1.
void send_log(Reorders& r, int count) {
  for (int offset = 0; offset < count; ++offset)
    r.send(static_cast<std::uint64_t>(offset) + 1, offset);
}

using Streamed = testing::OrderingStreamed;

std::vector<Anomaly> reordered(Streamed const& s) {
  std::vector<Anomaly> out;
  for (Verdict const& v : s.verdicts)
    for (Anomaly const& a : v.anomalies)
      if (a.kind == "reordered") out.push_back(a);
  return out;
}

void require_streamed(Streamed const& got) {
  CHECK(got.passes == 2);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("one swap is reordered after a second pass, with no load",
          "[ordering][stream][reorders]") {
  Reorders r;
  std::vector<std::uint64_t> acks;
  for (int offset = 0; offset < 4; ++offset)
    acks.push_back(r.send(static_cast<std::uint64_t>(offset) + 1, offset));
  r.process("billing", {1});
  std::uint64_t const late = r.process("billing", {3});
  std::uint64_t const early = r.process("billing", {2});
  r.process("billing", {4});
  r.process_each("audit", {1, 2, 3, 4});
  Streamed const got = testing::stream_ordering(r.history());
  std::vector<Anomaly> const found = reordered(got);
  REQUIRE(found.size() == 1);
  CHECK(found[0].message == MessageId{2});
  CHECK(found[0].group == "billing");  // Audit processed in order.
  CHECK(found[0].witnesses == std::vector<std::uint64_t>{acks[1], acks[2], late, early});
  require_streamed(got);
}

TEST_CASE("a batch listed out of order is reordered", "[ordering][stream][reorders]") {
  Reorders r;
  send_log(r, 3);
  std::uint64_t const batch = r.process("billing", {2, 1, 3});
  r.process_each("audit", {1, 2, 3});
  Streamed const got = testing::stream_ordering(r.history());
  std::vector<Anomaly> const found = reordered(got);
  REQUIRE(found.size() == 1);
  CHECK(found[0].message == MessageId{1});
  CHECK(found[0].witnesses.back() == batch);
  require_streamed(got);
}

TEST_CASE("a late message below a block merges them into one", "[ordering][stream][reorders]") {
  Reorders r;
  send_log(r, 5);
  // 4 before 3: a block of offsets 2..3; then 2 (offset 1) after both: one block of three.
  r.process_each("billing", {1, 4, 3, 2, 5});
  r.process_each("audit", {1, 2, 3, 4, 5});
  Streamed const got = testing::stream_ordering(r.history());
  std::vector<Anomaly> const found = reordered(got);
  REQUIRE(found.size() == 1);
  CHECK(found[0].message == MessageId{2});  // First in the block's broker order.
  CHECK(found[0].explanation.find("processed message 4") != std::string::npos);
  require_streamed(got);
}

TEST_CASE("two blocks of one chain are two anomalies", "[ordering][stream][reorders]") {
  Reorders r;
  send_log(r, 6);
  r.process_each("billing", {2, 1, 3, 5, 4, 6});
  r.process_each("audit", {1, 2, 3, 4, 5, 6});
  Streamed const got = testing::stream_ordering(r.history());
  std::vector<Anomaly> const found = reordered(got);
  REQUIRE(found.size() == 2);
  CHECK(found[0].message == MessageId{1});
  CHECK(found[1].message == MessageId{4});
  require_streamed(got);
}

TEST_CASE("a reorder in each group is judged per group", "[ordering][stream][reorders]") {
  Reorders r;
  send_log(r, 4);
  r.process_each("billing", {1, 3, 2, 4});
  r.process_each("audit", {2, 1, 3, 4});
  Streamed const got = testing::stream_ordering(r.history());
  std::vector<Anomaly> const found = reordered(got);
  REQUIRE(found.size() == 2);
  CHECK(found[0].group == "audit");
  CHECK(found[0].message == MessageId{1});
  CHECK(found[1].group == "billing");
  CHECK(found[1].message == MessageId{2});
  require_streamed(got);
}

TEST_CASE("a producer's sends stored out of send order are reordered",
          "[ordering][stream][reorders]") {
  for (bool const later_first : {true, false}) {  // Which of the two acknowledgements comes first.
    INFO("later send acknowledged first: " << later_first);
    Reorders r;
    std::uint64_t const first = r.invoke("p0", 1);
    std::uint64_t const second = r.invoke("p0", 2);
    std::uint64_t low = 0;
    std::uint64_t high = 0;
    if (later_first) {
      low = r.stored("p0", 2, 0);
      high = r.stored("p0", 1, 1);
    } else {
      high = r.stored("p0", 1, 1);
      low = r.stored("p0", 2, 0);
    }
    r.send(3, 2);
    r.process_each("billing", {2, 1, 3});  // Offset order: no consumer reorder.
    r.process_each("audit", {2, 1, 3});
    Streamed const got = testing::stream_ordering(r.history());
    std::vector<Anomaly> const found = reordered(got);
    REQUIRE(found.size() == 1);
    CHECK(found[0].message == MessageId{1});
    CHECK(found[0].group.empty());
    std::vector<std::uint64_t> witnesses{first, second, low, high};
    std::sort(witnesses.begin(), witnesses.end());
    CHECK(found[0].witnesses == witnesses);
    require_streamed(got);
  }
}

TEST_CASE("sends crossing several earlier ones are one block", "[ordering][stream][reorders]") {
  Reorders r;
  for (std::uint64_t id = 1; id <= 5; ++id) r.invoke("p0", id);
  // Stored 0: 3, 1: 1, 2: 5, 3: 2, 4: 4: one block of all five.
  r.stored("p0", 3, 0);
  r.stored("p0", 1, 1);
  r.stored("p0", 5, 2);
  r.stored("p0", 2, 3);
  r.stored("p0", 4, 4);
  r.process_each("billing", {3, 1, 5, 2, 4});
  r.process_each("audit", {3, 1, 5, 2, 4});
  Streamed const got = testing::stream_ordering(r.history());
  CHECK(reordered(got).size() == 1);
  require_streamed(got);
}

TEST_CASE("a reorder and a poll-skip share one second pass", "[ordering][stream][reorders]") {
  Reorders r;
  send_log(r, 4);
  auto at = [](std::uint64_t id) {
    return Record::of(MessageId{id}, "orders", Offset{static_cast<std::int64_t>(id) - 1}, 0);
  };
  r.add("audit-0", OpType::ok, OpKind::poll, "audit", {at(1)});
  r.add("audit-0", OpType::ok, OpKind::poll, "audit", {at(3), at(4)});  // Skips message 2.
  r.process_each("billing", {1, 3, 2, 4});
  r.process_each("audit", {1, 2, 3, 4});
  Streamed const got = testing::stream_ordering(r.history());
  CHECK(testing::anomaly_kinds(got) == std::vector<std::string>{"poll-skip", "reordered"});
  require_streamed(got);
}

TEST_CASE("a reorder whose messages were forgotten doubts or is right",
          "[ordering][stream][reorders]") {
  Reorders r;
  send_log(r, 3);
  r.process_each("billing", {1, 3});
  r.process_each("audit", {1, 2, 3});
  // Other messages go by: 3 is settled and, at short delays, forgotten before 2 comes.
  for (std::uint64_t id = 10; id < 20; ++id) {
    r.send(id, static_cast<std::int64_t>(id) - 7);
    r.process_each("audit", {id});
  }
  r.process_each("billing", {2});
  for (std::uint64_t id = 10; id < 20; ++id) r.process_each("billing", {id});
  Streamed const got = testing::stream_ordering(r.history());  // Equal at delays 0 and 3.
  CHECK(reordered(got).size() == 1);
  require_streamed(got);  // At the longest delay.
  StreamStats stats;
  (void)check_ordering_stream(r.history().header(), ops_of(r.history()), StreamOptions{0}, &stats);
  CHECK(stats.loaded_for == "ordering");  // Message 3 was forgotten before its range came.
}

TEST_CASE("reorders in a key-scoped topic split by key", "[ordering][stream][reorders]") {
  history::Header header;
  header.drained = true;
  header.ordering = {{"orders", history::OrderingScope::key}};
  header.subscriptions = {{"orders", {"billing"}}};
  struct Keyed : Reorders {
    explicit Keyed(history::Header h) : Reorders(OwnHeader{}, std::move(h)) {}
  } r(header);
  auto keyed = [&](std::uint64_t id, std::int64_t offset, std::string key) {
    Record sent = Record::of(MessageId{id}, "orders");
    sent.key = key;
    r.add("p0", OpType::invoke, OpKind::send, "", {sent});
    Record at = Record::of(MessageId{id}, "orders", Offset{offset}, 0);
    at.key = std::move(key);
    r.add("p0", OpType::ok, OpKind::send, "", {at});
  };
  keyed(1, 0, "a");
  keyed(2, 1, "b");
  keyed(3, 2, "a");
  r.process_each("billing", {2, 1, 3});  // Crosses keys a and b only: no anomaly.
  Streamed const none = testing::stream_ordering(r.history());
  CHECK(reordered(none).empty());
  require_streamed(none);
  keyed(4, 3, "a");
  keyed(5, 4, "a");
  r.process_each("billing", {5, 4});
  Streamed const got = testing::stream_ordering(r.history());
  REQUIRE(reordered(got).size() == 1);
  CHECK(reordered(got)[0].message == MessageId{4});
  require_streamed(got);
}

TEST_CASE("a retry copy's processing orders its message in its first topic",
          "[ordering][stream][reorders]") {
  history::Header header;
  header.drained = true;
  header.ordering = {{"orders", history::OrderingScope::partition},
                     {"orders-retry", history::OrderingScope::partition}};
  header.subscriptions = {{"orders", {"billing"}}, {"orders-retry", {"billing"}}};
  struct Retried : Reorders {
    explicit Retried(history::Header h) : Reorders(OwnHeader{}, std::move(h)) {}
  } r(header);
  send_log(r, 3);
  Record const first = Record::of(MessageId{1}, "orders", Offset{0}, 0);
  r.add("billing-0", OpType::invoke, OpKind::process, "billing", {first});
  r.add("billing-0", OpType::fail, OpKind::process, "billing", {first});
  // Billing re-sends it to the retry topic, and processes it there after 2 and 3.
  Record const copy = Record::of(MessageId{1}, "orders-retry", Offset{0}, 0);
  r.add("billing-0", OpType::invoke, OpKind::send, "", {Record::of(MessageId{1}, "orders-retry")});
  r.add("billing-0", OpType::ok, OpKind::send, "", {copy});
  r.process_each("billing", {2, 3});
  std::uint64_t const late = r.add("billing-0", OpType::ok, OpKind::process, "billing", {copy});
  Streamed const got = testing::stream_ordering(r.history());
  std::vector<Anomaly> const found = reordered(got);
  REQUIRE(found.size() == 1);
  CHECK(found[0].message == MessageId{1});
  CHECK(found[0].witnesses.back() == late);
  require_streamed(got);
}

// The ops of `h`, with the op at `from` moved to just after the op at `to` (> from), taking
// that op's time so that times never go back.
History moved(History const& h, std::size_t from, std::size_t to) {
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  Op op = ops[from];
  op.time = ops[to].time;
  ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(to) + 1, std::move(op));
  ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(from));
  return testing::inject_detail::reappend(h.header(), std::move(ops)).history;
}

// Moves one ok processing of an ordered topic a few ops later; nothing when there is none.
std::optional<History> move_processing(History const& h, SplitMix64& rng) {
  std::vector<std::size_t> candidates;
  for (Op const& op : h.ops())
    if (op.f == OpKind::process && op.type == OpType::ok && !op.value.empty() &&
        testing::inject_detail::ordered(h.header(), op.value[0].topic))
      candidates.push_back(op.index);
  if (candidates.empty()) return std::nullopt;
  std::size_t const from = candidates[rng.below(candidates.size())];
  std::size_t const to = std::min(h.ops().size() - 1, from + 1 + rng.below(40));
  if (to <= from) return std::nullopt;
  return moved(h, from, to);
}

// Swaps the offsets of two messages of one partition of an ordered topic in every record.
std::optional<History> swap_offsets(History const& h, SplitMix64& rng) {
  std::vector<Record> stored;
  for (Op const& op : h.ops())
    if (op.f == OpKind::send && op.type == OpType::ok)
      for (Record const& r : op.value)
        if (r.offset && r.partition && testing::inject_detail::ordered(h.header(), r.topic))
          stored.push_back(r);
  if (stored.size() < 2) return std::nullopt;
  Record const a = stored[rng.below(stored.size())];
  Record const b = stored[rng.below(stored.size())];
  if (a.id == b.id || a.topic != b.topic || a.partition != b.partition) return std::nullopt;
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  for (Op& op : ops) {
    for (Record& r : op.value) {
      if (!r.offset || r.topic != a.topic) continue;
      if (r.id == a.id)
        r.offset = b.offset;
      else if (r.id == b.id)
        r.offset = a.offset;
    }
  }
  return testing::inject_detail::reappend(h.header(), std::move(ops)).history;
}

struct Tally {
  int reordered = 0;  // Histories check_ordering finds reordered, from one that streams...
  int loaded = 0;     // ...that the stream loaded anyway.
};

void require_same(History const& h, std::uint64_t seed, bool base_streams, Tally& tally) {
  std::vector<Verdict> const whole = check_ordering(h);
  for (std::uint64_t const delay : {std::uint64_t{3}, std::uint64_t{1} << 20}) {
    StreamStats stats;
    std::vector<Verdict> const streamed =
        check_ordering_stream(h.header(), ops_of(h), StreamOptions{delay}, &stats);
    INFO("seed " << seed << ", delay " << delay << "\n" << history::to_jsonl(h));
    REQUIRE(streamed == whole);
    if (delay == 3 || whole.empty() || !base_streams) continue;
    bool const found = std::any_of(whole[0].anomalies.begin(), whole[0].anomalies.end(),
                                   [](Anomaly const& a) { return a.kind == "reordered"; });
    if (!found) continue;
    ++tally.reordered;
    if (stats.loaded_for == "ordering") ++tally.loaded;
  }
}

TEST_CASE("random histories with moved processings stream as check_ordering",
          "[ordering][stream][reorders]") {
  Tally tally;
  for (std::uint64_t seed = 1; seed <= soak(300); ++seed) {
    SplitMix64 rng(seed * 6151);
    testing::Shape shape = testing::random_shape(rng);
    shape.features = seed % 3 == 0;
    History h = testing::random_valid_history(seed, shape);
    bool const base = testing::ordering_streams(h);
    int const moves = 1 + static_cast<int>(rng.below(3));
    for (int k = 0; k < moves; ++k) {
      std::optional<History> next = move_processing(h, rng);
      if (!next) break;
      h = std::move(*next);
    }
    require_same(h, seed, base, tally);
  }
  INFO("reordered " << tally.reordered << ", loaded " << tally.loaded);
  CHECK(tally.reordered > static_cast<int>(soak(300) / 20));
  CHECK(tally.loaded * 3 < tally.reordered);  // Most stream in bounded memory.
}

TEST_CASE("random histories with swapped offsets stream as check_ordering",
          "[ordering][stream][reorders]") {
  Tally tally;
  for (std::uint64_t seed = 1; seed <= soak(300); ++seed) {
    SplitMix64 rng(seed * 7477);
    testing::Shape shape = testing::random_shape(rng);
    shape.features = false;
    History h = testing::random_valid_history(seed, shape);
    bool const base = testing::ordering_streams(h);
    int const swaps = 1 + static_cast<int>(rng.below(2));
    for (int k = 0; k < swaps; ++k) {
      std::optional<History> next = swap_offsets(h, rng);
      if (!next) break;
      h = std::move(*next);
    }
    require_same(h, seed, base, tally);
  }
  INFO("reordered " << tally.reordered << ", loaded " << tally.loaded);
  CHECK(tally.reordered > static_cast<int>(soak(300) / 20));
  CHECK(tally.loaded * 3 < tally.reordered);
}

// A message the broker stored twice (a retried batch without idempotence) spans its offsets:
// the first pass ranks it by its first offset, and the second pass judges every message whose
// span meets a range (name_spans says why that is exact).
TEST_CASE("a message stored twice and crossed is judged by its span",
          "[ordering][stream][reorders][span]") {
  SECTION("a producer's retried send stored again after a later send") {
    Reorders r;
    r.invoke("p0", 1);
    r.invoke("p0", 2);
    r.stored("p0", 2, 0);  // Message 2 first...
    r.stored("p0", 1, 1);  // ...then 1, retried: stored at 1 and, read later, at 3.
    r.send(3, 2);
    r.add("billing-0", OpType::ok, OpKind::poll, "billing",
          {Record::of(MessageId{2}, "orders", Offset{0}, 0),
           Record::of(MessageId{1}, "orders", Offset{1}, 0),
           Record::of(MessageId{3}, "orders", Offset{2}, 0),
           Record::of(MessageId{1}, "orders", Offset{3}, 0)});
    r.process_each("billing", {2, 1, 3});
    r.process_each("audit", {2, 1, 3});
    Streamed const got = testing::stream_ordering(r.history());
    REQUIRE(reordered(got).size() == 1);  // p0 sent 1 before 2; the broker put 2 first.
    CHECK(reordered(got)[0].message == MessageId{1});
    require_streamed(got);
  }
  SECTION("a span between two crossed messages joins their component") {
    Reorders r;
    send_log(r, 6);  // Messages 1..6 at offsets 0..5...
    r.add("audit-0", OpType::ok, OpKind::poll, "audit",
          {Record::of(MessageId{3}, "orders", Offset{6}, 0)});  // ...and 3 again at 6.
    // Billing processes 5, then 3 (span [2, 6]), then 2 and 4, both crossing 5 (and 2 crossing
    // 3): one component {5, 3, 2, 4}, in the range [1, 4].
    r.process_each("billing", {1, 5, 3, 2, 4, 6});
    r.process_each("audit", {1, 2, 3, 4, 5, 6});  // The broker's order: 3 meets 4, no edge.
    Streamed const got = testing::stream_ordering(r.history());
    REQUIRE(reordered(got).size() == 1);
    CHECK(reordered(got)[0].group == "billing");
    CHECK(reordered(got)[0].message == MessageId{2});
    require_streamed(got);
  }
}

// One partition: messages 1..n at the even offsets 0, 2, ..., some stored again at odd
// offsets (read there by audit's poll), up to `stored_max` times in all, so that their other
// offsets fall inside the ranges of crossings, above, below or between; billing processes in
// the log's order with a few messages moved. Every answer must be check_ordering's; most must
// stream.
History spans_and_moves(SplitMix64& rng, std::uint64_t stored_max = 2) {
  Reorders r;
  int const count = 4 + static_cast<int>(rng.below(12));
  for (int id = 1; id <= count; ++id)
    r.send(static_cast<std::uint64_t>(id), 2 * static_cast<std::int64_t>(id - 1));
  std::vector<std::int64_t> odd(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < odd.size(); ++i) odd[i] = 2 * static_cast<std::int64_t>(i) + 1;
  std::vector<Record> again;
  for (int id = 1; id <= count; ++id) {
    if (rng.below(3) != 0) continue;
    std::uint64_t const times = stored_max == 2 ? 1 : 1 + rng.below(stored_max - 1);
    for (std::uint64_t k = 0; k < times && !odd.empty(); ++k) {
      std::size_t const pick = rng.below(odd.size());
      again.push_back(
          Record::of(MessageId{static_cast<std::uint64_t>(id)}, "orders", Offset{odd[pick]}, 0));
      odd.erase(odd.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
  // The poll reads in offset order (its records as a log would hand them out).
  if (stored_max > 2)
    std::sort(again.begin(), again.end(),
              [](Record const& a, Record const& b) { return a.offset->value < b.offset->value; });
  if (!again.empty()) r.add("audit-0", OpType::ok, OpKind::poll, "audit", again);
  std::vector<std::uint64_t> order;
  for (int id = 1; id <= count; ++id) order.push_back(static_cast<std::uint64_t>(id));
  int const moves = 1 + static_cast<int>(rng.below(3));
  for (int k = 0; k < moves; ++k) {
    std::size_t const from = rng.below(order.size());
    std::size_t const to = rng.below(order.size());
    std::uint64_t const moved = order[from];
    order.erase(order.begin() + static_cast<std::ptrdiff_t>(from));
    order.insert(order.begin() + static_cast<std::ptrdiff_t>(to), moved);
  }
  r.process_each("billing", order);
  return r.history();
}

TEST_CASE("random crossings with spans stream as check_ordering",
          "[ordering][stream][reorders][span]") {
  Tally tally;
  for (std::uint64_t seed = 1; seed <= soak(400); ++seed) {
    SplitMix64 rng(seed * 9941);
    History const h = spans_and_moves(rng);
    INFO("seed " << seed);
    require_same(h, seed, true, tally);
  }
  INFO("reordered " << tally.reordered << ", loaded " << tally.loaded);
  CHECK(tally.reordered * 3 > static_cast<int>(soak(400)));
  CHECK(tally.loaded * 10 < tally.reordered);
}

TEST_CASE("random crossings with spans of three offsets or more stream as check_ordering",
          "[ordering][stream][reorders][span]") {
  Tally tally;
  for (std::uint64_t seed = 1; seed <= soak(400); ++seed) {
    SplitMix64 rng(seed * 7727);
    History const h = spans_and_moves(rng, 4);
    INFO("seed " << seed);
    require_same(h, seed, true, tally);
  }
  INFO("reordered " << tally.reordered << ", loaded " << tally.loaded);
  CHECK(tally.reordered * 3 > static_cast<int>(soak(400)));
  CHECK(tally.loaded * 10 < tally.reordered);
}

}  // namespace
}  // namespace mqcheck::checker
