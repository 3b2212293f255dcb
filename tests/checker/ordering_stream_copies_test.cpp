// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_copies_test.cpp (tests, layer: checker)
// The streaming ordering pass judges a message re-sent to a second topic (the dead-letter and
// retry-topic patterns) without loading, as check_ordering does: the message is ordered in its
// first topic's chains by every group's first processing of any copy, and each copy's offset
// is a claim, read in order, of its own topic. Each history is held to check_ordering's
// report (and check_streaming's to check_history's) and for whether it loaded: what the stream
// cannot be sure of (a copy out of its first topic's order, two messages at a copy's offset, a
// copy before its original's acknowledgement, a copy at two offsets) must load. Random
// histories with dead-letter copies appended must agree too, and mostly not load.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
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
using history::OrderingScope;
using history::Record;
using mqcheck::testing::soak;
using testing::SplitMix64;

// "orders" (read by billing), its dead-letter topic "orders.DLT" (read by dlt-audit) and a
// retry topic "orders.retry" (read by retry), all ordered by partition. Billing's producer is
// "billing-0", which re-sends to the DLT.
class DeadLetterLog : public testing::OrdersHistory {
 public:
  DeadLetterLog() : OrdersHistory(OwnHeader{}, header()) {}
  // An invoke then its ok at `offset` of `topic`'s `partition`.
  Record send(std::string const& producer, std::uint64_t id, std::string const& topic,
              std::int64_t offset, std::int32_t partition = 0) {
    add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, topic)});
    Record stored = Record::of(MessageId{id}, topic, Offset{offset}, partition);
    add(producer, OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  void poll(std::string const& group, std::vector<Record> records) {
    add(group + "-0", OpType::ok, OpKind::poll, group, std::move(records));
  }
  void process(std::string const& group, Record const& r, OpType outcome = OpType::ok) {
    add(group + "-0", OpType::invoke, OpKind::process, group, {r});
    add(group + "-0", outcome, OpKind::process, group, {r});
  }
  // billing fails to process `r` and publishes it to the DLT at `offset`.
  Record dead_letter(Record const& r, std::int64_t offset, std::int32_t partition = 0) {
    process("billing", r, OpType::fail);
    return send("billing-0", r.id.value, "orders.DLT", offset, partition);
  }

 private:
  static history::Header header() {
    history::Header h;
    h.drained = true;
    h.ordering = {{"orders", OrderingScope::partition},
                  {"orders.DLT", OrderingScope::partition},
                  {"orders.retry", OrderingScope::partition}};
    h.subscriptions = {
        {"orders", {"billing"}}, {"orders.DLT", {"dlt-audit"}}, {"orders.retry", {"retry"}}};
    return h;
  }
};

std::ptrdiff_t count_kind(testing::OrderingStreamed const& s, std::string const& kind) {
  return testing::anomaly_count(s, kind);
}

// Three orders: the second dead-lettered, in the DLT's partition `dlt_partition`.
DeadLetterLog one_dead_letter(std::int32_t dlt_partition) {
  DeadLetterLog s;
  Record const a = s.send("p1", 1, "orders", 0);
  Record const b = s.send("p1", 2, "orders", 1);
  Record const c = s.send("p1", 3, "orders", 2);
  s.poll("billing", {a, b, c});
  s.process("billing", a);
  Record const dead = s.dead_letter(b, 0, dlt_partition);
  s.process("billing", c);
  s.poll("dlt-audit", {dead});
  s.process("dlt-audit", dead);
  return s;
}

TEST_CASE("a dead-lettered message streams without loading", "[ordering][stream][copies]") {
  for (std::int32_t const partition : {0, 1}) {  // The DLT partition: same number, or not.
    INFO("DLT partition " << partition);
    DeadLetterLog const s = one_dead_letter(partition);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
    CHECK(got.passes == 1);
  }
}

TEST_CASE("a copy on a third topic streams too", "[ordering][stream][copies]") {
  // The retry-topic pattern (ordering_stream_retry_topics_test.cpp has longer chains): each
  // copy claims its own topic's offset; the DLT and the retry topic hold one copy each.
  DeadLetterLog s = one_dead_letter(0);
  Record const retried = s.send("billing-0", 2, "orders.retry", 0);
  // dlt-audit commits the DLT copy's offset again: a claim restated, in its own topic.
  s.add("dlt-audit-0", OpType::ok, OpKind::commit, "dlt-audit",
        {Record::of(MessageId{2}, "orders.DLT", Offset{0}, 0)});
  s.poll("retry", {retried});
  s.process("retry", retried);
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(testing::anomaly_kinds(got).empty());
  CHECK_FALSE(got.loaded);
}

TEST_CASE("copies read in the DLT's order but out of the first topic's are reordered, streamed",
          "[ordering][stream][copies]") {
  for (std::int32_t const partition : {0, 1}) {
    DeadLetterLog s;
    Record const a = s.send("p1", 1, "orders", 0);
    Record const b = s.send("p1", 2, "orders", 1);
    s.poll("billing", {a, b});
    Record const dead_b = s.dead_letter(b, 0, partition);  // b reaches the DLT first...
    Record const dead_a = s.dead_letter(a, 1, partition);
    s.poll("dlt-audit", {dead_b, dead_a});
    s.process("dlt-audit", dead_b);  // ...so dlt-audit processes b before a.
    s.process("dlt-audit", dead_a);
    INFO("DLT partition " << partition);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    // check_ordering orders both in orders' chain, by their offsets there: a copy's offsets in
    // the DLT say nothing of orders' order, whatever the DLT partition's number (until session
    // 16 they widened the spans at partition 0 until they overlapped, hiding the reordering).
    CHECK(count_kind(got, "reordered") == 1);
    CHECK_FALSE(got.loaded);  // Judged by the reorders' second pass (session 16).
    CHECK(got.passes == 2);
  }
}

TEST_CASE("a copy's offset is a claim of the DLT: read in order, skipped, conflicted",
          "[ordering][stream][copies]") {
  SECTION("a DLT consumer stepping back is a nonmonotonic-poll, streamed") {
    DeadLetterLog s = one_dead_letter(0);
    Record const d = s.send("p1", 4, "orders", 3);
    s.poll("billing", {d});
    Record const dead = s.dead_letter(d, 1);
    s.poll("dlt-audit", {dead});
    s.poll("dlt-audit", {Record::of(MessageId{2}, "orders.DLT", Offset{0}, 0)});  // Back.
    s.process("dlt-audit", dead);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got) == std::vector<std::string>{"nonmonotonic-poll"});
    CHECK_FALSE(got.loaded);
  }
  SECTION("a DLT consumer jumping a copy is a poll-skip, from the second pass") {
    DeadLetterLog s = one_dead_letter(0);
    Record const d = s.send("p1", 4, "orders", 3);
    Record const e = s.send("p1", 5, "orders", 4);
    s.poll("billing", {d, e});
    Record const dead_d = s.dead_letter(d, 1);
    Record const dead_e = s.dead_letter(e, 2);
    s.poll("dlt-audit", {dead_e});  // After offset 0: jumps message 4's copy at offset 1.
    s.process("dlt-audit", dead_d);
    s.process("dlt-audit", dead_e);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got) == std::vector<std::string>{"poll-skip"});
    CHECK_FALSE(got.loaded);
    CHECK(got.passes == 2);
  }
  SECTION("a copy in an unordered topic is not read in the first topic's partition") {
    DeadLetterLog s = one_dead_letter(0);
    // Parked in a topic that promises no order, then read by billing's consumer, which read
    // orders up to offset 2: offset 0 there is no step back in orders.
    Record const parked = s.send("billing-0", 3, "orders.parking", 0);
    s.poll("billing", {parked});
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
  }
  SECTION("a copy at another message's DLT offset loads: inconsistent-offsets") {
    DeadLetterLog s = one_dead_letter(0);
    Record const d = s.send("p1", 4, "orders", 3);
    s.poll("billing", {d});
    Record const dead = s.dead_letter(d, 0);  // Message 2's copy is there.
    s.poll("dlt-audit", {dead});
    s.process("dlt-audit", dead);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(count_kind(got, "inconsistent-offsets") == 1);
    CHECK(got.loaded);
  }
}

TEST_CASE("copies the stream cannot place exactly load, and agree", "[ordering][stream][copies]") {
  SECTION("a copy sent before its original was acknowledged") {
    DeadLetterLog s;
    s.add("p1", OpType::invoke, OpKind::send, "", {Record::of(MessageId{1}, "orders")});
    Record const dead = s.send("billing-0", 1, "orders.DLT", 0);
    Record const a = Record::of(MessageId{1}, "orders", Offset{0}, 0);
    s.add("p1", OpType::ok, OpKind::send, "", {a});
    s.poll("billing", {a});
    s.process("billing", a);
    s.poll("dlt-audit", {dead});
    s.process("dlt-audit", dead);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK(got.loaded);
  }
  SECTION("a truncation taking back the first topic's claim of a copied message") {
    DeadLetterLog s;
    Record const a = s.send("p1", 1, "orders", 0);
    s.send("p1", 2, "orders", 1);  // Acknowledged, never read in orders, then lost...
    s.poll("dlt-audit", {Record::of(MessageId{2}, "orders.DLT", Offset{5}, 0)});
    s.send("p1", 3, "orders", 1);  // ...to a truncation: offset 1 holds message 3 now.
    s.poll("billing", {a});
    s.process("billing", a);
    // Message 2 then has no offset left in orders: its copy's offset 5 is the DLT's, which
    // says nothing of where orders put it, so it is in no chain there. (Until session 16,
    // check_ordering placed it by the copy, DLT partition 0 having orders' partition number,
    // and reported p1's sends reordered.)
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(count_kind(got, "inconsistent-offsets") == 1);
    CHECK(count_kind(got, "reordered") == 0);
    CHECK(got.loaded);
  }
  SECTION("a copy at two DLT offsets") {
    DeadLetterLog s = one_dead_letter(0);
    s.send("billing-0", 2, "orders.DLT", 5);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
}

// Appends dead-letter copies to `h`: a few messages acknowledged in an ordered topic with an
// offset and a partition are re-sent, in a random order, to "<topic>.DLT" (ordered by
// partition, or sometimes not; read by group "dlt") at consecutive offsets of one partition,
// then polled and processed there, in DLT order or (sometimes) in the first topic's order.
std::optional<History> inject_dead_letters(History const& h, SplitMix64& rng) {
  using namespace testing::inject_detail;
  Ops ops = copy_ops(h);
  std::optional<AckedSample> sample = acked_sample(h.header(), ops, rng);
  if (!sample) return std::nullopt;
  std::vector<Record> chosen = std::move(sample->records);
  if (rng.below(2) == 0) std::reverse(chosen.begin(), chosen.end());
  std::string const dlt = sample->topic + ".DLT";
  history::Header header = h.header();
  if (rng.below(4) != 0) header.ordering[dlt] = OrderingScope::partition;  // Else unordered.
  header.subscriptions[dlt] = {"dlt"};
  auto const partition = static_cast<std::int32_t>(rng.below(2));
  bool const in_first_order = rng.below(4) == 0;
  SimTimeUs time = end_time(ops, 10);
  auto const push = [&](std::string const& process, OpType type, OpKind f, std::string group,
                        std::vector<Record> value) {
    Op op;
    op.process = process;
    op.type = type;
    op.f = f;
    op.group = std::move(group);
    op.value = std::move(value);
    time = SimTimeUs{time.us + 1};
    op.time = time;
    op.index = inserted;
    ops.push_back(op);
  };
  std::vector<Record> copies;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    push("forwarder", OpType::invoke, OpKind::send, "", {Record::of(chosen[i].id, dlt)});
    copies.push_back(
        Record::of(chosen[i].id, dlt, Offset{static_cast<std::int64_t>(i)}, partition));
    push("forwarder", OpType::ok, OpKind::send, "", {copies.back()});
  }
  push("dlt-0", OpType::ok, OpKind::poll, "dlt", copies);
  std::vector<std::size_t> order(copies.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (in_first_order)
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return chosen[a].offset->value < chosen[b].offset->value;
    });
  for (std::size_t const i : order) {
    push("dlt-0", OpType::invoke, OpKind::process, "dlt", {copies[i]});
    push("dlt-0", OpType::ok, OpKind::process, "dlt", {copies[i]});
  }
  return reappend(header, std::move(ops)).history;
}

TEST_CASE("random histories with dead-letter copies stream as check_ordering",
          "[ordering][stream][copies]") {
  testing::InjectedShare const share = testing::stream_injected(400, 7919, inject_dead_letters);
  CHECK(share.injected * 4 >= static_cast<int>(soak(400)));  // About half the seeds give one.
  CHECK(share.loaded * 4 <= share.injected);                 // Most copies in order stream.
}

}  // namespace
}  // namespace mqcheck::checker
