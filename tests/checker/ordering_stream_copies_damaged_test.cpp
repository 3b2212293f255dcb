// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_copies_damaged_test.cpp (tests, layer: checker)
// The streaming ordering pass at dead-letter and retry-topic copies in histories with a line
// lost or repeated (session 17's damaged variants of the kafka-dead-letter-pattern and
// kafka-retry-topics-pattern scenarios): a copy sent before its message's own acknowledgement
// (the ack lost, or late), a copy of a message sent twice, a message sent again after its copy.
// build_message_table files a copy's send as an attempt of the message, so check_ordering's
// placement may come from the copy's ack, and a copy's attempt counts among the message's
// writers: these stream where the stream places the message as check_ordering does
// (ordering_stream_copies.cpp), and load where it cannot be sure: a copy acknowledged first in
// another partition, or in a topic ordered by producer; an own send failing or sent again after
// that; a process sending both the message and a copy. Each history is held to
// check_ordering's report, and check_streaming's to check_history's.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
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

// "orders" (read by billing, ordered by `scope`) and its dead-letter topic "orders.DLT" (read
// by dlt-audit, ordered by partition). p1 produces orders; billing-0 dead-letters them.
class C10Log : public testing::OrdersHistory {
 public:
  explicit C10Log(OrderingScope scope = OrderingScope::partition)
      : OrdersHistory(OwnHeader{}, header(scope)) {}
  Record at(std::uint64_t id, std::int64_t offset, std::int32_t partition = 0,
            std::string const& topic = "orders") const {
    return Record::of(MessageId{id}, topic, Offset{offset}, partition);
  }
  void invoke(std::string const& producer, std::uint64_t id, std::string const& topic) {
    add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, topic)});
  }
  void complete(std::string const& producer, OpType type, Record const& r) {
    add(producer, type, OpKind::send, "", {r});
  }
  Record send(std::string const& producer, std::uint64_t id, std::int64_t offset,
              std::string const& topic = "orders", std::int32_t partition = 0) {
    invoke(producer, id, topic);
    Record const stored = at(id, offset, partition, topic);
    complete(producer, OpType::ok, stored);
    return stored;
  }
  void poll(std::string const& group, std::vector<Record> records) {
    add(group + "-0", OpType::ok, OpKind::poll, group, std::move(records));
  }
  void process(std::string const& group, Record const& r, OpType outcome = OpType::ok) {
    add(group + "-0", OpType::invoke, OpKind::process, group, {r});
    add(group + "-0", outcome, OpKind::process, group, {r});
  }
  // billing fails `r`, and billing-0 sends it to the DLT at `offset` of `partition`.
  Record dead_letter(Record const& r, std::int64_t offset, std::int32_t partition = 0) {
    process("billing", r, OpType::fail);
    return send("billing-0", r.id.value, offset, "orders.DLT", partition);
  }
  // As dead_letter at DLT offset 0, then dlt-audit reads and processes the copy.
  void dead_letter_read(Record const& r) {
    Record const dead = dead_letter(r, 0);
    poll("dlt-audit", {dead});
    process("dlt-audit", dead);
  }

 private:
  static history::Header header(OrderingScope scope) {
    history::Header h;
    h.drained = true;
    h.ordering = {{"orders", scope}, {"orders.DLT", OrderingScope::partition}};
    h.subscriptions = {{"orders", {"billing"}}, {"orders.DLT", {"dlt-audit"}}};
    return h;
  }
};

// Messages 1..3 at offsets 0..2 of orders, 2 without its ack (lost), all read by billing,
// which dead-letters 2: its DLT copy, acknowledged at DLT `dlt_partition`, is its first ok send.
C10Log c10_lost_ack(std::int32_t dlt_partition) {
  C10Log s;
  Record const a = s.send("p1", 1, 0);
  s.invoke("p1", 2, "orders");
  Record const c = s.send("p1", 3, 2);
  Record const b = s.at(2, 1);
  s.poll("billing", {a, b, c});
  s.process("billing", a);
  Record const dead = s.dead_letter(b, 0, dlt_partition);
  s.process("billing", c);
  s.poll("dlt-audit", {dead});
  s.process("dlt-audit", dead);
  return s;
}

TEST_CASE("c10: a copy acknowledged before its message streams",
          "[ordering][stream][copies][copies10]") {
  SECTION("the message's own ack lost") {
    testing::OrderingStreamed const got = testing::stream_ordering(c10_lost_ack(0).history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
    CHECK(got.passes == 1);
  }
  SECTION("the message's own ack late, in the same partition") {
    C10Log s = c10_lost_ack(0);
    s.complete("p1", OpType::ok, s.at(2, 1));
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
  }
  SECTION("the message's own send open, then ended info") {
    C10Log s = c10_lost_ack(0);
    s.complete("p1", OpType::info, Record::of(MessageId{2}, "orders"));
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
  }
  SECTION("copies out of orders' order: reordered, from the second pass") {
    C10Log s;
    s.invoke("p1", 1, "orders");  // Neither ack is seen.
    s.invoke("p1", 2, "orders");
    Record const a = s.at(1, 0);
    Record const b = s.at(2, 1);
    s.poll("billing", {a, b});
    Record const dead_b = s.dead_letter(b, 0);  // b reaches the DLT first...
    Record const dead_a = s.dead_letter(a, 1);
    s.poll("dlt-audit", {dead_b, dead_a});
    s.process("dlt-audit", dead_b);  // ...so dlt-audit processes b before a.
    s.process("dlt-audit", dead_a);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_count(got, "reordered") == 1);
    CHECK_FALSE(got.loaded);
    CHECK(got.passes == 2);
  }
}

TEST_CASE("c10: a copy's send that is not acknowledged before its message streams",
          "[ordering][stream][copies][copies10]") {
  for (OpType const outcome : {OpType::fail, OpType::info}) {
    INFO("the copy's send ended " << (outcome == OpType::fail ? "fail" : "info"));
    C10Log s;
    Record const a = s.send("p1", 1, 0);
    s.invoke("p1", 2, "orders");
    Record const b = s.at(2, 1);
    s.poll("billing", {a, b});
    s.process("billing", a);
    s.process("billing", b, OpType::fail);
    s.invoke("billing-0", 2, "orders.DLT");  // The DLT publish, before p1's ack...
    s.complete("billing-0", outcome, Record::of(MessageId{2}, "orders.DLT"));
    s.complete("p1", OpType::ok, b);  // ...which comes after.
    s.process("billing", b);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("c10: a copy of a message sent twice, or sent again after, streams",
          "[ordering][stream][copies][copies10]") {
  SECTION("its send invoked twice (a repeated line), then copied") {
    C10Log s;
    Record const a = s.send("p1", 1, 0);
    s.invoke("p1", 2, "orders");
    Record const b = s.send("p1", 2, 1);
    Record const c = s.send("p1", 3, 2);
    s.poll("billing", {a, b, c});
    s.process("billing", a);
    Record const dead = s.dead_letter(b, 0);
    s.process("billing", c);
    s.poll("dlt-audit", {dead});
    s.process("dlt-audit", dead);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
  }
  SECTION("copied, then its send invoked again (never completed)") {
    C10Log t;
    Record const a = t.send("p1", 1, 0);
    Record const b = t.send("p1", 2, 1);
    t.poll("billing", {a, b});
    t.process("billing", a);
    Record const dead = t.dead_letter(b, 0);
    t.poll("dlt-audit", {dead});
    t.process("dlt-audit", dead);
    t.invoke("p1", 2, "orders");  // The repeated invoke, last.
    testing::OrderingStreamed const got = testing::stream_ordering(t.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("c10: copies the stream cannot place exactly load, and agree",
          "[ordering][stream][copies][copies10]") {
  SECTION("a copy acknowledged first in another partition than its message's") {
    testing::OrderingStreamed const got = testing::stream_ordering(c10_lost_ack(1).history());
    CHECK(got.loaded);
  }
  SECTION("a copy acknowledged first, in a topic ordered by producer") {
    C10Log s(OrderingScope::producer);
    Record const a = s.send("p1", 1, 0);
    s.invoke("p1", 2, "orders");
    Record const b = s.at(2, 1);
    s.poll("billing", {a, b});
    s.process("billing", a);
    s.dead_letter_read(b);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("a copy acknowledged first, then the message's own send fails") {
    // The copy's attempt is then the only writer: check_ordering puts the message in
    // billing-0's producer chain, at the copy's invoke.
    C10Log s = c10_lost_ack(0);
    s.complete("p1", OpType::fail, Record::of(MessageId{2}, "orders"));
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("the message's own send failed, then its copy is acknowledged") {
    C10Log s;
    Record const a = s.send("p1", 1, 0);
    s.invoke("p1", 2, "orders");
    Record const b = s.at(2, 1);
    s.poll("billing", {a, b});
    s.complete("p1", OpType::fail, Record::of(MessageId{2}, "orders"));
    s.process("billing", a);
    s.dead_letter_read(b);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("the message sent twice, both attempts failed, then its copy acknowledged") {
    C10Log s;
    Record const a = s.send("p1", 1, 0);
    s.invoke("p1", 2, "orders");
    s.invoke("p1", 2, "orders");
    Record const b = s.at(2, 1);
    s.complete("p1", OpType::fail, Record::of(MessageId{2}, "orders"));
    s.complete("p1", OpType::fail, Record::of(MessageId{2}, "orders"));
    s.poll("billing", {a, b});
    s.process("billing", a);
    s.dead_letter_read(b);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("the message sent in a batch that failed, then its copy acknowledged") {
    C10Log s;
    Record const a = s.send("p1", 1, 0);
    s.add("p1", OpType::invoke, OpKind::send, "",
          {Record::of(MessageId{2}, "orders"), Record::of(MessageId{4}, "orders")});
    s.add("p1", OpType::fail, OpKind::send, "",
          {Record::of(MessageId{2}, "orders"), Record::of(MessageId{4}, "orders")});
    Record const b = s.at(2, 1);
    s.poll("billing", {a, b});
    s.process("billing", a);
    s.dead_letter_read(b);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("a copy acknowledged first, then the message sent again") {
    C10Log s = c10_lost_ack(0);
    s.invoke("p1", 2, "orders");
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("its producer sends the copy too") {
    C10Log s;
    Record const a = s.send("p1", 1, 0);
    s.invoke("p1", 2, "orders");  // Open when p1's copy completes: the two may pair.
    Record const b = s.at(2, 1);
    s.poll("billing", {a, b});
    s.process("billing", a);
    s.process("billing", b, OpType::fail);
    Record const dead = s.send("p1", 2, 0, "orders.DLT");  // Its ok pairs with p1's first.
    s.poll("dlt-audit", {dead});
    s.process("dlt-audit", dead);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("a copy by one of the processes that sent the message twice") {
    C10Log s;
    Record const a = s.send("p1", 1, 0);
    s.invoke("p1", 2, "orders");
    s.invoke("billing-0", 2, "orders");  // A second attempt, by the DLT's sender.
    Record const b = s.at(2, 1);
    s.complete("p1", OpType::ok, b);
    s.poll("billing", {a, b});
    s.process("billing", a);
    s.dead_letter_read(b);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("a copy by a process that sent the message after its attempts were given up") {
    C10Log s;
    Record const a = s.send("p1", 1, 0);
    s.invoke("p1", 2, "orders");
    s.invoke("p1", 2, "orders");
    Record const b = s.at(2, 1);
    s.complete("p1", OpType::info, Record::of(MessageId{2}, "orders"));  // Out of order now.
    s.complete("p1", OpType::ok, b);
    s.invoke("billing-0", 2, "orders");  // Not followed as an attempt any more.
    s.poll("billing", {a, b});
    s.process("billing", a);
    s.dead_letter_read(b);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("the message sent again, after its copy, by the copy's sender") {
    C10Log s;
    Record const a = s.send("p1", 1, 0);
    Record const b = s.send("p1", 2, 1);
    s.poll("billing", {a, b});
    s.process("billing", a);
    s.dead_letter_read(b);
    s.invoke("billing-0", 2, "orders");
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
}

// Appends dead-letter copies to `h` as ordering_stream_copies_test.cpp's inject_dead_letters
// does (a "forwarder" re-sends a few acknowledged messages to "<topic>.DLT", group "dlt" polls
// and processes them), then damages the first copied message's sends as session 17's damaged
// scenarios do: its ack moved after the copies (a copy acknowledged first), its invoke
// repeated at once (a copy of a message sent twice), or repeated last (sent again after).
std::optional<History> c10_inject_damaged(History const& h, SplitMix64& rng) {
  using namespace testing::inject_detail;
  Ops ops = copy_ops(h);
  std::optional<AckedSample> sample = acked_sample(h.header(), ops, rng);
  if (!sample) return std::nullopt;
  std::vector<Record> const& chosen = sample->records;
  std::string const dlt = sample->topic + ".DLT";
  history::Header header = h.header();
  header.ordering[dlt] = OrderingScope::partition;
  header.subscriptions[dlt] = {"dlt"};
  auto const partition = static_cast<std::int32_t>(rng.below(2));
  std::uint64_t const damaged = chosen.front().id.value;
  std::optional<std::uint64_t> const ack = first_ok_send(ops, damaged);
  std::optional<std::uint64_t> const invoke = first(ops, [&](Op const& op) {
    return op.f == OpKind::send && op.type == OpType::invoke && names(op, damaged);
  });
  if (!ack || !invoke || ops[*ack].value.size() != 1) return std::nullopt;
  Op const sent = ops[*invoke];
  Op const acked = ops[*ack];
  auto const mode = rng.below(3);
  if (mode == 0) ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(*ack));
  if (mode == 1) ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(*invoke) + 1, sent);
  SimTimeUs time = end_time(ops, 10);
  auto const push = [&](Op op) {
    time = SimTimeUs{time.us + 1};
    op.time = time;
    op.index = inserted;
    ops.push_back(std::move(op));
  };
  auto const made = [](std::string process, OpType type, OpKind f, std::string group,
                       std::vector<Record> value) {
    Op op;
    op.process = std::move(process);
    op.type = type;
    op.f = f;
    op.group = std::move(group);
    op.value = std::move(value);
    return op;
  };
  std::vector<Record> copies;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    push(made("forwarder", OpType::invoke, OpKind::send, "", {Record::of(chosen[i].id, dlt)}));
    copies.push_back(
        Record::of(chosen[i].id, dlt, Offset{static_cast<std::int64_t>(i)}, partition));
    push(made("forwarder", OpType::ok, OpKind::send, "", {copies.back()}));
  }
  if (mode == 0) push(acked);
  if (mode == 2) push(sent);
  push(made("dlt-0", OpType::ok, OpKind::poll, "dlt", copies));
  for (Record const& copy : copies) {
    push(made("dlt-0", OpType::invoke, OpKind::process, "dlt", {copy}));
    push(made("dlt-0", OpType::ok, OpKind::process, "dlt", {copy}));
  }
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (ops[i].index != inserted) ops[i].index = i;  // reappend renumbers: keep them unique.
  return reappend(header, std::move(ops)).history;
}

TEST_CASE("c10: random histories with damaged dead-letter copies stream as check_ordering",
          "[ordering][stream][copies][copies10]") {
  testing::InjectedShare const share = testing::stream_injected(400, 7927, c10_inject_damaged);
  INFO(share.loaded << " of " << share.injected << " loaded");
  CHECK(share.injected * 8 >= static_cast<int>(soak(400)));
  CHECK(share.loaded * 2 <= share.injected);
}

}  // namespace
}  // namespace mqcheck::checker
