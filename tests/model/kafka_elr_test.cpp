// SPDX-License-Identifier: Apache-2.0
// The controller with and without eligible leader replicas (KIP-966), and the broker's strict
// min ISR (KAFKA-15583), stepped by hand: the "last replica standing" that restarts after an
// unclean shutdown is elected without ELR and refused with it, where an ELR member that kept
// the committed records is elected instead.
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;

ClusterConfig cluster(Version version, bool elr) {
  ClusterConfig c;
  c.version = version;
  c.brokers = 3;
  c.min_insync = 2;
  c.eligible_leader_replicas = elr;
  c.first_broker_node = 10;
  c.controller = NodeId{20};
  c.heartbeat_interval = milliseconds(10);
  c.session_timeout = milliseconds(20);
  PartitionInfo p;
  p.topic = "orders";
  p.replicas = {0, 1, 2};
  p.min_insync = 2;
  c.partitions.push_back(p);
  return c;
}

/// Runs four controller ticks in which only the brokers of `alive` heartbeat.
void ticks(Controller& ctl, std::vector<std::int32_t> const& alive, Output& out) {
  for (int tick = 0; tick < 4; ++tick) {
    for (std::int32_t b : alive) {
      ctl.on_message(NodeId{10 + static_cast<std::uint32_t>(b)}, BrokerHeartbeat{b, false}, out);
    }
    ctl.on_timer(1, out);
  }
}

TEST_CASE("the last ISR member's unclean restart: elected without ELR, an ELR member with it",
          "[kafka][elr]") {
  for (bool const elr : {false, true}) {
    CAPTURE(elr);
    ClusterConfig const c = cluster(Version{4, 1}, elr);
    Controller ctl(&c);
    Output out;
    ctl.on_start(out);
    ticks(ctl, {2}, out);  // Brokers 0 and 1 fall silent and are fenced.
    CHECK(ctl.leader(0) == 2);
    CHECK(ctl.isr(0) == broker_bit(2));
    // Broker 1 left an ISR already under min.insync.replicas=2; broker 0 left one at it.
    CHECK(ctl.elr(0) == (elr ? broker_bit(1) : 0));
    ticks(ctl, {}, out);  // Broker 2, the last replica standing, falls silent too.
    CHECK(ctl.leader(0) == no_leader);
    CHECK(ctl.isr(0) == (elr ? 0 : broker_bit(2)));  // Without ELR the last member stays.
    CHECK(ctl.elr(0) == (elr ? (broker_bit(1) | broker_bit(2)) : 0));
    // Broker 2 restarts after losing its page cache: an unclean shutdown.
    ctl.on_message(NodeId{12}, BrokerHeartbeat{2, true}, out);
    CHECK(ctl.leader(0) == (elr ? no_leader : 2));
    CHECK(ctl.elr(0) == (elr ? broker_bit(1) : 0));
    // Broker 1, cut off but never restarted, heartbeats again.
    ctl.on_message(NodeId{11}, BrokerHeartbeat{1, false}, out);
    CHECK(ctl.leader(0) == 2 - (elr ? 1 : 0));
    if (elr) {
      CHECK(ctl.isr(0) == broker_bit(1));
      CHECK(ctl.elr(0) == 0);
    }
  }
}

TEST_CASE("with ELR, the last known leader is elected when ISR and ELR are both empty",
          "[kafka][elr]") {
  ClusterConfig const c = cluster(Version{4, 1}, true);
  Controller ctl(&c);
  Output out;
  ctl.on_start(out);
  ticks(ctl, {2}, out);
  ticks(ctl, {}, out);
  ctl.on_message(NodeId{12}, BrokerHeartbeat{2, true}, out);  // Broker 2 leaves the ELR.
  ctl.on_message(NodeId{11}, BrokerHeartbeat{1, true}, out);  // So does broker 1.
  CHECK(ctl.elr(0) == 0);
  // Balanced recovery: the leader the partition had when its ISR emptied, broker 2, is live.
  CHECK(ctl.leader(0) == 2);
  CHECK(ctl.isr(0) == broker_bit(2));
}

TEST_CASE("ELR members that rejoin a full-enough ISR leave the ELR", "[kafka][elr]") {
  ClusterConfig const c = cluster(Version{4, 1}, true);
  Controller ctl(&c);
  Output out;
  ctl.on_start(out);
  ticks(ctl, {2}, out);
  REQUIRE(ctl.elr(0) == broker_bit(1));
  ticks(ctl, {1, 2}, out);  // Broker 1 heartbeats again; the leader lets it back in.
  ctl.on_message(NodeId{12}, AlterPartition{0, 2, ctl.epoch(0), broker_bit(1) | broker_bit(2)},
                 out);
  CHECK(ctl.isr(0) == (broker_bit(1) | broker_bit(2)));
  CHECK(ctl.elr(0) == 0);
}

ProduceRequest produce(std::uint64_t request, Acks acks) {
  ProduceRequest r;
  r.request = request;
  r.acks = acks;
  r.record.id = MessageId{request};
  return r;
}

TEST_CASE("from 3.7 the HW stands still while the ISR is under min.insync.replicas",
          "[kafka][elr]") {
  for (Version const v : {Version{3, 6}, Version{3, 7}}) {
    CAPTURE(v.minor);
    ClusterConfig const c = cluster(v, false);
    Broker leader(&c, 0);
    Output out;
    leader.on_start(out);
    leader.on_message(NodeId{20}, LeaderAndIsr{0, 0, 1, broker_bit(0)}, out);
    leader.on_message(NodeId{0}, produce(1, Acks::leader), out);
    REQUIRE(testing::sent<ProduceResponse>(out).size() == 1);  // acks=1: answered anyway.
    CHECK(leader.log(0).hw() == Offset{v.minor >= 7 ? 0 : 1});
  }
}

TEST_CASE("effective min.insync.replicas is capped by the replication factor from 3.7",
          "[kafka][elr]") {
  PartitionInfo p;
  p.replicas = {0, 1};
  p.min_insync = 3;
  CHECK(effective_min_isr(p, Version{3, 6}) == 3);
  CHECK(effective_min_isr(p, Version{3, 7}) == 2);
}

TEST_CASE("eligible.leader.replicas.version: default by release, refused before 4.0",
          "[kafka][elr]") {
  ConfigMap none;
  SourceMark const where{"t.yaml", 1, 1};
  CHECK_FALSE(parse_cluster_config(none, Version{4, 0}, where).eligible_leader_replicas);
  CHECK(parse_cluster_config(none, Version{4, 1}, where).eligible_leader_replicas);
  ConfigMap on;
  on["eligible.leader.replicas.version"] = ConfigValue{"1", {"t.yaml", 3, 3}};
  CHECK(parse_cluster_config(on, Version{4, 0}, where).eligible_leader_replicas);
  CHECK_THROWS_WITH(parse_cluster_config(on, Version{3, 9}, where), Catch::Contains("KIP-966"));
}

}  // namespace
}  // namespace mqcheck::model::kafka
