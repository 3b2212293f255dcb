// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_retry_topics_test.cpp (tests, layer: checker)
// The streaming ordering pass at Kafka's non-blocking retries (Spring Kafka's
// RetryTopicConfigurer): a record whose processing fails is sent on, same id, to
// orders-retry-100, then orders-retry-200, ..., then orders-dlt, one copy per topic. As with one
// dead-letter copy (ordering_stream_copies_test.cpp), check_ordering orders the message in its
// first topic's chains by every group's first processing of any copy, and each copy's offset is
// a claim, read in order, of its own topic: the stream judges that without loading for up to
// four copy topics. What it cannot be sure of (a copy at two offsets of one topic, two messages
// at one offset, a fifth topic) loads. Every history is held to check_ordering's report.
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

// The retry chain, in order: each topic ordered by partition and read by its own group.
std::vector<std::string> const retry_chain = {"orders",           "orders-retry-100",
                                              "orders-retry-200", "orders-retry-300",
                                              "orders-dlt",       "orders-retry-400"};

// The group reading `topic`: billing reads orders, billing-retry-100 orders-retry-100, ...
std::string retry_reader(std::string const& topic) {
  if (topic == "orders") return "billing";
  if (topic == "orders-dlt") return "dlt-audit";
  return "billing" + topic.substr(std::string("orders").size());
}

class RetryLog : public testing::OrdersHistory {
 public:
  RetryLog() : OrdersHistory(OwnHeader{}, header()) {}
  // An invoke then its ok at `offset` of `topic`'s `partition`.
  Record send(std::string const& producer, std::uint64_t id, std::string const& topic,
              std::int64_t offset, std::int32_t partition = 0) {
    add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, topic)});
    Record stored = Record::of(MessageId{id}, topic, Offset{offset}, partition);
    add(producer, OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  void poll(std::vector<Record> records) {
    std::string const group = retry_reader(records.front().topic);
    add(group + "-0", OpType::ok, OpKind::poll, group, std::move(records));
  }
  void process(Record const& r, OpType outcome = OpType::ok) {
    std::string const group = retry_reader(r.topic);
    add(group + "-0", OpType::invoke, OpKind::process, group, {r});
    add(group + "-0", outcome, OpKind::process, group, {r});
  }
  // The group reading `r`'s topic fails to process it and sends it on to `to` at `offset`.
  Record retry(Record const& r, std::string const& to, std::int64_t offset,
               std::int32_t partition = 0) {
    process(r, OpType::fail);
    return send(retry_reader(r.topic) + "-0", r.id.value, to, offset, partition);
  }

 private:
  static history::Header header() {
    history::Header h;
    h.drained = true;
    for (std::string const& topic : retry_chain) {
      h.ordering[topic] = OrderingScope::partition;
      h.subscriptions[topic] = {retry_reader(topic)};
    }
    return h;
  }
};

// Three orders at offsets 0-2 of orders' partition 0; the last two fail billing and go down
// the chain through `hops` more topics (2: retry-100 and -200; 4: down to orders-dlt), in the
// copy topics' partition `partition`, at offsets 0-1 of retry-100, 10-11 of retry-200, 20-21
// of retry-300..., read there in order. The copies in the last topic reached are processed.
// Returns the copies of the last topic reached.
std::int64_t copy_offset(std::size_t hop, std::size_t i) {
  return static_cast<std::int64_t>(10 * (hop - 1) + i);
}

std::vector<Record> retried(RetryLog& s, std::size_t hops, std::int32_t partition = 0) {
  Record const a = s.send("p1", 1, "orders", 0);
  std::vector<Record> copies = {s.send("p1", 2, "orders", 1), s.send("p1", 3, "orders", 2)};
  s.poll({a, copies[0], copies[1]});
  s.process(a);
  for (std::size_t hop = 1; hop <= hops; ++hop) {
    if (hop > 1) s.poll(copies);
    std::vector<Record> next;
    for (std::size_t i = 0; i < copies.size(); ++i)
      next.push_back(s.retry(copies[i], retry_chain[hop], copy_offset(hop, i), partition));
    copies = next;
  }
  s.poll(copies);
  for (Record const& copy : copies) s.process(copy);
  return copies;
}

TEST_CASE("copies down a chain of retry topics stream without loading",
          "[ordering][stream][copies][retry-topics]") {
  for (std::size_t const hops : {2, 3, 4}) {
    for (std::int32_t const partition : {0, 1}) {
      INFO(hops << " copy topics, in partition " << partition);
      RetryLog s;
      retried(s, hops, partition);
      testing::OrderingStreamed const got = testing::stream_ordering(s.history());
      CHECK(testing::anomaly_kinds(got).empty());
      CHECK_FALSE(got.loaded);
      CHECK(got.passes == 1);
    }
  }
}

TEST_CASE("a retry topic's reads are walked in that topic",
          "[ordering][stream][copies][retry-topics]") {
  SECTION("a retry-topic consumer stepping back is a nonmonotonic-poll, streamed") {
    RetryLog s;
    std::vector<Record> const last = retried(s, 3);  // In orders-retry-300.
    s.poll({last[0]});                               // Offset 20 again, after 21.
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got) == std::vector<std::string>{"nonmonotonic-poll"});
    CHECK_FALSE(got.loaded);
  }
  SECTION("a retry-topic consumer jumping a copy is a poll-skip, from the second pass") {
    RetryLog s;
    retried(s, 2);  // orders-retry-200 read up to offset 11.
    Record const d = s.send("p1", 4, "orders", 3);
    Record const e = s.send("p1", 5, "orders", 4);
    s.poll({d, e});
    Record const d1 = s.retry(d, "orders-retry-100", 2);
    Record const e1 = s.retry(e, "orders-retry-100", 3);
    s.poll({d1, e1});
    Record const d2 = s.retry(d1, "orders-retry-200", 12);
    Record const e2 = s.retry(e1, "orders-retry-200", 13);
    s.poll({e2});  // Jumps d's copy at offset 12.
    s.process(d2);
    s.process(e2);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got) == std::vector<std::string>{"poll-skip"});
    CHECK_FALSE(got.loaded);
    CHECK(got.passes == 2);
  }
  SECTION("a retry topic's copy read by orders' consumer is no step back in orders") {
    RetryLog s;
    retried(s, 2);  // Read up to orders' offset 2.
    // billing's consumer reads message 2's copy at offset 0 of orders-retry-100's partition 0
    // (the partition number orders' messages are in; the message has a later copy in
    // orders-retry-200), then reads on in orders from offset 3.
    Record const again = Record::of(MessageId{2}, "orders-retry-100", Offset{0}, 0);
    s.add("billing-0", OpType::ok, OpKind::poll, "billing", {again});
    Record const d = s.send("p1", 4, "orders", 3);
    s.poll({d});
    s.process(d);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("retry-topic copies the stream cannot place exactly load, and agree",
          "[ordering][stream][copies][retry-topics]") {
  SECTION("two messages at one retry-topic offset") {
    RetryLog s;
    retried(s, 2);
    Record const d = s.send("p1", 4, "orders", 3);
    s.poll({d});
    Record const d1 = s.retry(d, "orders-retry-100", 2);
    s.poll({d1});
    s.retry(d1, "orders-retry-200", 11);  // Message 3's copy is there.
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_kinds(got) == std::vector<std::string>{"inconsistent-offsets"});
    CHECK(got.loaded);
  }
  SECTION("a copy at two offsets of one retry topic") {
    RetryLog s;
    retried(s, 3);
    s.send("billing-retry-100-0", 2, "orders-retry-200", 5);  // Message 2 is at 10 there.
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("a copy in two partitions of one retry topic") {
    RetryLog s;
    retried(s, 2);
    s.send("billing-retry-100-0", 2, "orders-retry-200", 10, 1);  // At 10 of partition 0.
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
  SECTION("a truncation reaching a retry-topic copy's claim") {
    RetryLog s;
    retried(s, 2);  // Message 3's copy at offset 11 of orders-retry-200, acknowledged.
    s.send("p2", 9, "orders-retry-200", 11);  // Acknowledged there later: a truncation.
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(testing::anomaly_count(got, "inconsistent-offsets") == 1);
    CHECK(got.loaded);
  }
  SECTION("a fifth copy topic") {
    RetryLog s;
    std::vector<Record> const last = retried(s, 4);  // In orders-dlt.
    s.send("dlt-audit-0", last[0].id.value, "orders-retry-400", 0);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(got.loaded);
  }
}

TEST_CASE("a group reading orders and a retry topic out of orders' order agrees",
          "[ordering][stream][copies][retry-topics]") {
  RetryLog s;
  Record const a = s.send("p1", 1, "orders", 0);
  Record const b = s.send("p1", 2, "orders", 1);
  Record const c = s.send("p1", 3, "orders", 2);
  s.poll({a, b, c});
  s.process(a);
  Record const b1 = s.retry(b, "orders-retry-100", 0);
  s.process(c);  // billing processes c (offset 2 in orders)...
  Record const b2 = s.retry(b1, "orders-retry-200", 0);
  s.add("billing-0", OpType::ok, OpKind::poll, "billing", {b2});
  s.add("billing-0", OpType::invoke, OpKind::process, "billing", {b2});
  s.add("billing-0", OpType::ok, OpKind::process, "billing", {b2});  // ...then b (offset 1).
  // Loads until the stream reports a group's reordering (session 16): only agreement is held.
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(testing::anomaly_count(got, "reordered") == 1);
}

// Sends a few messages acknowledged in one ordered topic of `h` down a chain of 1 to 4 copy
// topics "<topic>.retry-<n>" (ordered by partition, or sometimes not), each read and failed in
// turn by its own group, which sends the copies on in the order it read them; the last topic's
// group processes them. Copies go at consecutive offsets of one partition of each topic, in
// the first topic's order or (sometimes) reversed at a hop.
std::optional<History> inject_retries(History const& h, SplitMix64& rng) {
  using namespace testing::inject_detail;
  Ops ops = copy_ops(h);
  std::optional<AckedSample> sample = acked_sample(h.header(), ops, rng);
  if (!sample) return std::nullopt;
  std::vector<Record> copies = std::move(sample->records);
  history::Header header = h.header();
  SimTimeUs time = end_time(ops, 10);
  auto const push = [&](std::string const& group, OpType type, OpKind f,
                        std::vector<Record> value) {
    Op op;
    op.process = group + "-0";
    op.type = type;
    op.f = f;
    op.group = group;
    op.value = std::move(value);
    time = SimTimeUs{time.us + 1};
    op.time = time;
    op.index = inserted;
    ops.push_back(op);
  };
  auto const hops = static_cast<int>(rng.between(1, 4));
  std::string group = "first-retry";  // Fails the picked messages in their first topic.
  for (int hop = 1; hop <= hops; ++hop) {
    std::string const topic = sample->topic + ".retry-" + std::to_string(hop);
    if (rng.below(5) != 0) header.ordering[topic] = OrderingScope::partition;  // Else unordered.
    if (rng.below(3) == 0) std::reverse(copies.begin(), copies.end());
    auto const partition = static_cast<std::int32_t>(rng.below(2));
    std::vector<Record> next;
    for (Record const& copy : copies) {
      push(group, OpType::invoke, OpKind::process, {copy});
      push(group, OpType::fail, OpKind::process, {copy});
      push(group, OpType::invoke, OpKind::send, {Record::of(copy.id, topic)});
      next.push_back(
          Record::of(copy.id, topic, Offset{static_cast<std::int64_t>(next.size())}, partition));
      push(group, OpType::ok, OpKind::send, {next.back()});
    }
    copies = next;
    group = "retry-" + std::to_string(hop);
    header.subscriptions[topic] = {group};
    push(group, OpType::ok, OpKind::poll, copies);
  }
  for (Record const& copy : copies) {
    push(group, OpType::invoke, OpKind::process, {copy});
    push(group, OpType::ok, OpKind::process, {copy});
  }
  return reappend(header, std::move(ops)).history;
}

TEST_CASE("random histories with retry-topic chains stream as check_ordering",
          "[ordering][stream][copies][retry-topics]") {
  testing::InjectedShare const share = testing::stream_injected(400, 6271, inject_retries);
  CHECK(share.injected * 4 >= static_cast<int>(soak(400)));  // About half the seeds give one.
  CHECK(share.loaded * 4 <= share.injected);                 // Most chains stream.
}

}  // namespace
}  // namespace mqcheck::checker
