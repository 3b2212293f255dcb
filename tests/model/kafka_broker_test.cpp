// SPDX-License-Identifier: Apache-2.0
// A Kafka broker and controller stepped by hand, with no kernel: the HW follows the ISR's
// fetches, acks=all waits for it, the ISR shrinks after replica.lag.time.max.ms only once the
// controller confirms (KIP-497), min.insync.replicas refuses before the append, and the
// controller elects cleanly or uncleanly.
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;

ClusterConfig cluster(std::int32_t min_insync, bool unclean = false) {
  ClusterConfig c;
  c.brokers = 3;
  c.min_insync = min_insync;
  c.first_broker_node = 10;
  c.controller = NodeId{20};
  PartitionInfo p;
  p.topic = "orders";
  p.replicas = {0, 1, 2};
  p.min_insync = min_insync;
  p.unclean_election = unclean;
  c.partitions.push_back(p);
  return c;
}

using testing::sent;

ProduceRequest produce(std::uint64_t request, Acks acks) {
  ProduceRequest r;
  r.request = request;
  r.acks = acks;
  r.record.id = MessageId{request};
  return r;
}

FetchRequest follower_fetch(std::int32_t replica, std::int64_t offset, std::int32_t epoch) {
  FetchRequest f;
  f.request = 100 + static_cast<std::uint64_t>(offset);
  f.replica = replica;
  f.offset = Offset{offset};
  f.last_epoch = epoch;
  return f;
}

TEST_CASE("acks=all is answered when every ISR member has fetched past the record", "[kafka]") {
  ClusterConfig const c = cluster(2);
  Broker leader(&c, 0);
  Output out;
  leader.on_start(out);
  out.clear();
  leader.on_message(NodeId{0}, produce(1, Acks::all), out);
  CHECK(sent<ProduceResponse>(out).empty());
  CHECK(leader.log(0).hw() == Offset{0});
  out.clear();
  leader.on_message(NodeId{11}, follower_fetch(1, 1, 0), out);
  CHECK(leader.log(0).hw() == Offset{0});  // Broker 2 is in the ISR and still at 0.
  CHECK(sent<ProduceResponse>(out).empty());
  leader.on_message(NodeId{12}, follower_fetch(2, 1, 0), out);
  CHECK(leader.log(0).hw() == Offset{1});
  auto const acks = sent<ProduceResponse>(out);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].error == Error::none);
  CHECK(acks[0].offset == Offset{0});
}

TEST_CASE("acks=1 is answered at the append, before any follower has the record", "[kafka]") {
  ClusterConfig const c = cluster(2);
  Broker leader(&c, 0);
  Output out;
  leader.on_start(out);
  out.clear();
  leader.on_message(NodeId{0}, produce(1, Acks::leader), out);
  auto const acks = sent<ProduceResponse>(out);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].error == Error::none);
  CHECK(leader.log(0).hw() == Offset{0});
}

TEST_CASE(
    "a silent follower leaves the ISR once the controller confirms; then "
    "min.insync.replicas refuses acks=all",
    "[kafka]") {
  ClusterConfig c = cluster(3);
  c.replica_lag_max = milliseconds(40);
  Broker leader(&c, 0);
  Output out;
  leader.on_start(out);
  leader.on_message(NodeId{11}, follower_fetch(1, 0, -1), out);
  out.clear();
  for (int tick = 0; tick < 3; ++tick) {
    leader.on_message(NodeId{11}, follower_fetch(1, 0, -1), out);  // Broker 1 keeps fetching.
    leader.on_timer(2, out);                                       // The ISR tick.
  }
  auto const proposals = sent<AlterPartition>(out);
  REQUIRE_FALSE(proposals.empty());
  CHECK(proposals.back().isr == (broker_bit(0) | broker_bit(1)));
  CHECK(leader.isr(0) == (broker_bit(0) | broker_bit(1) | broker_bit(2)));  // Not yet confirmed.
  out.clear();
  leader.on_message(NodeId{20}, LeaderAndIsr{0, 0, 0, broker_bit(0) | broker_bit(1)}, out);
  CHECK(leader.isr(0) == (broker_bit(0) | broker_bit(1)));
  leader.on_message(NodeId{0}, produce(1, Acks::all), out);
  auto const acks = sent<ProduceResponse>(out);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].error == Error::not_enough_replicas);
  CHECK(leader.log(0).leo() == Offset{0});  // Refused before the append.
}

TEST_CASE("a follower with a diverging suffix is told to truncate (KIP-101)", "[kafka]") {
  ClusterConfig const c = cluster(1);
  Broker leader(&c, 1);
  Output out;
  leader.on_start(out);
  leader.on_message(NodeId{20}, LeaderAndIsr{0, 1, 1, broker_bit(1) | broker_bit(2)}, out);
  leader.on_message(NodeId{0}, produce(1, Acks::leader), out);
  out.clear();
  // The old leader had 3 records of epoch 0; the new leader's epoch 1 starts at offset 0.
  leader.on_message(NodeId{10}, follower_fetch(0, 3, 0), out);
  auto const responses = sent<FetchResponse>(out);
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].diverging == Offset{0});
}

TEST_CASE("the controller elects from the ISR, or uncleanly only when allowed", "[kafka]") {
  for (bool const unclean : {false, true}) {
    CAPTURE(unclean);
    ClusterConfig c = cluster(1, unclean);
    c.heartbeat_interval = milliseconds(10);
    c.session_timeout = milliseconds(20);
    Controller ctl(&c);
    Output out;
    ctl.on_start(out);
    // Brokers 1 and 2 fall silent and are fenced; the ISR keeps its last member, broker 0.
    for (int tick = 0; tick < 4; ++tick) {
      ctl.on_message(NodeId{10}, BrokerHeartbeat{0, false}, out);
      ctl.on_timer(1, out);
    }
    CHECK(ctl.isr(0) == broker_bit(0));
    CHECK(ctl.leader(0) == 0);
    // Broker 0 falls silent too, then broker 1 comes back.
    for (int tick = 0; tick < 4; ++tick) ctl.on_timer(1, out);
    CHECK(ctl.leader(0) == no_leader);
    ctl.on_message(NodeId{11}, BrokerHeartbeat{1, true}, out);
    CHECK(ctl.leader(0) == (unclean ? 1 : no_leader));
  }
}

}  // namespace
}  // namespace mqcheck::model::kafka
