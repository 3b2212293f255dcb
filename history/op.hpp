// SPDX-License-Identifier: Apache-2.0
// File: history/op.hpp (layer: history)
// One operation of a history, Jepsen-shaped: a client op is an `invoke` followed by its
// completion (`ok`, `fail`, or `info` when the outcome is unknown); an `event` is an internal
// broker or fault event recorded for tracing, which delivery checkers do not judge.
// docs/history-format.md is the full contract, for simulated and real histories alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/strong_id.hpp"
#include "core/time.hpp"

namespace mqcheck::history {

enum class OpType : std::uint8_t { invoke, ok, fail, info, event };

/// What the op does (`f` in the file). Client ops first, then internal events.
enum class OpKind : std::uint8_t {
  // Client operations.
  send,        // A producer publishes messages.
  poll,        // A consumer fetches (pull) messages.
  deliver,     // A broker pushes messages to a consumer (push); recorded by the consumer.
  process,     // The consumer application handles a message: the effect the user cares about.
  ack,         // A consumer acknowledges messages (RabbitMQ basic.ack, a reference-queue ack).
  nack,        // A consumer rejects messages (possibly with requeue).
  commit,      // A consumer commits offsets.
  txn_begin,   // Transactions (Kafka transactional producers, RocketMQ half messages).
  txn_commit,
  txn_abort,
  assign,      // A consumer's partitions changed (subscribe rebalance or assign); value: the
               // partitions now held, as records with id 0, topic and partition.
  // Internal events (type `event`).
  append,      // A broker appended messages to its log or queue.
  replicate,   // A replica copied messages.
  fsync,       // A node made its writes durable.
  crash,       // A node lost its volatile state.
  power_loss,  // A node lost its volatile state and its unsynced writes.
  restart,     // A node came back and recovered from its disk.
  pause,       // A node stopped taking steps (GC pause, SIGSTOP).
  resume,
  partition,   // The network started dropping messages between groups of nodes.
  heal,        // The network healed.
  drop,        // The network dropped a message.
  duplicate,   // The network duplicated a message.
  redeliver,   // A broker handed out a message again.
  expire,      // A broker discarded a message (TTL, retention).
  dispatch,    // A broker handed a message to a consumer: the moment of its choice (priority).
};

/// One message as an op sees it. Fields a system does not have stay empty.
struct Record {
  MessageId id;                      // Given by the producer; unique per producer run.
  std::string topic;                 // The topic, exchange or queue the producer addressed.
  std::optional<std::int32_t> partition;  // Kafka partition, RocketMQ message queue.
  std::optional<Offset> offset;           // Where the broker stored it, when it says.
  std::string key;                        // Message key (Kafka key, RocketMQ sharding key).
  std::optional<std::int32_t> priority;   // Message priority (RabbitMQ x-max-priority queues).
  std::optional<SimTimeUs> deliver_after; // Delay: not to be delivered before this time.
  std::string tag;                        // Tag that consumer filters match (RocketMQ tags).
  std::optional<MessageId> source;        // Consume-transform-produce: the input it came from.
  bool operator==(Record const&) const = default;

  /// Returns a record naming message `id` of `topic`, with an offset when the broker gave one.
  static Record of(MessageId id, std::string topic, std::optional<Offset> offset = {},
                   std::optional<std::int32_t> partition = {}) {
    Record r;
    r.id = id;
    r.topic = std::move(topic);
    r.offset = offset;
    r.partition = partition;
    return r;
  }
};

struct Op {
  std::uint64_t index = 0;   // Position in the history, from 0; assigned by History::append.
  SimTimeUs time{};          // Simulated (or harness) time, in the header's unit.
  std::string process;       // Client or node name: "p1", "billing-0", "broker-0".
  OpType type = OpType::invoke;
  OpKind f = OpKind::send;
  std::vector<Record> value; // The messages concerned; empty for a poll invoke.
  std::string group;         // Consumer group (or RabbitMQ queue) for consumer-side ops.
  std::string detail;        // Error name of a `fail`, or words describing an `event`.
  std::string txn;           // The transaction this op belongs to (sends, process, txn-*).
  std::string tenant;        // The client's tenant: RabbitMQ vhost, RocketMQ namespace.
  std::string principal;     // The authenticated user the client acts as.
  bool operator==(Op const&) const = default;
};

/// Returns the file spelling of a type or kind ("invoke", "txn-commit", "power-loss").
std::string_view to_string(OpType type);
std::string_view to_string(OpKind kind);
/// Returns the type or kind spelled `text`, or nothing when no such spelling exists.
std::optional<OpType> op_type_from(std::string_view text);
std::optional<OpKind> op_kind_from(std::string_view text);
/// Returns every spelling, in enum order (for error messages that suggest the nearest one).
std::vector<std::string_view> op_type_names();
std::vector<std::string_view> op_kind_names();

/// Returns true for invoke, ok, fail and info: the ops delivery checkers judge.
inline bool is_client_op(Op const& op) { return op.type != OpType::event; }

}  // namespace mqcheck::history
