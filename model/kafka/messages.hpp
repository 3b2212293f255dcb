// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/messages.hpp (layer: model)
// The Kafka model's wire protocol and disk records, after Kafka's own requests: Produce,
// Fetch (replicas and consumers alike), ListOffsets, Metadata, OffsetCommit, OffsetFetch,
// and the controller's LeaderAndIsr, AlterPartition (KIP-497) and broker heartbeats (KIP-631).
// Partitions are named by their global index into ClusterConfig::partitions. All plain values.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "core/strong_id.hpp"
#include "model/kafka/config.hpp"

namespace mqcheck::model::kafka {

/// Kafka's error codes, the ones the model returns.
enum class Error : std::uint8_t {
  none,
  not_leader,                        // NOT_LEADER_OR_FOLLOWER: refresh metadata and retry.
  not_enough_replicas,               // Rejected before the append: nothing was written.
  not_enough_replicas_after_append,  // Written, but the ISR fell below min.insync.replicas.
  out_of_order_sequence,             // OUT_OF_ORDER_SEQUENCE_NUMBER (idempotent producer).
  unknown_producer_id,               // UNKNOWN_PRODUCER_ID: the broker lost the producer's state.
  offset_out_of_range,
};
char const* error_name(Error e);

/// One record in a partition's log. `producer` 0 means a non-idempotent producer.
struct LogRecord {
  MessageId id;
  std::int32_t epoch = 0;  // The leader epoch it was appended in (KIP-101).
  std::uint64_t producer = 0;
  std::int32_t sequence = -1;
  bool operator==(LogRecord const&) const = default;
};

struct ProduceRequest {
  std::uint64_t request = 0;  // Unique per producer; the response echoes it.
  std::uint32_t partition = 0;
  Acks acks = Acks::all;
  LogRecord record;  // epoch is set by the leader.
  bool operator==(ProduceRequest const&) const = default;
};
struct ProduceResponse {
  std::uint64_t request = 0;
  std::uint32_t partition = 0;
  Error error = Error::none;
  Offset offset;
  bool operator==(ProduceResponse const&) const = default;
};

/// A follower's fetch (replica >= 0) or a consumer's (replica = -1).
struct FetchRequest {
  std::uint64_t request = 0;
  std::uint32_t partition = 0;
  std::int32_t replica = -1;
  Offset offset;                 // The first offset wanted (a follower: its log end offset).
  std::int32_t last_epoch = -1;  // A follower: the epoch of its last record (KIP-101).
  std::int64_t max_records = 500;
  bool operator==(FetchRequest const&) const = default;
};
struct FetchResponse {
  std::uint64_t request = 0;
  std::uint32_t partition = 0;
  Error error = Error::none;
  Offset offset;  // Echo of the request's offset: records start here.
  std::int32_t leader_epoch = 0;
  Offset high_watermark;
  Offset diverging{-1};  // >= 0: the follower must truncate to this offset first.
  std::vector<LogRecord> records;
  bool operator==(FetchResponse const&) const = default;
};

struct ListOffsetsRequest {  // The latest offset (consumers: the high watermark).
  std::uint64_t request = 0;
  std::uint32_t partition = 0;
  bool operator==(ListOffsetsRequest const&) const = default;
};
struct ListOffsetsResponse {
  std::uint64_t request = 0;
  std::uint32_t partition = 0;
  Error error = Error::none;
  Offset offset;
  bool operator==(ListOffsetsResponse const&) const = default;
};

struct MetadataRequest {
  bool operator==(MetadataRequest const&) const = default;
};
struct MetadataResponse {
  std::vector<std::int32_t> leaders;  // By partition index; no_leader when offline.
  bool operator==(MetadataResponse const&) const = default;
};

/// Controller -> broker: the partition's leader, epoch and ISR. Epochs only grow.
struct LeaderAndIsr {
  std::uint32_t partition = 0;
  std::int32_t leader = no_leader;
  std::int32_t epoch = 0;
  BrokerSet isr = 0;
  bool operator==(LeaderAndIsr const&) const = default;
};
/// Leader -> controller: a proposed ISR (KIP-497); applied when the controller confirms it.
struct AlterPartition {
  std::uint32_t partition = 0;
  std::int32_t leader = 0;
  std::int32_t epoch = 0;
  BrokerSet isr = 0;
  bool operator==(AlterPartition const&) const = default;
};
struct BrokerHeartbeat {  // Broker -> controller, every broker.heartbeat.interval.ms.
  std::int32_t broker = 0;
  bool registering = false;  // Just (re)started: a new incarnation (KIP-631 registration).
  bool operator==(BrokerHeartbeat const&) const = default;
};

struct PartitionOffset {
  std::uint32_t partition = 0;
  Offset offset;  // Committed offset: the next record to read. -1: none committed.
  bool operator==(PartitionOffset const&) const = default;
};
struct OffsetCommitRequest {
  std::uint64_t request = 0;
  std::uint32_t group = 0;
  std::vector<PartitionOffset> offsets;
  bool operator==(OffsetCommitRequest const&) const = default;
};
struct OffsetCommitResponse {
  std::uint64_t request = 0;
  bool operator==(OffsetCommitResponse const&) const = default;
};
struct OffsetFetchRequest {
  std::uint64_t request = 0;
  std::uint32_t group = 0;
  std::vector<std::uint32_t> partitions;
  bool operator==(OffsetFetchRequest const&) const = default;
};
struct OffsetFetchResponse {
  std::uint64_t request = 0;
  std::vector<PartitionOffset> offsets;
  bool operator==(OffsetFetchResponse const&) const = default;
};

using Message =
    std::variant<ProduceRequest, ProduceResponse, FetchRequest, FetchResponse, ListOffsetsRequest,
                 ListOffsetsResponse, MetadataRequest, MetadataResponse, LeaderAndIsr,
                 AlterPartition, BrokerHeartbeat, OffsetCommitRequest, OffsetCommitResponse,
                 OffsetFetchRequest, OffsetFetchResponse>;

/// One disk record. Brokers keep one file per partition (file = partition index) of
/// `record` entries; the controller keeps partition states and committed offsets; a
/// producer keeps its progress (`sent`) and boots.
struct Entry {
  enum class Kind : std::uint8_t { record, partition_state, committed, sent, boot };
  Kind kind = Kind::record;
  LogRecord record;                 // record
  std::uint32_t partition = 0;      // partition_state, committed
  std::int32_t leader = no_leader;  // partition_state
  std::int32_t epoch = 0;           // partition_state
  BrokerSet isr = 0;                // partition_state
  std::uint32_t group = 0;          // committed
  Offset offset;                    // committed
  bool operator==(Entry const&) const = default;
};

}  // namespace mqcheck::model::kafka
