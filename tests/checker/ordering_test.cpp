// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_test.cpp (tests, layer: checker)
// The ordering checker: per anomaly a tiny history that shows it (kind, message, group, exact
// witnesses, explanation) and near misses that must pass; the precedence graph on its own; and
// seeded random in-order histories that must pass until two processings are swapped.
#include "checker/ordering.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checker/precedence_graph.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using history::OrderingScope;
using history::Record;
using testing::FeatureHistoryBuilder;
using testing::keyed;
using testing::msg;
using testing::partitioned;
using testing::placed;

FeatureHistoryBuilder ordered(OrderingScope scope, std::string const& topic = "orders") {
  FeatureHistoryBuilder b;
  b.header().ordering[topic] = scope;
  return b;
}

struct Sent {
  std::uint64_t invoke = 0;
  std::uint64_t ok = 0;
};

// Appends an invoke (no offset, as a producer does not know it yet) and an ok with `record`.
Sent send(FeatureHistoryBuilder& b, std::string const& process, Record const& record) {
  Record bare = msg(record.id.value, record.topic);
  bare.key = record.key;
  std::uint64_t const invoke = b.op(OpType::invoke, OpKind::send, process, {bare});
  return Sent{invoke, b.op(OpType::ok, OpKind::send, process, {record})};
}

std::uint64_t processed(FeatureHistoryBuilder& b, std::string const& group,
                        std::vector<Record> value, OpType type = OpType::ok) {
  return b.op(type, OpKind::process, group + "-0", std::move(value), {.group = group});
}

std::uint64_t polled(FeatureHistoryBuilder& b, std::string const& process,
                     std::vector<Record> value, OpType type = OpType::ok) {
  return b.op(type, OpKind::poll, process, std::move(value), {.group = "billing"});
}

Verdict ordering_of(history::History const& history) {
  std::vector<Verdict> const verdicts = check_ordering(history);
  REQUIRE(verdicts.size() == 1);
  CHECK(verdicts.front().guarantee == "ordering");
  return verdicts.front();
}

void check_valid(history::History const& history) {
  Verdict const verdict = ordering_of(history);
  CHECK(verdict.anomalies.empty());
  CHECK(verdict.validity == Validity::valid);
  CHECK(verdict.reason.empty());
}

TEST_CASE("ordering: no verdict when the history does not exercise it", "[checker][ordering]") {
  FeatureHistoryBuilder none;
  send(none, "p1", placed(1, 0, 0));
  processed(none, "billing", {msg(1)});
  CHECK(check_ordering(none.history()).empty());  // No topic promises an order.
  FeatureHistoryBuilder off = ordered(OrderingScope::none);
  send(off, "p1", placed(1, 0, 0));
  processed(off, "billing", {msg(1)});
  CHECK(check_ordering(off.history()).empty());
  FeatureHistoryBuilder elsewhere = ordered(OrderingScope::partition, "audit");
  send(elsewhere, "p1", placed(1, 0, 0));
  processed(elsewhere, "billing", {msg(1)});
  CHECK(check_ordering(elsewhere.history()).empty());
  FeatureHistoryBuilder maybe = ordered(OrderingScope::partition);
  send(maybe, "p1", placed(1, 0, 0));
  processed(maybe, "billing", {msg(1)}, OpType::info);  // Only maybe processed.
  CHECK(check_ordering(maybe.history()).empty());
}

TEST_CASE("reordered: a group processed a partition out of offset order", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  Sent const one = send(b, "p1", placed(1, 0, 0));
  Sent const two = send(b, "p1", placed(2, 0, 1));
  std::uint64_t const second = processed(b, "billing", {msg(2)});
  std::uint64_t const first = processed(b, "billing", {msg(1)});
  Verdict const verdict = ordering_of(b.history());
  CHECK(verdict.validity == Validity::invalid);
  CHECK(verdict.reason == "1 reordered in topics that promise an order");
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{{"reordered",
                              MessageId{1},
                              "billing",
                              {one.ok, two.ok, second, first},
                              "group billing processed message 2 (op 4) before message 1 (op 5), "
                              "but the broker put message 1 first in topic orders, partition 0: "
                              "message 1 at offset 0 (op 1), message 2 at offset 1 (op 3)"}});
}

TEST_CASE("reordered: a batch listed out of order, one group of two", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  Sent const one = send(b, "p1", placed(1, 0, 0));
  Sent const two = send(b, "p1", placed(2, 0, 1));
  processed(b, "audit", {msg(1), msg(2)});
  std::uint64_t const batch = processed(b, "billing", {msg(2), msg(1)});
  Verdict const verdict = ordering_of(b.history());
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].group == "billing");
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{one.ok, two.ok, batch});
}

TEST_CASE("reordered near misses: other partitions, redeliveries, info processes",
          "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  send(b, "p1", placed(1, 0, 0));
  send(b, "p1", placed(2, 1, 0));
  send(b, "p1", placed(3, 0, 1));
  processed(b, "billing", {msg(2)});  // Partition 1 before partition 0: no promise across.
  processed(b, "billing", {msg(3)}, OpType::info);  // Maybe processed: orders nothing.
  processed(b, "billing", {msg(1)});
  processed(b, "billing", {msg(3)});
  processed(b, "billing", {msg(1)});  // A redelivery: at-most-once's business, not ordering's.
  check_valid(b.history());
}

TEST_CASE("reordered: a queue without offsets, by acknowledged sends", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::queue);
  Sent const one = send(b, "p1", msg(1));
  Sent const two = send(b, "p2", msg(2));
  std::uint64_t const second = processed(b, "billing", {msg(2)});
  std::uint64_t const first = processed(b, "billing", {msg(1)});
  CHECK(ordering_of(b.history()).anomalies ==
        std::vector<Anomaly>{{"reordered",
                              MessageId{1},
                              "billing",
                              {one.ok, two.invoke, second, first},
                              "group billing processed message 2 (op 4) before message 1 (op 5), "
                              "but in queue orders message 1's send was acknowledged (op 1) "
                              "before message 2's began (op 2)"}});
}

TEST_CASE("reordered near miss: concurrent sends have no order", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::queue);
  b.op(OpType::invoke, OpKind::send, "p1", {msg(1)});
  b.op(OpType::invoke, OpKind::send, "p2", {msg(2)});
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  b.op(OpType::ok, OpKind::send, "p2", {msg(2)});
  processed(b, "billing", {msg(2)});
  processed(b, "billing", {msg(1)});
  check_valid(b.history());
}

TEST_CASE("ordering is unknown when nothing has a broker position", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  send(b, "p1", msg(1));  // Acknowledged without an offset: a partition has no other order.
  send(b, "p1", msg(2));
  processed(b, "billing", {msg(2)});
  processed(b, "billing", {msg(1)});
  Verdict const verdict = ordering_of(b.history());
  CHECK(verdict.validity == Validity::unknown);
  CHECK(verdict.anomalies.empty());
  CHECK(verdict.reason.starts_with("no processed message of a topic that promises an order"));
}

TEST_CASE("reordered: per key, and only within a key", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::key);
  Sent const a1 = send(b, "p1", keyed(placed(1, 0, 0), "a"));
  send(b, "p1", keyed(placed(2, 0, 1), "b"));
  Sent const a3 = send(b, "p1", keyed(placed(3, 0, 2), "a"));
  send(b, "p1", placed(4, 0, 3));  // No key: Kafka promises it no order.
  processed(b, "billing", {msg(4)});
  processed(b, "billing", {msg(2)});
  std::uint64_t const third = processed(b, "billing", {msg(3)});
  std::uint64_t const first = processed(b, "billing", {msg(1)});
  CHECK(ordering_of(b.history()).anomalies ==
        std::vector<Anomaly>{{"reordered",
                              MessageId{1},
                              "billing",
                              {a1.ok, a3.ok, third, first},
                              "group billing processed message 3 (op 10) before message 1 (op 11),"
                              " but the broker put message 1 first in key a of topic orders, "
                              "partition 0: message 1 at offset 0 (op 1), message 3 at offset 2 "
                              "(op 5)"}});
}

TEST_CASE("reordered: per producer, and only within a producer", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::producer);
  Sent const one = send(b, "p1", placed(1, 0, 0));
  send(b, "p2", placed(2, 0, 1));
  Sent const three = send(b, "p1", placed(3, 0, 2));
  processed(b, "billing", {msg(2)});  // p2's before p1's: no promise across producers.
  std::uint64_t const third = processed(b, "billing", {msg(3)});
  std::uint64_t const first = processed(b, "billing", {msg(1)});
  Verdict const verdict = ordering_of(b.history());
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].witnesses ==
        std::vector<std::uint64_t>{one.ok, three.ok, third, first});
  CHECK(verdict.anomalies[0].explanation.find("producer p1's messages to topic orders") !=
        std::string::npos);
}

TEST_CASE("reordered: the broker stored a producer's sends out of send order",
          "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  std::uint64_t const send1 = b.op(OpType::invoke, OpKind::send, "p1", {msg(1)});
  std::uint64_t const send2 = b.op(OpType::invoke, OpKind::send, "p1", {msg(2)});
  std::uint64_t const stored2 = b.op(OpType::ok, OpKind::send, "p1", {placed(2, 0, 0)});
  std::uint64_t const stored1 = b.op(OpType::ok, OpKind::send, "p1", {placed(1, 0, 1)});
  processed(b, "billing", {msg(2)});  // In offset order: the consumer is not to blame.
  processed(b, "billing", {msg(1)});
  CHECK(ordering_of(b.history()).anomalies ==
        std::vector<Anomaly>{{"reordered",
                              MessageId{1},
                              "",
                              {send1, send2, stored2, stored1},
                              "producer p1 sent message 1 (op 0) before message 2 (op 1), but the "
                              "broker stored them out of send order in topic orders, partition 0: "
                              "message 2 at offset 0 (op 2), message 1 at offset 1 (op 3)"}});
}

TEST_CASE("producer order near misses: partitions, producers, resends, queues",
          "[checker][ordering]") {
  auto const make = [](OrderingScope scope, std::string const& second_producer,
                       std::int32_t second_partition, bool resend) {
    FeatureHistoryBuilder b = ordered(scope);
    if (resend) b.op(OpType::info, OpKind::send, "p1", {msg(1)});  // May have landed first.
    b.op(OpType::invoke, OpKind::send, "p1", {msg(1)});
    b.op(OpType::invoke, OpKind::send, second_producer, {msg(2)});
    b.op(OpType::ok, OpKind::send, second_producer, {placed(2, second_partition, 0)});
    b.op(OpType::ok, OpKind::send, "p1", {placed(1, 0, 1)});
    processed(b, "billing", {msg(2)});
    processed(b, "billing", {msg(1)});
    return b.history();
  };
  CHECK(ordering_of(make(OrderingScope::partition, "p1", 0, false)).anomalies.size() == 1);
  check_valid(make(OrderingScope::partition, "p1", 1, false));
  check_valid(make(OrderingScope::partition, "p2", 0, false));
  check_valid(make(OrderingScope::partition, "p1", 0, true));
  check_valid(make(OrderingScope::queue, "p1", 0, false));
}

TEST_CASE("inconsistent-offsets: two messages at one offset", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  Sent const one = send(b, "p1", placed(1, 0, 0));
  send(b, "p1", placed(2, 1, 0));             // The same offset of another partition is fine.
  polled(b, "billing-0", {placed(1, 0, 0)});  // The same message again is fine.
  std::uint64_t const poll = polled(b, "billing-1", {placed(3, 0, 0)});
  b.op(OpType::fail, OpKind::poll, "billing-2", {placed(4, 0, 0)}, {.group = "billing"});
  Record bare = msg(2);
  bare.offset = Offset{0};  // No partition: it is message 2's, partition 1.
  processed(b, "billing", {bare});
  processed(b, "billing", {msg(1)});
  CHECK(ordering_of(b.history()).anomalies ==
        std::vector<Anomaly>{{"inconsistent-offsets",
                              MessageId{3},
                              "",
                              {one.ok, poll},
                              "topic orders, partition 0, offset 0 holds message 1 according to "
                              "op 1 but message 3 according to op 5"}});
}

TEST_CASE("nonmonotonic-poll: a consumer read an offset again", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  for (std::uint64_t id = 1; id <= 3; ++id) send(b, "p1", placed(id, 0, id - 1));
  std::uint64_t const before = polled(b, "billing-0", {placed(1, 0, 0), placed(2, 0, 1)});
  polled(b, "billing-1", {placed(1, 0, 0)});                // Another consumer: its own position.
  polled(b, "billing-0", {placed(1, 0, 0)}, OpType::info);  // Maybe happened: moves nothing.
  std::uint64_t const again = polled(b, "billing-0", {placed(2, 0, 1), placed(3, 0, 2)});
  processed(b, "billing", {msg(1), msg(2), msg(3)});
  CHECK(ordering_of(b.history()).anomalies ==
        std::vector<Anomaly>{{"nonmonotonic-poll",
                              MessageId{2},
                              "billing",
                              {before, again},
                              "billing-0 read topic orders, partition 0 up to offset 1 (op 6), "
                              "then from offset 1 (op 9): back to an offset it had read, with no "
                              "assign in between"}});
}

TEST_CASE("nonmonotonic-poll near misses: an assign or a restart resets the position",
          "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  for (std::uint64_t id = 1; id <= 2; ++id) send(b, "p1", placed(id, 0, id - 1));
  polled(b, "billing-0", {placed(1, 0, 0), placed(2, 0, 1)});
  b.op(OpType::ok, OpKind::assign, "billing-0", {partitioned(msg(0), 0)}, {.group = "billing"});
  polled(b, "billing-0", {placed(1, 0, 0)});  // A rebalance or seek may go back.
  b.op(OpType::event, OpKind::crash, "billing-0", {});
  b.op(OpType::event, OpKind::restart, "billing-0", {});
  polled(b, "billing-0", {placed(1, 0, 0)});  // Restarted from its committed offset.
  processed(b, "billing", {msg(1), msg(2)});
  check_valid(b.history());
}

TEST_CASE("poll-skip: a consumer jumped over a stored message", "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  send(b, "p1", placed(1, 0, 0));
  Sent const two = send(b, "p1", placed(2, 0, 1));
  send(b, "p1", placed(3, 0, 2));
  std::uint64_t const before = polled(b, "billing-0", {placed(1, 0, 0)});
  std::uint64_t const after = polled(b, "billing-0", {placed(3, 0, 2)});
  processed(b, "billing", {msg(1), msg(3)});
  CHECK(ordering_of(b.history()).anomalies ==
        std::vector<Anomaly>{{"poll-skip",
                              MessageId{2},
                              "billing",
                              {two.ok, before, after},
                              "billing-0 read topic orders, partition 0 up to offset 0 (op 6), "
                              "then from offset 2 (op 7), skipping message 2 at offset 1 (op 3)"}});
}

TEST_CASE("poll-skip near misses: an empty gap, an expired message, an assign",
          "[checker][ordering]") {
  FeatureHistoryBuilder b = ordered(OrderingScope::partition);
  send(b, "p1", placed(1, 0, 0));
  send(b, "p1", placed(3, 0, 2));  // Nothing is known at offset 1 (a transaction marker).
  send(b, "p1", placed(4, 0, 3));
  send(b, "p1", placed(6, 0, 5));
  send(b, "p1", placed(7, 0, 6));
  send(b, "p1", placed(9, 0, 8));
  b.op(OpType::event, OpKind::expire, "broker-0", {placed(4, 0, 3)});
  polled(b, "billing-0", {placed(1, 0, 0)});
  polled(b, "billing-0", {placed(3, 0, 2)});
  polled(b, "billing-0", {placed(6, 0, 5)});  // Message 4 expired (retention).
  b.op(OpType::ok, OpKind::assign, "billing-0", {partitioned(msg(0), 0)}, {.group = "billing"});
  polled(b, "billing-0", {placed(9, 0, 8)});  // Seeked past message 7.
  processed(b, "billing", {msg(1), msg(3), msg(6), msg(9)});
  check_valid(b.history());
}

TEST_CASE("precedence graph: one inversion per cycle, none across ties or concurrency",
          "[checker][ordering]") {
  auto const points = [](std::vector<std::int64_t> const& at) {
    std::vector<Span> spans;
    for (std::size_t i = 0; i < at.size(); ++i) spans.push_back(Span{at[i], at[i], 10 + i, 10 + i});
    return spans;
  };
  std::vector<Span> const broker = points({0, 1, 2, 3, 4, 5, 6});
  // Two swaps, (0, 2) and (4, 6), and an item in place between them.
  std::vector<Span> const processed = points({2, 1, 0, 3, 6, 5, 4});
  CHECK(find_inversions(broker, processed) == std::vector<Inversion>{{0, 2}, {4, 6}});
  CHECK(find_inversions(broker, broker).empty());
  // Tied and overlapping reference spans order nothing, whatever was observed.
  std::vector<Span> const tied{{5, 5, 1, 1}, {5, 5, 2, 2}, {0, 9, 3, 4}};
  CHECK(find_inversions(tied, points({2, 1, 0})).empty());
  CHECK(find_inversions(points({0, 1, 2}), tied).empty());
}

// splitmix64 (Steele, Lea & Flood 2014): a local, seeded generator, as <random> is banned.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }

 private:
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

// A random in-order run: sequential sends over `partitions` partitions (with offsets) or one
// queue (without), then one group processing each partition in order, partitions interleaved.
struct Run {
  std::vector<std::int32_t> partition_of;  // By message id - 1.
  std::vector<std::uint64_t> processing;   // Message ids, in processing order.
};

Run random_run(SplitMix64& rng, bool offsets) {
  Run run;
  std::int32_t const partitions = offsets ? 1 + static_cast<std::int32_t>(rng.below(3)) : 1;
  std::size_t const messages = 2 + rng.below(20);
  std::map<std::int32_t, std::vector<std::uint64_t>> queued;
  for (std::uint64_t id = 1; id <= messages; ++id) {
    run.partition_of.push_back(static_cast<std::int32_t>(rng.below(partitions)));
    queued[run.partition_of.back()].push_back(id);
  }
  std::map<std::int32_t, std::size_t> next;
  while (run.processing.size() < messages) {
    auto const pick = std::next(queued.begin(), static_cast<long>(rng.below(queued.size())));
    std::size_t& at = next[pick->first];
    if (at < pick->second.size()) run.processing.push_back(pick->second[at++]);
  }
  return run;
}

struct Built {
  history::History history;
  std::map<std::uint64_t, Sent> sends;            // By message id.
  std::map<std::uint64_t, std::uint64_t> firsts;  // First processing op, by message id.
};

Built build(Run const& run, bool offsets, SplitMix64& rng) {
  Built built;
  FeatureHistoryBuilder b = ordered(offsets ? OrderingScope::partition : OrderingScope::queue);
  std::map<std::int32_t, std::int64_t> end;
  for (std::uint64_t id = 1; id <= run.partition_of.size(); ++id) {
    std::int32_t const partition = run.partition_of[id - 1];
    Record const record = offsets ? placed(id, partition, end[partition]++) : msg(id);
    built.sends[id] = send(b, "p" + std::to_string(rng.below(2)), record);
  }
  for (std::uint64_t id : run.processing) built.firsts[id] = processed(b, "billing", {msg(id)});
  processed(b, "billing", {msg(run.processing[rng.below(run.processing.size())])});  // Again.
  built.history = b.history();
  return built;
}

TEST_CASE("random in-order runs pass; one swap in a scope is exactly one reordering",
          "[checker][ordering][property]") {
  auto const seed = GENERATE(range<std::uint64_t>(1, 201));
  bool const offsets = seed % 4 != 0;
  CAPTURE(seed, offsets);
  SplitMix64 rng(seed);
  Run run = random_run(rng, offsets);
  check_valid(build(run, offsets, rng).history);
  // Swap the processings of two messages of one partition: i before j in broker order.
  std::size_t const i = rng.below(run.processing.size());
  std::vector<std::size_t> partners;
  for (std::size_t k = i + 1; k < run.processing.size(); ++k) {
    if (run.partition_of[run.processing[k] - 1] == run.partition_of[run.processing[i] - 1])
      partners.push_back(k);
  }
  if (partners.empty()) return;
  std::size_t const j = partners[rng.below(partners.size())];
  std::uint64_t const early = run.processing[i];
  std::uint64_t const late = run.processing[j];
  std::swap(run.processing[i], run.processing[j]);
  Built const built = build(run, offsets, rng);
  Verdict const verdict = ordering_of(built.history);
  std::uint64_t const late_placed = offsets ? built.sends.at(late).ok : built.sends.at(late).invoke;
  std::vector<std::uint64_t> witnesses{built.sends.at(early).ok, late_placed, built.firsts.at(late),
                                       built.firsts.at(early)};
  std::sort(witnesses.begin(), witnesses.end());
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].kind == "reordered");
  CHECK(verdict.anomalies[0].message == MessageId{early});
  CHECK(verdict.anomalies[0].witnesses == witnesses);
}

}  // namespace
}  // namespace mqcheck::checker
