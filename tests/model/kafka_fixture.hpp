// SPDX-License-Identifier: Apache-2.0
// File: tests/model/kafka_fixture.hpp (tests, layer: model)
// The small Kafka clusters the model tests step by hand: one broker (node 10, broker 0) leading
// partition 0 of "orders", the controller (and transaction coordinator) at node 20, one
// transactional id "tx", and a transactional produce to it; or two brokers each leading one
// partition of "orders" (the throttle tests).
#pragma once

#include <cstdint>

#include "model/kafka/model.hpp"

namespace mqcheck::model::testing {

/// `c` (its version and parsed keys kept) made the one-broker cluster described above.
inline kafka::ClusterConfig one_broker_txn_cluster(kafka::ClusterConfig c) {
  c.brokers = 1;
  c.first_broker_node = 10;
  c.controller = NodeId{20};
  kafka::PartitionInfo p;
  p.topic = "orders";
  p.replicas = {0};
  c.partitions.push_back(p);
  c.transactional_ids = {"tx"};
  return c;
}

/// Two brokers (nodes 10 and 11, the controller at 20); partition p of "orders" is led by
/// broker p alone (replicas {p}, so its HW is its LEO).
inline kafka::ClusterConfig two_broker_cluster() {
  kafka::ClusterConfig c;
  c.brokers = 2;
  c.first_broker_node = 10;
  c.controller = NodeId{20};
  for (std::int32_t i = 0; i < 2; ++i) {
    kafka::PartitionInfo p;
    p.topic = "orders";
    p.number = i;
    p.replicas = {i};
    c.partitions.push_back(p);
  }
  return c;
}

/// A transactional acks=all produce of message `request` (request and message id alike) from
/// `producer` at `epoch` with sequence `seq`.
inline kafka::ProduceRequest txn_produce(std::uint64_t request, std::int32_t seq,
                                         std::uint64_t producer, std::int32_t epoch = 0) {
  kafka::ProduceRequest r;
  r.request = request;
  r.acks = kafka::Acks::all;
  r.record.id = MessageId{request};
  r.record.producer = producer;
  r.record.sequence = seq;
  r.record.producer_epoch = epoch;
  r.record.transactional = true;
  return r;
}

}  // namespace mqcheck::model::testing
