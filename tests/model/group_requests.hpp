// SPDX-License-Identifier: Apache-2.0
// File: tests/model/group_requests.hpp (tests, layer: model)
// The group coordinator's tests run it in a one-broker cluster and send JoinGroup and
// SyncGroup by hand: these build the cluster and the requests (session 100 ms, rebalance
// 300 ms).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "model/kafka/config.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model::testing {

/// Kafka 3.7, one broker (node 10), the controller at node 20, topic "orders" with
/// `partitions` partitions on broker 0.
inline kafka::ClusterConfig group_cluster(std::int32_t partitions) {
  kafka::ClusterConfig c;
  c.version = kafka::Version{3, 7};
  c.brokers = 1;
  c.first_broker_node = 10;
  c.controller = NodeId{20};
  for (std::int32_t p = 0; p < partitions; ++p) {
    kafka::PartitionInfo info;
    info.topic = "orders";
    info.number = p;
    info.replicas = {0};
    c.partitions.push_back(info);
  }
  return c;
}

/// A JoinGroup from `member` (0: not yet a member), with `instance` as group.instance.id
/// (empty: a dynamic member).
inline kafka::JoinGroupRequest join_request(std::uint64_t member, std::uint64_t request,
                                     std::string instance = {}) {
  kafka::JoinGroupRequest r;
  r.request = request;
  r.member = member;
  r.session_timeout = milliseconds(100);
  r.rebalance_timeout = milliseconds(300);
  r.instance = std::move(instance);
  return r;
}

/// A SyncGroup for `generation`; the leader's carries the assignments.
inline kafka::SyncGroupRequest sync_request(std::uint64_t member, std::int32_t generation,
                                     std::vector<kafka::MemberAssignment> assignments = {}) {
  kafka::SyncGroupRequest r;
  r.request = 50;
  r.generation = generation;
  r.member = member;
  r.assignments = std::move(assignments);
  return r;
}

}  // namespace mqcheck::model::testing
