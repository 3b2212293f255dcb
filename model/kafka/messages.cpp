// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/messages.cpp (layer: model)
#include "model/kafka/messages.hpp"

namespace mqcheck::model::kafka {

// Kafka's own error names (org.apache.kafka.common.protocol.Errors), as a `fail` or `info`
// send's detail carries them.
char const* error_name(Error e) {
  switch (e) {
    case Error::none:
      return "NONE";
    case Error::not_leader:
      return "NOT_LEADER_OR_FOLLOWER";
    case Error::not_enough_replicas:
      return "NOT_ENOUGH_REPLICAS";
    case Error::not_enough_replicas_after_append:
      return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case Error::out_of_order_sequence:
      return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case Error::unknown_producer_id:
      return "UNKNOWN_PRODUCER_ID";
    case Error::offset_out_of_range:
      return "OFFSET_OUT_OF_RANGE";
    case Error::producer_fenced:
      return "PRODUCER_FENCED";
    case Error::invalid_producer_epoch:
      return "INVALID_PRODUCER_EPOCH";
    case Error::concurrent_transactions:
      return "CONCURRENT_TRANSACTIONS";
    case Error::invalid_txn_state:
      return "INVALID_TXN_STATE";
    case Error::rebalance_in_progress:
      return "REBALANCE_IN_PROGRESS";
    case Error::illegal_generation:
      return "ILLEGAL_GENERATION";
    case Error::unknown_member_id:
      return "UNKNOWN_MEMBER_ID";
    case Error::topic_authorization_failed:
      return "TOPIC_AUTHORIZATION_FAILED";
    case Error::group_authorization_failed:
      return "GROUP_AUTHORIZATION_FAILED";
    case Error::fenced_instance_id:
      return "FENCED_INSTANCE_ID";
  }
  return "UNKNOWN";
}

}  // namespace mqcheck::model::kafka
