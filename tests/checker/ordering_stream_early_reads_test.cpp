// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_early_reads_test.cpp (tests, layer: checker)
// The streaming ordering pass at a consumer's read of a message at a truncated offset before
// the message's ok send (checker/ordering_stream_early_reads.cpp): an unclean election or a
// min.insync.replicas=1 shrink lets the new leader serve a message at an offset the old leader
// acknowledged another at, before the producer hears back. check_ordering's truncated_claims
// voids the lost message's ack claim (rule R: a consumer read another message there), and the
// new message's ok voids the claims acknowledged before its send began (rule T). Each history
// is held to check_ordering's report at three settle delays (and check_streaming's to
// check_history's), and for whether it loaded: where the stream cannot be sure, it must load.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/checker/ordering_builder.hpp"
#include "tests/checker/ordering_stream_agreement.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using history::Record;

// Sends, polls, processes in "orders", partition 0 (testing::OrdersHistory: groups billing and
// audit), with the ends of a send apart.
class EarlyLog : public testing::OrdersHistory {
 public:
  void invoke(std::string const& producer, std::uint64_t id) {
    add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
  }
  Record ack(std::string const& producer, std::uint64_t id, std::int64_t offset) {
    Record const stored = at(id, offset);
    add(producer, OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  Record send(std::string const& producer, std::uint64_t id, std::int64_t offset) {
    invoke(producer, id);
    return ack(producer, id, offset);
  }
  static Record at(std::uint64_t id, std::int64_t offset) {
    return Record::of(MessageId{id}, "orders", Offset{offset}, 0);
  }
  void poll(std::string const& group, std::vector<Record> records) {
    add(group + "-0", OpType::ok, OpKind::poll, group, std::move(records));
  }
  void process(std::string const& group, Record const& r) {
    add(group + "-0", OpType::ok, OpKind::process, group, {r});
  }
  void read(std::string const& group, Record const& r) {  // Polled, then processed.
    poll(group, {r});
    process(group, r);
  }
};

std::ptrdiff_t early_count(testing::OrderingStreamed const& s, std::string const& kind) {
  return testing::anomaly_count(s, kind);
}

TEST_CASE("a message read at a truncated offset before its ok streams as inconsistent-offsets",
          "[ordering][stream][truncation][early]") {
  EarlyLog s;
  s.read("billing", s.send("p0", 1, 0));
  s.send("p0", 2, 1);  // Acknowledged, then lost with the leader: never read.
  s.invoke("p1", 3);
  Record const early = EarlyLog::at(3, 1);
  s.poll("billing", {early});  // The new leader serves 3 before its ok reaches p1.
  s.ack("p1", 3, 1);
  s.process("billing", early);
  s.read("billing", s.send("p1", 4, 2));
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  REQUIRE(testing::anomaly_kinds(got) == std::vector<std::string>{"inconsistent-offsets"});
  CHECK(got.verdicts[0].anomalies[0].explanation ==
        "topic orders, partition 0, offset 1 holds message 2 according to op 5 but message 3 "
        "according to op 7");
  CHECK_FALSE(got.loaded);
}

TEST_CASE("an early read message's ok takes back the claims above it acknowledged before",
          "[ordering][stream][truncation][early]") {
  // p0 sent 5 before 3. With 5's claim at offset 2 kept, 5 sits above 3 (offset 1): reordered.
  // Rule T voids it when 5 was acknowledged before 3's send began; else it stays.
  for (bool const late : {false, true}) {
    EarlyLog s;
    s.read("billing", s.send("p0", 1, 0));
    s.send("p0", 2, 1);  // Lost.
    s.invoke("p0", 5);
    if (!late) s.ack("p0", 5, 2);  // Lost too, never read.
    s.invoke("p0", 3);
    if (late) s.ack("p0", 5, 2);
    Record const early = EarlyLog::at(3, 1);
    s.poll("billing", {early});
    s.ack("p0", 3, 1);
    s.process("billing", early);
    INFO("late " << late);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(early_count(got, "inconsistent-offsets") == 1);
    CHECK(early_count(got, "reordered") == (late ? 1 : 0));
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("a lost message read at its offset after the early one is placed there again",
          "[ordering][stream][truncation][early]") {
  EarlyLog s;
  Record const first = s.send("p0", 1, 0);
  s.read("billing", first);
  s.poll("audit", {first});
  Record const lost = s.send("p0", 2, 1);
  s.invoke("p1", 3);
  Record const early = EarlyLog::at(3, 1);
  s.poll("billing", {early});
  s.ack("p1", 3, 1);
  s.process("billing", early);
  s.read("audit", lost);  // A stale read: rule R no longer voids 2's claim.
  s.process("audit", first);
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(early_count(got, "inconsistent-offsets") == 1);
  CHECK(early_count(got, "reordered") == 1);  // audit: 2 (offset 1) before 1 (offset 0).
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a message read at its offset before the truncation keeps it beside an early read",
          "[ordering][stream][truncation][early]") {
  EarlyLog s;
  Record const first = s.send("p0", 1, 0);
  Record const old = s.send("p0", 2, 1);
  s.read("billing", first);
  s.read("billing", old);  // Read there: its claims stay.
  s.invoke("p1", 3);
  Record const early = EarlyLog::at(3, 1);
  s.poll("billing", {early});  // Back to offset 1: a nonmonotonic-poll.
  s.ack("p1", 3, 1);
  s.process("billing", early);  // At the offset of the last one it processed: a tie.
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(early_count(got, "inconsistent-offsets") == 1);
  CHECK(early_count(got, "nonmonotonic-poll") == 1);
  CHECK(got.verdicts.at(0).anomalies.size() == 2);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a message read before its ok, then truncated: rule T counts that ok's claim",
          "[ordering][stream][truncation][early]") {
  // 2's ok at offset 1 comes after a read of it there: an ack claim all the same, which 9's
  // ok at offset 1 follows, so rule T voids the claims acknowledged before 9's send began
  // from offset 1 up: 5's at 3 (sent before 4, stored above it: no reorder left). The stream
  // once missed that ok's claim, left 5 placed, and reported a reorder check_ordering does not.
  for (bool const polled : {true, false}) {
    EarlyLog s;
    s.read("billing", s.send("p0", 1, 0));
    s.invoke("p0", 2);
    Record const read_first = EarlyLog::at(2, 1);
    // Read by a poll; else by a processing only, which Unit::read does not hold: R then
    // depends on whether that was a consumer's, which the stream does not follow.
    if (polled) s.poll("billing", {read_first});
    s.process("billing", read_first);
    s.ack("p0", 2, 1);
    s.invoke("p0", 5);
    s.invoke("p0", 4);
    s.ack("p0", 5, 3);  // Lost, never read.
    Record const kept = s.ack("p0", 4, 2);
    s.read("billing", kept);
    s.send("p1", 9, 1);  // The truncation: 2 was read there, so 9's claim goes too (R).
    INFO("polled " << polled);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(early_count(got, "inconsistent-offsets") == 1);
    CHECK(early_count(got, "reordered") == 0);
    CHECK(got.loaded == !polled);
  }
}

TEST_CASE("a lost message read again, forgotten before a reordering covers it, counts",
          "[ordering][stream][truncation][early]") {
  // Unacknowledged (its send times out), 3 takes nothing back by rule T: only the early read's
  // R names 2 at offset 1 for the second pass.
  for (bool const acked : {true, false}) {
    EarlyLog s;
    Record const late = s.send("p0", 10, 0);
    s.send("p0", 2, 1);  // Lost...
    s.invoke("p1", 3);
    Record const early = EarlyLog::at(3, 1);
    s.poll("billing", {early});  // ...its claim taken back here (R)...
    if (acked) s.ack("p1", 3, 1);
    if (!acked) s.add("p1", OpType::info, OpKind::send, "", {Record::of(MessageId{3}, "orders")});
    s.process("billing", early);
    Record const old = EarlyLog::at(2, 1);
    s.read("billing", old);  // ...and placed again by these reads: both groups process it.
    s.read("audit", old);
    for (std::uint64_t id = 20; id < 24; ++id)  // Held (audit never reads them), while 2 is let
      s.read("billing", s.send("p2", id, static_cast<std::int64_t>(id) - 18));  // go.
    s.read("billing", late);  // Offset 0 after 1..5: a range over 2 and 3 at offset 1.
    INFO("acked " << acked);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(early_count(got, "reordered") >= 1);
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("an early read the stream cannot follow loads", "[ordering][stream][truncation][early]") {
  enum class Miss { other_offset, other_ack, acked_after_begun, processed_first };
  for (Miss const miss :
       {Miss::other_offset, Miss::other_ack, Miss::acked_after_begun, Miss::processed_first}) {
    EarlyLog s;
    s.read("billing", s.send("p0", 1, 0));
    // Acknowledged after 3's send began: rule T keeps this claim, R alone voids it, and a
    // duplicated ok of 3 would void it by T with a begun the stream does not follow.
    if (miss == Miss::acked_after_begun) s.invoke("p1", 3);
    s.send("p0", 2, 1);
    if (miss != Miss::acked_after_begun) s.invoke("p1", 3);
    Record const early = EarlyLog::at(3, 1);
    // A processing is a consumer's claim too, but no poll's: Unit::read does not hold it.
    if (miss == Miss::processed_first) s.process("billing", early);
    s.poll("billing", {early});
    if (miss == Miss::other_ack) s.send("p2", 7, 1);  // Another truncation first.
    s.ack("p1", 3, miss == Miss::other_offset ? 2 : 1);
    s.process("billing", early);
    INFO("miss " << static_cast<int>(miss));
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(early_count(got, "inconsistent-offsets") >= 1);
    CHECK(got.loaded);
  }
}

}  // namespace
}  // namespace mqcheck::checker
