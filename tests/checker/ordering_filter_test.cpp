// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_filter_test.cpp (tests, layer: checker)
// A group with a tag filter never sees what its filter rejects: RocketMQ filters tags on the
// broker (the offsets it hands out have gaps), a Kafka ConsumerInterceptor drops records
// before poll() returns them. Skipping such an offset is no poll-skip; skipping one the filter
// accepts still is. Each history is judged by check_ordering, by the streaming pass (which must
// agree, and decide in one pass when every jumped offset is filtered out) and by
// check_streaming against check_history.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/id_set.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "tests/checker/ordering_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using history::OrderingScope;
using history::Record;

// Billing's filter takes TagA only (unless told otherwise); audit has none.
class FilterBuilder : public testing::OrdersHistory {
 public:
  explicit FilterBuilder(std::vector<std::string> filter = {"TagA"})
      : OrdersHistory(std::move(filter)) {}
  // Sends message `id` tagged `tag` (the invoke states it), stored at (partition 0, offset).
  // Returns the index of the ok.
  std::uint64_t send(std::uint64_t id, std::int64_t offset, std::string const& tag,
                     std::string const& producer = "p1") {
    Record invoked = Record::of(MessageId{id}, "orders");
    invoked.tag = tag;
    add(producer, OpType::invoke, OpKind::send, "", {invoked});
    return add(producer, OpType::ok, OpKind::send, "", {stored(id, offset)});
  }
  static Record stored(std::uint64_t id, std::int64_t offset) {
    return Record::of(MessageId{id}, "orders", Offset{offset}, 0);
  }
  // Polls, processes and commits message `id` at `offset` as `process` of `group`; returns
  // the poll's index.
  std::uint64_t consume(std::string const& process, std::string const& group, std::uint64_t id,
                        std::int64_t offset) {
    std::uint64_t const poll = add(process, OpType::ok, OpKind::poll, group, {stored(id, offset)});
    add(process, OpType::ok, OpKind::process, group, {Record::of(MessageId{id}, "orders")});
    add(process, OpType::ok, OpKind::commit, group, {stored(id, offset)});
    return poll;
  }
};

// The ordering verdict's anomalies (no verdict: none).
std::vector<Anomaly> filter_ordering_anomalies(History const& h) {
  std::vector<Verdict> const verdicts = check_ordering(h);
  return verdicts.empty() ? std::vector<Anomaly>{} : verdicts.front().anomalies;
}

// The passes the stream took, holding it (and the whole streaming check) to the whole history.
std::uint64_t filter_passes(History const& h) { return testing::ordering_stream_passes(h, true); }

TEST_CASE("a filtering group skips the offsets its filter rejects", "[checker][ordering]") {
  FilterBuilder b;
  b.send(1, 0, "TagA");
  b.send(2, 1, "TagB");
  b.send(3, 2, "TagB");
  b.send(4, 3, "TagA");
  b.send(5, 4, "TagB");
  b.send(6, 5, "TagA");
  // billing jumps offsets 1-2 and 4 (TagB); audit reads everything.
  for (auto const& [id, offset] : {std::pair{1, 0}, {4, 3}, {6, 5}})
    b.consume("billing-0", "billing", id, offset);
  for (std::uint64_t id = 1; id <= 6; ++id)
    b.consume("audit-0", "audit", id, static_cast<std::int64_t>(id - 1));
  CHECK(filter_ordering_anomalies(b.history()).empty());
  CHECK(filter_passes(b.history()) == 1);  // The stream excuses the gaps itself.
}

TEST_CASE("a filtering group skipping an offset its filter accepts is a poll-skip",
          "[checker][ordering]") {
  FilterBuilder b;
  b.send(1, 0, "TagA");
  b.send(2, 1, "TagB");
  std::uint64_t const accepted = b.send(3, 2, "TagA");
  b.send(4, 3, "TagA");
  std::uint64_t const before = b.consume("billing-0", "billing", 1, 0);
  std::uint64_t const after = b.consume("billing-0", "billing", 4, 3);  // Jumps 1 (B) and 2 (A).
  CHECK(filter_ordering_anomalies(b.history()) ==
        std::vector<Anomaly>{{"poll-skip",
                              MessageId{3},
                              "billing",
                              {accepted, before, after},
                              "billing-0 read topic orders, partition 0 up to offset 0 (op " +
                                  std::to_string(before) + "), then from offset 3 (op " +
                                  std::to_string(after) + "), skipping message 3 at offset 2 (op " +
                                  std::to_string(accepted) + ")"}});
  CHECK(filter_passes(b.history()) == 3);  // The gap's pass and its sent tags'.
}

TEST_CASE("a group without a filter may not skip what another group's filter rejects",
          "[checker][ordering]") {
  FilterBuilder b;
  b.send(1, 0, "TagA");
  std::uint64_t const rejected = b.send(2, 1, "TagB");
  b.send(3, 2, "TagA");
  std::uint64_t const before = b.consume("audit-0", "audit", 1, 0);
  std::uint64_t const after = b.consume("audit-0", "audit", 3, 2);
  std::vector<Anomaly> const anomalies = filter_ordering_anomalies(b.history());
  REQUIRE(anomalies.size() == 1);
  CHECK(anomalies.front().kind == "poll-skip");
  CHECK(anomalies.front().message == MessageId{2});
  CHECK(anomalies.front().witnesses == std::vector<std::uint64_t>{rejected, before, after});
  CHECK(filter_passes(b.history()) == 2);  // The gap's pass: audit filters nothing.
}

TEST_CASE("an untagged message is skipped by a tag filter, not by \"*\"", "[checker][ordering]") {
  SECTION("filter TagA: an untagged message matches no filter") {
    FilterBuilder b;
    b.send(1, 0, "TagA");
    b.send(2, 1, "");
    b.send(3, 2, "TagA");
    b.consume("billing-0", "billing", 1, 0);
    b.consume("billing-0", "billing", 3, 2);
    CHECK(filter_ordering_anomalies(b.history()).empty());
    // The stream cannot know no later send tags it: the second pass decides.
    CHECK(filter_passes(b.history()) == 3);  // The gap's pass and its sent tags'.
  }
  SECTION("filter *: everything is wanted") {
    FilterBuilder b({"*"});
    b.send(1, 0, "TagA");
    b.send(2, 1, "TagB");
    b.send(3, 2, "TagA");
    b.consume("billing-0", "billing", 1, 0);
    b.consume("billing-0", "billing", 3, 2);
    REQUIRE(filter_ordering_anomalies(b.history()).size() == 1);
    CHECK(filter_ordering_anomalies(b.history()).front().kind == "poll-skip");
    CHECK(filter_passes(b.history()) == 3);  // The gap's pass and its sent tags'.
  }
}

TEST_CASE("a gap the stream cannot excuse yet still reaches the right verdict",
          "[checker][ordering]") {
  // billing jumps offset 1 before any op placed a message there; the send that does comes
  // later. TagB: valid; TagA: a poll-skip. The stream judges it in three passes: the gap's
  // (its first claim) and the claim's sent tag's.
  for (std::string const tag : {"TagB", "TagA"}) {
    FilterBuilder b;
    b.send(1, 0, "TagA");
    b.send(3, 2, "TagA");
    b.consume("billing-0", "billing", 1, 0);
    b.consume("billing-0", "billing", 3, 2);
    b.send(2, 1, tag, "p2");  // Another producer: p1's own order is not in question.
    INFO(tag);
    CHECK(filter_ordering_anomalies(b.history()).size() == (tag == "TagA" ? 1u : 0u));
    CHECK(filter_passes(b.history()) == 3);  // The gap's pass and its sent tags'.
  }
}

// Alternates tags over `count` offsets (count / 2 rejected intervals), read as they come;
// returns the stream's peak bytes.
std::uint64_t filter_alternating_peak(std::uint64_t count) {
  FilterBuilder b;
  for (std::uint64_t id = 1; id <= count; ++id) {
    std::int64_t const offset = static_cast<std::int64_t>(id - 1);
    b.send(id, offset, id % 2 == 1 ? "TagA" : "TagB");
    if (id % 2 == 1) b.consume("billing-0", "billing", id, offset);
    b.consume("audit-0", "audit", id, offset);
  }
  CHECK(filter_ordering_anomalies(b.history()).empty());
  CHECK(filter_passes(b.history()) == 1);
  StreamStats stats;
  (void)check_ordering_stream(b.history().header(), ops_of(b.history()), StreamOptions{3}, &stats);
  return stats.memory_peak_bytes;
}

TEST_CASE("many filtered offsets: the stream prunes and still decides", "[checker][ordering]") {
  std::uint64_t const small = filter_alternating_peak(1000);
  std::uint64_t const large = filter_alternating_peak(5000);
  // Flat: 2000 more rejected intervals unpruned would hold about 100 KB more.
  CHECK(large < small + 10'000);
}

TEST_CASE("IdSet: contains_all and erase_below", "[checker][ordering]") {
  IdSet set;
  for (std::uint64_t v : {1, 2, 3, 5, 7, 8, 9}) set.insert(MessageId{v});
  CHECK(set.contains_all(MessageId{1}, MessageId{3}));
  CHECK(set.contains_all(MessageId{2}, MessageId{2}));
  CHECK_FALSE(set.contains_all(MessageId{3}, MessageId{5}));
  CHECK_FALSE(set.contains_all(MessageId{0}, MessageId{1}));
  CHECK(set.contains_all(MessageId{7}, MessageId{9}));
  CHECK_FALSE(set.contains_all(MessageId{8}, MessageId{10}));
  set.erase_below(MessageId{8});
  CHECK(set.size() == 2);
  CHECK(set.intervals() == 1);
  CHECK_FALSE(set.contains(MessageId{7}));
  CHECK(set.contains_all(MessageId{8}, MessageId{9}));
  set.erase_below(MessageId{100});
  CHECK(set.size() == 0);
  CHECK_FALSE(set.contains(MessageId{9}));
  set.insert(MessageId{4});
  CHECK(set.contains(MessageId{4}));
}

}  // namespace
}  // namespace mqcheck::checker
