// SPDX-License-Identifier: Apache-2.0
// File: tests/model/kafka_producer_batch_test.cpp
// The producer's record accumulator and the leader's batch append, stepped by hand: records
// pile up in one batch while the request slot is taken (linger.ms=0), linger.ms holds a batch
// back, batch.size closes one, one request carries every partition the broker leads, an
// idempotent batch's base sequence counts records, and the leader appends a batch whole (or
// refuses it whole) and answers a resent batch with its stored copy.
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;
using testing::sent;

constexpr TimerId next_send = 0;

ClusterConfig cluster(std::size_t partitions, std::int32_t min_insync = 1) {
  ClusterConfig c;
  c.brokers = 3;
  c.min_insync = min_insync;
  c.first_broker_node = 10;
  c.controller = NodeId{20};
  for (std::size_t i = 0; i < partitions; ++i) {
    PartitionInfo p;
    p.topic = "orders";
    p.number = static_cast<std::int32_t>(i);
    p.replicas = {0, 1, 2};
    p.min_insync = min_insync;
    c.partitions.push_back(p);
  }
  return c;
}

ProducerConfig producer_config(ClusterConfig const* c) {
  ProducerConfig p;
  p.cluster = c;
  p.topic = "orders";
  for (std::uint32_t i = 0; i < c->partitions.size(); ++i) p.partitions.push_back(i);
  p.first_id = MessageId{1};
  p.messages = 100;
  p.interval = Distribution::constant(milliseconds(1));
  p.idempotence = false;
  p.acks = Acks::all;
  return p;
}

// Starts `p` and tells it broker 0 leads every partition.
void start(Producer& p, ClusterConfig const& c, Output& out) {
  p.on_start(out);
  MetadataResponse meta;
  meta.leaders.assign(c.partitions.size(), 0);
  p.on_message(c.controller, meta, out);
  out.clear();
}

std::vector<ProduceRequest> send_messages(Producer& p, int n, Output& out) {
  for (int i = 0; i < n; ++i) p.on_timer(next_send, out);
  return sent<ProduceRequest>(out);
}

TEST_CASE("linger.ms=0: records sent while the slot is taken pile up into one batch",
          "[kafka][batch]") {
  ClusterConfig const c = cluster(1);
  ProducerConfig config = producer_config(&c);
  config.max_in_flight = 1;
  Producer p(&config);
  Output out;
  start(p, c, out);
  auto first = send_messages(p, 1, out);
  REQUIRE(first.size() == 1);
  REQUIRE(first[0].batches.size() == 1);
  CHECK(first[0].batches[0].records.size() == 1);
  out.clear();
  CHECK(send_messages(p, 3, out).empty());  // The one slot is taken: records wait.
  p.on_message(c.broker_node(0), ProduceResponse{first[0].request, 0, Error::none, Offset{0}},
               out);
  auto const next = sent<ProduceRequest>(out);
  REQUIRE(next.size() == 1);
  REQUIRE(next[0].batches.size() == 1);
  CHECK(next[0].batches[0].records.size() == 3);
  CHECK(next[0].batches[0].records[0].id == MessageId{2});
  CHECK(next[0].batches[0].records[2].id == MessageId{4});
}

TEST_CASE("linger.ms holds a batch until it passes or the batch is full", "[kafka][batch]") {
  ClusterConfig const c = cluster(1);
  ProducerConfig config = producer_config(&c);
  config.linger = milliseconds(5);
  config.batch_size = batch_overhead_bytes + 3 * record_bytes("");  // Three records.
  Producer p(&config);
  Output out;
  start(p, c, out);
  CHECK(send_messages(p, 2, out).empty());
  bool linger_set = false;
  for (SetTimer const& t : out.timers()) linger_set = linger_set || t.id == (linger_timer_kind | 1);
  CHECK(linger_set);
  out.clear();
  p.on_timer(linger_timer_kind | 1, out);  // linger.ms passed: the batch of two goes.
  auto const lingered = sent<ProduceRequest>(out);
  REQUIRE(lingered.size() == 1);
  CHECK(lingered[0].batches[0].records.size() == 2);
  out.clear();
  auto const full = send_messages(p, 4, out);  // The fourth record does not fit: 3 go.
  REQUIRE(full.size() == 1);
  CHECK(full[0].batches[0].records.size() == 3);
}

TEST_CASE("one request carries a batch of every partition the broker leads", "[kafka][batch]") {
  ClusterConfig const c = cluster(3);
  ProducerConfig config = producer_config(&c);
  config.linger = milliseconds(5);
  config.partitioner.kind = PartitionerKind::round_robin;  // Not sticky: spread the records.
  Producer p(&config);
  Output out;
  start(p, c, out);
  CHECK(send_messages(p, 6, out).empty());  // Round-robin: two records per partition.
  p.on_timer(linger_timer_kind | 1, out);   // Partition 0's batch is ready: the node drains.
  auto const reqs = sent<ProduceRequest>(out);
  REQUIRE(reqs.size() == 1);
  REQUIRE(reqs[0].batches.size() == 3);
  for (ProduceBatch const& b : reqs[0].batches) CHECK(b.records.size() == 2);
}

TEST_CASE("an idempotent batch's base sequence counts records", "[kafka][batch]") {
  ClusterConfig const c = cluster(1);
  ProducerConfig config = producer_config(&c);
  config.idempotence = true;
  config.linger = milliseconds(5);
  Producer p(&config);
  Output out;
  start(p, c, out);
  (void)send_messages(p, 3, out);
  p.on_timer(linger_timer_kind | 1, out);
  (void)send_messages(p, 2, out);
  p.on_timer(linger_timer_kind | 2, out);
  auto const reqs = sent<ProduceRequest>(out);
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].batches[0].records[0].sequence == 0);
  CHECK(reqs[0].batches[0].records[2].sequence == 2);
  CHECK(reqs[1].batches[0].records[0].sequence == 3);
  CHECK(reqs[1].batches[0].records[1].sequence == 4);
}

ProduceRequest batch_request(std::uint64_t request, Acks acks, std::uint64_t producer,
                             std::int32_t base_sequence, int records) {
  ProduceRequest r;
  r.request = request;
  r.acks = acks;
  ProduceBatch& b = r.batches.emplace_back();
  for (int i = 0; i < records; ++i) {
    LogRecord& rec = b.records.emplace_back();
    rec.id = MessageId{request * 100 + static_cast<std::uint64_t>(i)};
    rec.producer = producer;
    rec.sequence = producer == 0 ? -1 : base_sequence + i;
  }
  return r;
}

TEST_CASE("the leader appends a batch whole, at consecutive offsets", "[kafka][batch]") {
  ClusterConfig const c = cluster(1);
  Broker leader(&c, 0);
  Output out;
  leader.on_start(out);
  out.clear();
  leader.on_message(NodeId{0}, batch_request(1, Acks::leader, 0, 0, 2), out);
  leader.on_message(NodeId{0}, batch_request(2, Acks::leader, 0, 0, 3), out);
  CHECK(leader.log(0).leo() == Offset{5});
  auto const acks = sent<ProduceResponse>(out);
  REQUIRE(acks.size() == 2);
  CHECK(acks[1].offset == Offset{2});  // The base offset.
  CHECK(leader.log(0).at(Offset{4}).id == MessageId{202});
}

TEST_CASE("NotEnoughReplicas refuses the whole batch", "[kafka][batch]") {
  ClusterConfig c = cluster(1, 4);  // min.insync.replicas above the ISR...
  c.version = Version{3, 6};        // ...and not yet capped by the replication factor (3.7).
  Broker leader(&c, 0);
  Output out;
  leader.on_start(out);
  out.clear();
  leader.on_message(NodeId{0}, batch_request(1, Acks::all, 0, 0, 3), out);
  CHECK(leader.log(0).leo() == Offset{0});
  auto const acks = sent<ProduceResponse>(out);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].error == Error::not_enough_replicas);
}

TEST_CASE("a resent idempotent batch is answered with its stored copy", "[kafka][batch]") {
  ClusterConfig const c = cluster(1);
  Broker leader(&c, 0);
  Output out;
  leader.on_start(out);
  out.clear();
  leader.on_message(NodeId{0}, batch_request(1, Acks::leader, 7, 0, 6), out);
  leader.on_message(NodeId{0}, batch_request(2, Acks::leader, 7, 6, 6), out);
  // The first batch again: its base sequence is no longer among the last 5 records.
  leader.on_message(NodeId{0}, batch_request(3, Acks::leader, 7, 0, 6), out);
  CHECK(leader.log(0).leo() == Offset{12});
  auto const acks = sent<ProduceResponse>(out);
  REQUIRE(acks.size() == 3);
  CHECK(acks[2].error == Error::none);
  CHECK(acks[2].offset == Offset{0});
}

}  // namespace
}  // namespace mqcheck::model::kafka
