// SPDX-License-Identifier: Apache-2.0
// Record timestamps (issue 4): with CreateTime, Kafka's default message.timestamp.type, the
// leader keeps the producer's timestamp; with LogAppendTime it stamps its own clock, which is
// the step's simulated time (Out::now); an unstamped record gets the leader's clock either way.
// https://kafka.apache.org/documentation/#topicconfigs_message.timestamp.type
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;

ClusterConfig cluster(bool log_append_time) {
  ClusterConfig c;
  c.brokers = 3;
  c.first_broker_node = 10;
  c.controller = NodeId{20};
  PartitionInfo p;
  p.topic = "orders";
  p.replicas = {0, 1, 2};
  p.retention.log_append_time = log_append_time;
  c.partitions.push_back(p);
  return c;
}

ProduceRequest produce(std::int64_t timestamp) {
  ProduceRequest r;
  r.request = 1;
  r.acks = Acks::leader;
  r.record.id = MessageId{1};
  r.record.timestamp = timestamp;
  return r;
}

std::int64_t stamped(bool log_append_time, std::int64_t create_time) {
  ClusterConfig const c = cluster(log_append_time);
  Broker leader(&c, 0);
  Output out;
  leader.on_start(out);
  out.clear();
  out.set_now(SimTimeUs{7'500});  // 7 ms and a half: the clock counts whole milliseconds.
  leader.on_message(NodeId{0}, produce(create_time), out);
  REQUIRE(leader.log(0).leo() == Offset{1});
  return leader.log(0).at(Offset{0}).timestamp;
}

TEST_CASE("CreateTime keeps the producer's timestamp", "[kafka]") {
  CHECK(stamped(false, 3) == 3);
}

TEST_CASE("LogAppendTime replaces it with the leader's clock", "[kafka]") {
  CHECK(stamped(true, 3) == 7);
}

TEST_CASE("an unstamped record gets the leader's clock", "[kafka]") {
  CHECK(stamped(false, -1) == 7);
}

// A producer with max.in.flight 1: its first record leaves at once, the next two wait in one
// batch for the slot; each keeps the time send() took it, not the time the batch left.
TEST_CASE("the producer stamps each record with its send time (CreateTime)", "[kafka]") {
  ClusterConfig const c = cluster(false);
  ProducerConfig config;
  config.cluster = &c;
  config.topic = "orders";
  config.partitions = {0};
  config.first_id = MessageId{1};
  config.messages = 10;
  config.interval = Distribution::constant(milliseconds(1));
  config.idempotence = false;
  config.max_in_flight = 1;
  Producer p(&config);
  Output out;
  p.on_start(out);
  MetadataResponse meta;
  meta.leaders.assign(1, 0);
  p.on_message(c.controller, meta, out);
  std::vector<ProduceRequest> requests;
  for (std::int64_t ms : {2, 4, 9}) {
    out.clear();
    out.set_now(SimTimeUs{ms * 1'000});
    p.on_timer(0, out);  // The next send is due.
    for (auto const& s : out.sends()) {
      if (auto const* r = std::get_if<ProduceRequest>(&s.message)) requests.push_back(*r);
    }
  }
  REQUIRE(requests.size() == 1);
  REQUIRE(requests[0].batches[0].records.size() == 1);
  CHECK(requests[0].batches[0].records[0].timestamp == 2);
  out.clear();
  out.set_now(SimTimeUs{20'000});
  p.on_message(c.broker_node(0), ProduceResponse{requests[0].request, 0, Error::none, Offset{0}},
               out);
  std::vector<ProduceRequest> next;
  for (auto const& s : out.sends()) {
    if (auto const* r = std::get_if<ProduceRequest>(&s.message)) next.push_back(*r);
  }
  REQUIRE(next.size() == 1);
  REQUIRE(next[0].batches[0].records.size() == 2);
  CHECK(next[0].batches[0].records[0].timestamp == 4);
  CHECK(next[0].batches[0].records[1].timestamp == 9);
}

}  // namespace
}  // namespace mqcheck::model::kafka
