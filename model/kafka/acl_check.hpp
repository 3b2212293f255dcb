// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/acl_check.hpp (layer: model)
// The broker's authorization of client requests (acl.hpp has the rules): Produce needs WRITE
// on the topic, a consumer's Fetch READ on the topic (KafkaApis.handleProduceRequest and
// handleFetchRequest answer an unauthorized partition TOPIC_AUTHORIZATION_FAILED) and, in
// this model, READ on the consumer's group too (GROUP_AUTHORIZATION_FAILED; Kafka checks the
// group at JoinGroup, OffsetFetch and OffsetCommit, on the coordinator).
// https://kafka.apache.org/documentation/#operations_resources_and_protocols
#pragma once

#include <cstdint>

#include "model/kafka/config.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model::kafka {

/// Error::none, or TOPIC_AUTHORIZATION_FAILED when `from` may not WRITE to partition `p`.
Error authorize_produce(ClusterConfig const& cluster, NodeId from, std::uint32_t p);
/// Error::none, TOPIC_AUTHORIZATION_FAILED (no READ on the topic) or
/// GROUP_AUTHORIZATION_FAILED (no READ on its group) for consumer `from` fetching `p`.
Error authorize_fetch(ClusterConfig const& cluster, NodeId from, std::uint32_t p);

}  // namespace mqcheck::model::kafka
