// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_truncation_test.cpp (tests, layer: checker)
// The streaming ordering pass judges a truncated leader log (acks=1 leader crash, unclean
// election, KIP-101's high-watermark truncation, a power loss without fsync) without loading
// the history: a second message acknowledged at an offset an earlier one held is an
// inconsistent-offsets; the earlier one leaves the producer and consumer orders as
// check_ordering's truncated_claims takes it out, unless a consumer read it there, and then
// the new one's claim goes until a consumer reads it. Each history is held to check_ordering's
// report (and check_streaming's to check_history's) and for whether it loaded: where the
// stream cannot be sure (a send acknowledged after the new one began orders them, an offset
// stated by no poll), it must load. Random histories with an appended truncation, read or
// not, must agree too, and mostly not load.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
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
using history::OpKind;
using history::OpType;
using history::Record;
using mqcheck::testing::soak;
using testing::SplitMix64;

// Sends, polls, processes in "orders", partition 0 (testing::OrdersHistory: groups billing and
// audit). A send is its invoke and its ok, which may be apart (invoke() then ack()).
class TruncLog : public testing::OrdersHistory {
 public:
  std::uint64_t invoke(std::string const& producer, std::uint64_t id) {
    return add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
  }
  Record ack(std::string const& producer, std::uint64_t id, std::int64_t offset) {
    Record stored = Record::of(MessageId{id}, "orders", Offset{offset}, 0);
    add(producer, OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  Record send(std::string const& producer, std::uint64_t id, std::int64_t offset) {
    invoke(producer, id);
    return ack(producer, id, offset);
  }
  void end(std::string const& producer, std::uint64_t id, OpType type) {
    add(producer, type, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
  }
  void poll(std::string const& group, std::vector<Record> records) {
    add(group + "-0", OpType::ok, OpKind::poll, group, std::move(records));
  }
  void consume(std::vector<Record> const& records) {  // Both groups read and process them.
    for (std::string const group : {"billing", "audit"}) {
      poll(group, records);
      for (Record const& r : records) add(group + "-0", OpType::ok, OpKind::process, group, {r});
    }
  }
  void expire(Record const& r) { add("broker", OpType::event, OpKind::expire, "", {r}); }
  void process(std::string const& group, Record const& r) {
    add(group + "-0", OpType::ok, OpKind::process, group, {r});
  }
};

using TruncStreamed = testing::OrderingStreamed;

TruncStreamed stream_truncated(History const& h) { return testing::stream_ordering(h); }

std::vector<std::string> truncation_kinds(TruncStreamed const& s) {
  return testing::anomaly_kinds(s);
}

std::ptrdiff_t count_kind(TruncStreamed const& s, std::string const& kind) {
  return testing::anomaly_count(s, kind);
}

TEST_CASE("a message acknowledged at a lost one's offset streams as inconsistent-offsets",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  s.send("p0", 2, 1);  // Acknowledged, then lost with the leader: never read.
  Record const again = s.send("p0", 3, 1);
  s.consume({first, again});
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(truncation_kinds(got) == std::vector<std::string>{"inconsistent-offsets"});
  REQUIRE(got.verdicts.size() == 1);
  CHECK(got.verdicts[0].anomalies[0].explanation ==
        "topic orders, partition 0, offset 1 holds message 2 according to op 3 but message 3 "
        "according to op 5");
  CHECK(got.passes == 2);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("three messages at one offset: one anomaly naming all three",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  s.send("p0", 2, 1);
  s.send("p0", 3, 1);  // Lost too, to a second truncation.
  Record const last = s.send("p1", 4, 1);
  s.consume({first, last});
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(truncation_kinds(got) == std::vector<std::string>{"inconsistent-offsets"});
  REQUIRE(got.verdicts.size() == 1);
  CHECK(got.verdicts[0].anomalies[0].witnesses.size() == 3);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a truncation of several offsets followed by clean traffic streams",
          "[ordering][stream][truncation]") {
  TruncLog s;
  std::vector<Record> read;
  read.push_back(s.send("p0", 1, 0));
  for (std::uint64_t id = 2; id <= 4; ++id)  // Offsets 1..3, lost.
    s.send("p0", id, static_cast<std::int64_t>(id) - 1);
  for (std::uint64_t id = 5; id <= 10; ++id)  // Offsets 1..6: three of them taken again.
    read.push_back(s.send(id % 2 == 0 ? "p0" : "p1", id, static_cast<std::int64_t>(id) - 4));
  s.consume(read);
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(truncation_kinds(got) == std::vector<std::string>(3, "inconsistent-offsets"));
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a consumer that read the old message then the new one loads",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  Record const old = s.send("p0", 2, 1);
  s.poll("billing", {first, old});  // Read before the truncation: the claim stays placed.
  Record const again = s.send("p0", 3, 1);
  s.poll("billing", {again});  // Back to offset 1: a nonmonotonic-poll too.
  s.consume({first, again});
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(count_kind(got, "inconsistent-offsets") == 1);
  CHECK(got.loaded);
}

TEST_CASE("a send acknowledged after the new one began is no truncation the stream judges",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  s.invoke("p0", 2);
  s.invoke("p0", 3);  // Begun before message 2's acknowledgement...
  s.ack("p0", 2, 1);  // ...so check_ordering keeps that claim:
  Record const again = s.ack("p0", 3, 1);
  s.consume({first, again});
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(count_kind(got, "inconsistent-offsets") == 1);
  CHECK(got.loaded);
}

TEST_CASE("a send acknowledged past the offset after the new one began stays: reordered",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  s.send("p0", 2, 1);  // Lost.
  s.invoke("p0", 4);   // Sent before message 3...
  s.invoke("p0", 3);
  s.ack("p0", 4, 2);  // ...stored after it, acknowledged after message 3 began: kept.
  Record const again = s.ack("p0", 3, 1);
  s.consume({first, again});
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(count_kind(got, "inconsistent-offsets") == 1);
  CHECK(count_kind(got, "reordered") == 1);
  CHECK_FALSE(got.loaded);  // The second pass names 2 at offset 1, its claim taken back (T).
}

TEST_CASE("a gap over a conflicted offset is a poll-skip of its first claim",
          "[ordering][stream][truncation]") {
  for (bool const expired : {false, true}) {
    TruncLog s;
    Record const first = s.send("p0", 1, 0);
    Record const old = s.send("p0", 2, 1);
    Record const again = s.send("p0", 3, 1);
    Record const next = s.send("p0", 4, 2);
    if (expired) s.expire(old);
    s.poll("billing", {first});
    s.poll("billing", {next});  // Jumps offset 1: message 2's first, then message 3's.
    s.consume({first, again, next});
    TruncStreamed const got = stream_truncated(s.history());
    INFO("expired " << expired);
    CHECK(count_kind(got, "inconsistent-offsets") == 1);
    CHECK(count_kind(got, "poll-skip") >= 1);
    // An expired first claim sends check_offsets on to the next: the stream keeps the first
    // claim only, and loads.
    CHECK(got.loaded == expired);
  }
}

TEST_CASE("a message read before its offset was truncated keeps it; the new one's claim goes",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  Record const old = s.send("p0", 2, 1);
  s.consume({first, old});  // Read and processed, then lost with the leader.
  s.send("p0", 3, 1);       // Never read: check_ordering drops this claim (2 was read there).
  Record const next = s.send("p0", 4, 2);
  s.consume({next});
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(truncation_kinds(got) == std::vector<std::string>{"inconsistent-offsets"});
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a message placed at a truncated offset no consumer read is in the orders",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  s.poll("billing", {first});
  s.send("p0", 2, 1);                       // Lost, never read...
  Record const again = s.send("p0", 3, 1);  // ...so this claim stays, and orders 3 before 4:
  Record const next = s.send("p0", 4, 2);
  s.poll("billing", {again, next});
  s.process("billing", first);
  s.process("billing", next);
  s.process("billing", again);
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(count_kind(got, "inconsistent-offsets") == 1);
  CHECK(count_kind(got, "reordered") == 1);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a consumer re-reading a truncated offset sees the new message: a tie, no reorder",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  Record const old = s.send("p0", 2, 1);
  s.consume({first, old});
  Record const again = s.send("p1", 3, 1);  // Another producer: no tie in a producer's order.
  s.poll("billing", {again});               // Back to offset 1: a nonmonotonic-poll.
  s.process("billing", again);              // At the offset of the last one it processed.
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(count_kind(got, "inconsistent-offsets") == 1);
  CHECK(count_kind(got, "nonmonotonic-poll") == 1);
  CHECK(got.verdicts.at(0).anomalies.size() == 2);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a group that processes a tied offset after a later one reorders them",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  Record const old = s.send("p0", 2, 1);
  s.consume({first, old});
  Record const again = s.send("p1", 3, 1);
  Record const next = s.send("p1", 4, 2);
  s.poll("billing", {again, next});
  s.process("billing", next);
  s.process("billing", again);  // Offset 1 after offset 2: the tie is no excuse.
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(count_kind(got, "reordered") == 1);
  // 3's claim went as it was made (R: 2 was read there), and came back with billing's read:
  // the second pass keeps its ack claim, as truncated_claims does once 3 is read there too.
  CHECK_FALSE(got.loaded);
}

TEST_CASE("an ack claim gone by R, then taken by T, stays gone when its message is read there",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  Record const old = s.send("p0", 2, 1);
  s.consume({first, old});  // 2 read at offset 1: a claim there by another goes at once (R)...
  s.invoke("p1", 4);
  s.invoke("p1", 3);
  Record const again = s.ack("p1", 3, 1);  // ...as 3's does.
  s.invoke("p2", 5);                       // Begun after 3's ack: T takes it back too...
  Record const next = s.ack("p1", 4, 2);   // (4's ack comes after 5 began: it stays)
  s.ack("p2", 5, 1);
  s.poll("billing", {again, next});  // ...and this read of 3 there undoes R only.
  TruncStreamed const got = stream_truncated(s.history());
  // p1 sent 4 before 3 and 4 is stored above: reordered, its witness 3's offset from the poll.
  REQUIRE(count_kind(got, "reordered") == 1);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("an ack claim R takes back stays out of the orders a reordering judges",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const late = s.send("p0", 10, 0);
  Record const old = s.send("p0", 2, 1);
  s.poll("billing", {old});
  s.process("billing", old);
  s.invoke("p1", 5);
  s.invoke("p1", 3);
  Record const next = s.ack("p1", 5, 2);  // After 3 began: it stays.
  s.ack("p1", 3, 1);                      // Gone at once (R: 2 was read there), never read.
  s.poll("billing", {next});
  s.process("billing", next);
  s.poll("billing", {late});
  s.process("billing", late);  // Offset 0 after 1 and 2: a range over 3's lost claim too.
  TruncStreamed const got = stream_truncated(s.history());
  // Only billing's order: 3 has no offset, so p1's order (5 before 3, 3 at 1 below 5 at 2) is
  // no reordering.
  CHECK(count_kind(got, "reordered") == 1);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a message at a conflicted offset, forgotten before a reordering covers it, counts",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const late = s.send("p0", 10, 0);
  Record const old = s.send("p0", 2, 1);
  s.consume({old});                         // Both groups process 2 at offset 1...
  Record const again = s.send("p1", 3, 1);  // ...which a truncation gives to 3 (R: gone)...
  s.poll("billing", {again});               // ...until billing reads it there.
  s.process("billing", again);
  for (std::uint64_t id = 20; id < 24; ++id) {  // Held (audit never reads them), while 2...
    Record const r = s.send("p2", id, static_cast<std::int64_t>(id) - 18);
    s.poll("billing", {r});
    s.process("billing", r);
  }  // ...processed by both groups, is let go at settle delays below 10.
  s.poll("billing", {late});
  s.process("billing", late);  // Offset 0 after 1..5: 2 and 3 at offset 1 are in the range.
  History const& h = s.history();
  TruncStreamed const got = stream_truncated(h);
  CHECK(count_kind(got, "reordered") == 1);
  CHECK_FALSE(got.loaded);
  StreamStats stats;  // At a settle delay of 3, 2 was forgotten before the range was recorded.
  CHECK(check_ordering_stream(h.header(), ops_of(h), StreamOptions{3}, &stats) ==
        check_ordering(h));
  CHECK(stats.loaded_for.empty());
}

TEST_CASE("a truncated message read again after another was read there is placed again",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  s.consume({first});
  Record const lost = s.send("p0", 2, 1);   // Never read before...
  Record const again = s.send("p1", 3, 1);  // ...taken back by this one, which is read:
  s.consume({again});
  s.poll("audit", {lost});  // A stale read of the old message, there too.
  s.process("audit", lost);
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(count_kind(got, "inconsistent-offsets") == 1);
  CHECK(count_kind(got, "nonmonotonic-poll") == 1);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a truncated offset stated by a processing no poll read loads",
          "[ordering][stream][truncation]") {
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  Record const old = s.send("p0", 2, 1);
  s.process("billing", first);  // Read by no poll: whether 3's claim stays is unknown here.
  s.process("billing", old);
  s.send("p1", 3, 1);
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(count_kind(got, "inconsistent-offsets") == 1);
  CHECK(got.loaded);
}

TEST_CASE("a power loss without fsync, small: reads keep their offsets, the rest is reused",
          "[ordering][stream][truncation]") {
  // As kafka-power-loss-without-fsync: every broker loses its unsynced log; the producer's
  // next send began before its last acknowledgement; consumers had read the first offsets.
  TruncLog s;
  std::vector<Record> read;
  for (std::uint64_t id = 1; id <= 3; ++id)
    read.push_back(s.send("p1", id, static_cast<std::int64_t>(id) - 1));
  s.send("p1", 4, 3);
  s.invoke("p1", 5);
  s.invoke("p1", 6);
  s.ack("p1", 5, 4);  // Acknowledged after 6 began: its claim stays past the first reuse.
  s.consume(read);    // Offsets 0..2.
  s.invoke("p1", 7);
  s.ack("p1", 6, 0);  // The log starts again at 0: claims of offsets read go at once.
  std::vector<Record> fresh;
  for (std::uint64_t id = 7; id <= 11; ++id) {
    if (id > 7) s.invoke("p1", id);
    Record const r = s.ack("p1", id, static_cast<std::int64_t>(id) - 6);
    if (id >= 9) fresh.push_back(r);  // Offsets 3..5: 4 and 5 were never read there.
  }
  s.consume(fresh);
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(truncation_kinds(got) == std::vector<std::string>(5, "inconsistent-offsets"));
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a message at two offsets whose first claim a truncation takes back loads",
          "[ordering][stream][truncation]") {
  // 2 sits at offsets 2 (its ok) and 4 (a commit's). Rule T voids the ok's claim, which leaves
  // 2 at offset 4 alone: above 3 at offset 3, which billing and p0 both put after it. The
  // stream, which ranks a span by its first offset, once kept 2 at offset 2 and saw neither.
  TruncLog s;
  Record const first = s.send("p0", 1, 0);
  s.send("p0", 5, 1);
  s.send("p0", 2, 2);
  Record const later = Record::of(MessageId{2}, "orders", Offset{4}, 0);
  s.add("billing-0", OpType::ok, OpKind::commit, "billing", {later});
  s.invoke("p1", 4);
  Record const next = s.send("p0", 3, 3);  // Acknowledged after 4's send began: it stays.
  s.ack("p1", 4, 1);
  s.poll("billing", {first});
  s.process("billing", first);
  s.process("billing", later);
  s.process("billing", next);
  TruncStreamed const got = stream_truncated(s.history());
  CHECK(count_kind(got, "reordered") == 2);
  CHECK(got.loaded);
}

// Appends a truncation to one partition of an ordered topic of `h`: `lost` messages
// acknowledged past the partition's highest offset and never read, then as many fresh messages
// acknowledged at those offsets; with `early`, the first of these is invoked before the lost
// ones are acknowledged (check_ordering then keeps their claims: the stream must load). With
// `process`, a group of the topic processes the fresh ones; with `reads`, it polls and
// processes the lost ones before the truncation (and, at 2, polls the fresh ones too), and
// another producer sends the fresh ones.
std::optional<History> inject_truncation(History const& h, SplitMix64& rng) {
  using namespace testing::inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::size_t> candidates;  // Ok sends with an offset in an ordered topic.
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> highest;
  std::uint64_t top_id = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    for (Record const& r : ops[i].value) {
      top_id = std::max(top_id, r.id.value);
      if (!r.offset || !r.partition) continue;
      std::int64_t& high = highest[{r.topic, *r.partition}];
      high = std::max(high, r.offset->value);
    }
    Op const& op = ops[i];
    if (op.f == OpKind::send && op.type == OpType::ok && op.value.size() == 1 &&
        op.value[0].offset && op.value[0].partition && ordered(h.header(), op.value[0].topic))
      candidates.push_back(i);
  }
  if (candidates.empty()) return std::nullopt;
  Op const model = ops[pick(candidates, rng)];
  Record const& sent = model.value[0];
  std::int64_t const base = highest[{sent.topic, *sent.partition}] + 1;
  int const lost = rng.between(1, 3);
  bool const early = rng.below(8) == 0;
  bool const process = rng.below(2) == 0;
  int const reads = rng.between(0, 2);
  SimTimeUs time = end_time(ops, 10);
  std::uint64_t const fresh = top_id + 1;
  auto const push = [&](OpType type, std::uint64_t id, std::optional<std::int64_t> offset,
                        OpKind f = OpKind::send, std::string const& group = "") {
    Op op = model;
    op.type = type;
    op.f = f;
    op.group = group;
    if (!group.empty()) op.process = group + "-0";
    // After reads, another producer takes the offsets: the same one would tie its own order.
    if (group.empty() && reads > 0 && id >= fresh + 10) op.process = model.process + "-after";
    Record r = Record::of(MessageId{id}, sent.topic);
    if (offset) r = Record::of(MessageId{id}, sent.topic, Offset{*offset}, *sent.partition);
    op.value = {r};
    time = SimTimeUs{time.us + 1};
    op.time = time;
    op.index = inserted;
    ops.push_back(op);
  };
  auto const readers = h.header().subscriptions.find(sent.topic);
  std::string const reader = readers != h.header().subscriptions.end() && !readers->second.empty()
                                 ? readers->second.front()
                                 : "";
  auto const consume = [&](std::uint64_t first_id, bool poll, bool process_them) {
    for (int i = 0; i < lost && !reader.empty(); ++i) {
      std::uint64_t const id = first_id + static_cast<std::uint64_t>(i);
      if (poll) push(OpType::ok, id, base + i, OpKind::poll, reader);
      if (process_them) push(OpType::ok, id, base + i, OpKind::process, reader);
    }
  };
  for (int i = 0; i < lost; ++i) push(OpType::invoke, fresh + static_cast<std::uint64_t>(i), {});
  if (early) push(OpType::invoke, fresh + 10, {});
  for (int i = 0; i < lost; ++i) push(OpType::ok, fresh + static_cast<std::uint64_t>(i), base + i);
  if (reads > 0) consume(fresh, true, true);
  for (int i = 0; i < lost; ++i) {
    std::uint64_t const id = fresh + 10 + static_cast<std::uint64_t>(i);
    if (!early || i > 0) push(OpType::invoke, id, {});
    push(OpType::ok, id, base + i);
  }
  consume(fresh + 10, reads == 2, process);
  return reappend(h.header(), std::move(ops)).history;
}

struct TruncTally {
  int injected = 0;  // Histories whose ordering anomalies are only inconsistent-offsets (and
                     // reads'), injected into one that streams...
  int loaded = 0;    // ...that the stream loaded anyway.
};

void require_same_truncated(History const& h, std::uint64_t seed, bool base_streams,
                            TruncTally& tally) {
  std::vector<Verdict> const whole = check_ordering(h);
  StreamStats stats;
  std::vector<Verdict> const streamed =
      check_ordering_stream(h.header(), ops_of(h), StreamOptions{}, &stats);
  INFO("seed " << seed << ", passes " << stats.passes << "\n" << history::to_jsonl(h));
  REQUIRE(streamed == whole);
  StreamStats tight;
  REQUIRE(check_ordering_stream(h.header(), ops_of(h), StreamOptions{2}, &tight) == whole);
  if (whole.empty() || whole[0].anomalies.empty()) return;
  bool const offsets_only =
      std::all_of(whole[0].anomalies.begin(), whole[0].anomalies.end(), [](Anomaly const& a) {
        return a.kind == "inconsistent-offsets" || a.kind == "poll-skip" ||
               a.kind == "nonmonotonic-poll";
      });
  bool const conflicted =
      std::any_of(whole[0].anomalies.begin(), whole[0].anomalies.end(),
                  [](Anomaly const& a) { return a.kind == "inconsistent-offsets"; });
  if (!offsets_only || !conflicted || !base_streams) return;
  ++tally.injected;
  if (stats.loaded_for == "ordering") ++tally.loaded;
}

TEST_CASE("random histories with an appended truncation stream as check_ordering",
          "[ordering][stream][truncation]") {
  TruncTally tally;
  for (std::uint64_t seed = 1; seed <= soak(400); ++seed) {
    SplitMix64 rng(seed * 104729);
    testing::Shape shape = testing::random_shape(rng);
    if (seed % 2 == 0) shape.features = false;
    History const h = testing::random_valid_history(seed, shape);
    StreamStats stats;
    (void)check_ordering_stream(h.header(), ops_of(h), StreamOptions{}, &stats);
    bool const base = stats.loaded_for.empty();
    std::optional<History> const truncated = inject_truncation(h, rng);
    if (!truncated) continue;
    require_same_truncated(*truncated, seed, base, tally);
    std::optional<testing::Injection> const skipped = testing::inject_poll_skip(*truncated, rng);
    if (skipped) require_same_truncated(skipped->history, seed, base, tally);
    std::optional<History> const twice = inject_truncation(*truncated, rng);
    if (twice) require_same_truncated(*twice, seed, base, tally);
  }
  INFO("injected " << tally.injected << ", loaded " << tally.loaded);
  CHECK(tally.injected > static_cast<int>(soak(400) / 2));
  CHECK(tally.loaded * 4 < tally.injected);  // Most stream in bounded memory.
}

// One partition's log under random truncations (acks=1 failovers): two producers append, the
// log is cut back now and then and its offsets reused, and two groups poll, sometimes step
// back to re-read, and process what they polled, mostly in order. Now and then a send is
// appended before its ok goes out, so that a group may read it first (a new leader serving
// a fetcher before the producer hears back); a truncation that cuts it ends the send `info`.
class TruncSim {
 public:
  explicit TruncSim(std::uint64_t seed) : rng_(seed) {}
  History run(int steps) {
    for (int i = 0; i < steps; ++i) step();
    return log_.history();
  }
  int early = 0;  // Polls of a send not acknowledged yet at an offset acknowledged before.

 private:
  struct Reader {
    std::size_t next = 0;             // The offset its next poll starts at.
    std::vector<Record> unprocessed;  // Polled, in the order polled.
    std::vector<std::uint64_t> processed;
  };
  void step() {
    std::uint64_t const roll = rng_.below(100);
    if (roll < 20) return invoke();
    if (roll < 45) return ack();
    if (roll < 50) return truncate();
    if (roll < 55) return ack_appended();
    if (roll < 78) return poll();
    return process();
  }
  void invoke() {
    std::string const producer = rng_.below(2) == 0 ? "p0" : "p1";
    log_.invoke(producer, next_id_);
    inflight_.emplace_back(producer, next_id_++);
  }
  void ack() {  // A producer's sends complete in the order it made them.
    if (inflight_.empty()) return;
    std::string const producer = inflight_[rng_.below(inflight_.size())].first;
    auto const first = std::find_if(inflight_.begin(), inflight_.end(),
                                    [&](auto const& sent) { return sent.first == producer; });
    auto const offset = static_cast<std::int64_t>(stored_.size());
    if (rng_.below(3) == 0) {  // Appended now, acknowledged later (ack_appended).
      stored_.push_back(Record::of(MessageId{first->second}, "orders", Offset{offset}, 0));
      appended_.push_back(*first);
    } else {
      stored_.push_back(log_.ack(producer, first->second, offset));
      acked_at_.push_back(offset);
    }
    inflight_.erase(first);
  }
  void ack_appended() {  // The oldest appended send still in the log gets its ok.
    if (appended_.empty()) return;
    auto const& [producer, id] = appended_.front();
    auto const kept = std::find_if(stored_.begin(), stored_.end(),
                                   [&](Record const& r) { return r.id.value == id; });
    if (kept != stored_.end()) {
      log_.ack(producer, id, kept->offset->value);
      acked_at_.push_back(kept->offset->value);
    }
    appended_.erase(appended_.begin());
  }
  void truncate() {
    if (stored_.empty()) return;
    stored_.resize(rng_.below(stored_.size()));
    std::erase_if(appended_, [&](auto const& sent) {  // Cut before its ok: it times out.
      bool const cut = std::none_of(stored_.begin(), stored_.end(),
                                    [&](Record const& r) { return r.id.value == sent.second; });
      if (cut) log_.end(sent.first, sent.second, OpType::info);
      return cut;
    });
  }
  void poll() {
    std::string const group = rng_.below(2) == 0 ? "billing" : "audit";
    Reader& reader = readers_[group];
    if (rng_.below(6) == 0) reader.next = rng_.below(reader.next + 1);  // Back, to re-read.
    std::vector<Record> records;
    for (int n = rng_.between(1, 3); n > 0 && reader.next < stored_.size(); --n)
      records.push_back(stored_[reader.next++]);
    if (records.empty()) return;
    for (Record const& r : records) {
      bool const unacked = std::any_of(appended_.begin(), appended_.end(),
                                       [&](auto const& sent) { return sent.second == r.id.value; });
      auto const offset = r.offset->value;
      if (unacked && std::find(acked_at_.begin(), acked_at_.end(), offset) != acked_at_.end())
        ++early;
    }
    log_.poll(group, records);
    reader.unprocessed.insert(reader.unprocessed.end(), records.begin(), records.end());
  }
  void process() {
    std::string const group = rng_.below(2) == 0 ? "billing" : "audit";
    Reader& reader = readers_[group];
    if (reader.unprocessed.empty()) return;
    std::size_t const at = rng_.below(8) == 0 ? rng_.below(reader.unprocessed.size()) : 0;
    Record const record = reader.unprocessed[at];
    reader.unprocessed.erase(reader.unprocessed.begin() + static_cast<std::ptrdiff_t>(at));
    if (std::find(reader.processed.begin(), reader.processed.end(), record.id.value) !=
        reader.processed.end())
      return;  // Redeliveries order nothing.
    reader.processed.push_back(record.id.value);
    log_.process(group, record);
  }

  SplitMix64 rng_;
  TruncLog log_;
  std::uint64_t next_id_ = 1;
  std::vector<std::pair<std::string, std::uint64_t>> inflight_;
  std::vector<std::pair<std::string, std::uint64_t>> appended_;  // In the log, not acknowledged.
  std::vector<Record> stored_;          // The log: its record at each offset.
  std::vector<std::int64_t> acked_at_;  // Every offset an ok send reported.
  std::map<std::string, Reader> readers_;
};

TEST_CASE("random truncations of read and unread offsets stream as check_ordering",
          "[ordering][stream][truncation]") {
  int conflicted = 0;  // Histories with an inconsistent-offsets...
  int streamed = 0;    // ...that streamed.
  int early = 0;       // Of those, with a read before the ok at an offset acknowledged before...
  int early_streamed = 0;  // ...that streamed.
  for (std::uint64_t seed = 1; seed <= soak(300); ++seed) {
    INFO("seed " << seed);
    TruncSim sim(seed);
    TruncStreamed const got = stream_truncated(sim.run(60));
    if (count_kind(got, "inconsistent-offsets") == 0) continue;
    ++conflicted;
    if (!got.loaded) ++streamed;
    if (sim.early == 0) continue;
    ++early;
    if (!got.loaded) ++early_streamed;
  }
  INFO("conflicted " << conflicted << ", streamed " << streamed << "; early " << early
                     << ", streamed " << early_streamed);
  CHECK(conflicted * 2 > static_cast<int>(soak(300)));
  // Reads, re-reads and ties stream in a fair share: 72 of 266 over all seeds, 11 of 55 over
  // the sanitizer build's first fifth (a fifth exactly, which `* 5 >` failed in CI).
  CHECK(streamed * 8 > conflicted);
}

}  // namespace
}  // namespace mqcheck::checker
