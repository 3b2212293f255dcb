// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/messages.hpp (layer: model)
// The Kafka model's wire protocol and disk records, after Kafka's own requests: Produce,
// Fetch (replicas and consumers alike), ListOffsets, Metadata, OffsetCommit, OffsetFetch,
// the controller's LeaderAndIsr, AlterPartition (KIP-497) and broker heartbeats (KIP-631), the
// classic consumer group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), and
// the transaction protocol of KIP-98/KIP-447 (InitProducerId, AddPartitionsToTxn,
// TxnOffsetCommit, EndTxn, WriteTxnMarkers). Partitions are named by their global index into
// ClusterConfig::partitions; transactional ids by their index into
// ClusterConfig::transactional_ids. All plain values.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "core/hash.hpp"
#include "core/strong_id.hpp"
#include "model/common/boxed.hpp"
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
  producer_fenced,             // PRODUCER_FENCED: a newer epoch exists (fatal to the client).
  concurrent_transactions,     // CONCURRENT_TRANSACTIONS: the previous transaction is completing.
  invalid_txn_state,           // INVALID_TXN_STATE: e.g. EndTxn commit of an aborting transaction.
  rebalance_in_progress,       // REBALANCE_IN_PROGRESS: the group is rebalancing; rejoin.
  illegal_generation,          // ILLEGAL_GENERATION: a request of an earlier group generation.
  unknown_member_id,           // UNKNOWN_MEMBER_ID: the coordinator does not know the member.
  topic_authorization_failed,  // TOPIC_AUTHORIZATION_FAILED: not retriable (acl_check.hpp).
  group_authorization_failed,  // GROUP_AUTHORIZATION_FAILED: not retriable.
  fenced_instance_id,  // FENCED_INSTANCE_ID: another member took this group.instance.id; fatal.
  // INVALID_PRODUCER_EPOCH: from 2.7 the leader's answer to a produce with a stale epoch
  // (KIP-588); the client's transaction becomes abortable, not fatal (txn_session.cpp).
  invalid_producer_epoch,
};
char const* error_name(Error e);

/// What a log record is: data, or a transaction marker (a control record, KIP-98).
enum class Control : std::uint8_t { data, commit, abort };

/// One record in a partition's log. `producer` 0 means a non-idempotent producer. A
/// transactional record carries its producer's epoch; a marker (control != data) has id 0 and
/// closes its producer's open transaction in this partition.
// Members ordered by size (40 bytes, not 48 with padding): every message is kept in three
// replicas' logs and, inside Entry, on three disks, so at 1M messages a byte here is 6 MB.
struct LogRecord {
  MessageId id;
  std::uint64_t producer = 0;
  // Milliseconds of the leader's clock at the append (LogAppendTime; partition_log.hpp):
  // what time retention and ListOffsets by timestamp read. -1: not stamped yet.
  std::int64_t timestamp = -1;
  std::int32_t epoch = 0;  // The leader epoch it was appended in (KIP-101).
  std::int32_t sequence = -1;
  std::int32_t producer_epoch = 0;  // Bumped by InitProducerId (fencing) and, from 4.0, per txn.
  bool transactional = false;
  Control control = Control::data;
  bool operator==(LogRecord const&) const = default;
};

/// One partition's record batch in a produce request (Kafka's RecordBatch): records in order,
/// the first carrying the batch's base sequence, the others the next ones (sequence numbers
/// count records). The leader appends a batch whole or not at all.
struct ProduceBatch {
  std::uint32_t partition = 0;
  std::vector<LogRecord> records;
  bool operator==(ProduceBatch const&) const = default;
};
/// A produce request: with `batches` empty, one record (`record`) for `partition` (how the
/// transactional session sends); otherwise at most one batch per partition, for partitions the
/// receiving broker leads (RecordAccumulator.drain). The leader answers each partition with a
/// ProduceResponse of its own, echoing `request` and the partition.
struct ProduceRequest {
  std::uint64_t request = 0;  // Unique per producer; the response echoes it.
  std::uint32_t partition = 0;
  Acks acks = Acks::all;
  LogRecord record;  // epoch is set by the leader.
  std::vector<ProduceBatch> batches;
  bool operator==(ProduceRequest const&) const = default;
};
struct ProduceResponse {
  std::uint64_t request = 0;
  std::uint32_t partition = 0;
  Error error = Error::none;
  Offset offset;  // The batch's base offset: its first record's.
  // throttle_time_ms (KIP-219, produce v6+): how long the client must not send to this broker;
  // KafkaApis.handleProduceRequest's sendResponseCallback puts the quota's throttle time in the
  // response, and NetworkClient.maybeThrottle holds the connection that long. 0: none.
  std::int64_t throttle_ms = 0;
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
  bool read_committed = false;  // isolation.level: read up to the LSO, not the HW (KIP-98).
  bool operator==(FetchRequest const&) const = default;
};
/// An aborted transaction overlapping a read_committed fetch (the broker's aborted-transaction
/// index, KIP-98): producer `producer`'s records from `first` up to its ABORT marker.
struct AbortedTxn {
  std::uint64_t producer = 0;
  Offset first;
  bool operator==(AbortedTxn const&) const = default;
};
struct FetchResponse {
  std::uint64_t request = 0;
  std::uint32_t partition = 0;
  Error error = Error::none;
  Offset offset;  // Echo of the request's offset: records start here.
  std::int32_t leader_epoch = 0;
  Offset high_watermark;
  Offset diverging{-1};  // >= 0: the follower must truncate to this offset first.
  Offset log_start{0};   // The leader's log start offset (retention moves it up).
  std::vector<LogRecord> records;
  std::vector<AbortedTxn> aborted;  // read_committed fetches only.
  // throttle_time_ms (KIP-219, fetch v8+): a consumer over its consumer_byte_rate gets an
  // empty answer carrying the throttle, and sends this broker nothing for that long (quota.cpp).
  std::int64_t throttle_ms = 0;
  bool operator==(FetchResponse const&) const = default;
};

/// ListOffsets' special timestamps (ListOffsetsRequest.LATEST_TIMESTAMP / EARLIEST_TIMESTAMP).
constexpr std::int64_t latest_timestamp = -1;
constexpr std::int64_t earliest_timestamp = -2;
/// ListOffsets: the latest offset (consumers: the high watermark), the log start offset, or
/// (timestamp >= 0, offsetsForTimes) the earliest offset whose timestamp is >= timestamp.
struct ListOffsetsRequest {
  std::uint64_t request = 0;
  std::uint32_t partition = 0;
  std::int64_t timestamp = latest_timestamp;
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
/// A consumer's commit. A group member sends its member id and generation (the coordinator
/// fences stale ones); an `assign` consumer sends generation -1 (the group only stores offsets).
struct OffsetCommitRequest {
  std::uint64_t request = 0;
  std::uint32_t group = 0;
  std::vector<PartitionOffset> offsets;
  std::int32_t generation = -1;
  std::uint64_t member = 0;
  bool operator==(OffsetCommitRequest const&) const = default;
};
struct OffsetCommitResponse {
  std::uint64_t request = 0;
  Error error = Error::none;
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

// The classic consumer group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup; the
// coordinator lives on the controller here). Member ids are the coordinator's (0: none yet).
struct JoinGroupRequest {
  std::uint64_t request = 0;
  std::uint32_t group = 0;
  std::uint64_t member = 0;
  DurationUs session_timeout{};    // session.timeout.ms
  DurationUs rebalance_timeout{};  // max.poll.interval.ms (KIP-62)
  std::string instance;            // group.instance.id (KIP-345); empty: a dynamic member.
  bool operator==(JoinGroupRequest const&) const = default;
};
struct JoinGroupResponse {
  std::uint64_t request = 0;
  Error error = Error::none;
  std::int32_t generation = -1;
  std::uint64_t member = 0;
  std::uint64_t leader = 0;
  std::vector<std::uint64_t> members;  // The leader only: every member, ascending.
  bool operator==(JoinGroupResponse const&) const = default;
};
struct MemberAssignment {
  std::uint64_t member = 0;
  std::vector<std::uint32_t> partitions;
  bool operator==(MemberAssignment const&) const = default;
};
struct SyncGroupRequest {
  std::uint64_t request = 0;
  std::uint32_t group = 0;
  std::int32_t generation = -1;
  std::uint64_t member = 0;
  std::vector<MemberAssignment> assignments;  // The leader's; empty from the others.
  bool operator==(SyncGroupRequest const&) const = default;
};
struct SyncGroupResponse {
  std::uint64_t request = 0;
  Error error = Error::none;
  std::vector<std::uint32_t> partitions;  // This member's assignment.
  bool operator==(SyncGroupResponse const&) const = default;
};
struct HeartbeatRequest {
  std::uint32_t group = 0;
  std::int32_t generation = -1;
  std::uint64_t member = 0;
  bool operator==(HeartbeatRequest const&) const = default;
};
struct HeartbeatResponse {
  std::int32_t generation = -1;  // Echo of the request's.
  Error error = Error::none;
  bool operator==(HeartbeatResponse const&) const = default;
};
struct LeaveGroupRequest {
  std::uint32_t group = 0;
  std::uint64_t member = 0;
  bool operator==(LeaveGroupRequest const&) const = default;
};

// The transaction protocol (KIP-98; the coordinator lives on the controller here). Every
// request names the transactional id; every answer echoes the request number.
struct InitProducerIdRequest {
  std::uint64_t request = 0;
  std::uint32_t txn_id = 0;
  std::int64_t timeout_ms = 60'000;  // The producer's transaction.timeout.ms.
  bool operator==(InitProducerIdRequest const&) const = default;
};
struct InitProducerIdResponse {
  std::uint64_t request = 0;
  Error error = Error::none;
  std::uint64_t producer = 0;
  std::int32_t producer_epoch = 0;
  bool operator==(InitProducerIdResponse const&) const = default;
};
struct AddPartitionsToTxnRequest {
  std::uint64_t request = 0;
  std::uint32_t txn_id = 0;
  std::uint64_t producer = 0;
  std::int32_t producer_epoch = 0;
  std::uint32_t partition = 0;
  bool operator==(AddPartitionsToTxnRequest const&) const = default;
};
/// AddOffsetsToTxn and TxnOffsetCommit in one (KIP-98, KIP-447): the consumed positions to
/// commit with the transaction.
struct TxnOffsetCommitRequest {
  std::uint64_t request = 0;
  std::uint32_t txn_id = 0;
  std::uint64_t producer = 0;
  std::int32_t producer_epoch = 0;
  std::uint32_t group = 0;
  std::vector<PartitionOffset> offsets;
  bool operator==(TxnOffsetCommitRequest const&) const = default;
};
struct EndTxnRequest {
  std::uint64_t request = 0;
  std::uint32_t txn_id = 0;
  std::uint64_t producer = 0;
  std::int32_t producer_epoch = 0;
  bool commit = true;
  bool operator==(EndTxnRequest const&) const = default;
};
/// The answer to AddPartitionsToTxn, TxnOffsetCommit and EndTxn. `producer_epoch`: the epoch
/// to use next (KIP-890 part 2 bumps it at every EndTxn).
struct TxnResponse {
  std::uint64_t request = 0;
  Error error = Error::none;
  std::int32_t producer_epoch = 0;
  bool operator==(TxnResponse const&) const = default;
};
/// Coordinator -> partition leader: write a COMMIT or ABORT marker (WriteTxnMarkers).
struct WriteTxnMarkerRequest {
  std::uint32_t txn_id = 0;
  std::uint32_t partition = 0;
  std::uint64_t producer = 0;
  std::int32_t producer_epoch = 0;
  bool commit = true;
  bool operator==(WriteTxnMarkerRequest const&) const = default;
};
struct WriteTxnMarkerResponse {
  std::uint32_t txn_id = 0;
  std::uint32_t partition = 0;
  std::int32_t producer_epoch = 0;
  Error error = Error::none;
  bool operator==(WriteTxnMarkerResponse const&) const = default;
};

/// Partition leader -> transaction coordinator (KIP-890 part 1, txn_verify.hpp): is
/// `partition` in the ongoing transaction of `producer` at `producer_epoch`? Kafka sends it
/// as AddPartitionsToTxn v4+ with VerifyOnly set (KAFKA-14402).
struct VerifyTxnRequest {
  std::uint64_t verify = 0;  // Unique per leader; the response echoes it.
  std::uint32_t txn_id = 0;
  std::uint64_t producer = 0;
  std::int32_t producer_epoch = 0;
  std::uint32_t partition = 0;
  bool operator==(VerifyTxnRequest const&) const = default;
};
struct VerifyTxnResponse {  // Echoes the question: a restarted leader reuses verify ids.
  std::uint64_t verify = 0;
  std::uint32_t partition = 0;
  std::uint64_t producer = 0;
  std::int32_t producer_epoch = 0;
  Error error = Error::none;  // INVALID_TXN_STATE: not in the transaction.
  bool operator==(VerifyTxnResponse const&) const = default;
};

using Message =
    std::variant<ProduceRequest, ProduceResponse, FetchRequest, FetchResponse, ListOffsetsRequest,
                 ListOffsetsResponse, MetadataRequest, MetadataResponse, LeaderAndIsr,
                 AlterPartition, BrokerHeartbeat, OffsetCommitRequest, OffsetCommitResponse,
                 OffsetFetchRequest, OffsetFetchResponse, InitProducerIdRequest,
                 InitProducerIdResponse, AddPartitionsToTxnRequest, TxnOffsetCommitRequest,
                 EndTxnRequest, TxnResponse, WriteTxnMarkerRequest, WriteTxnMarkerResponse,
                 JoinGroupRequest, JoinGroupResponse, SyncGroupRequest, SyncGroupResponse,
                 HeartbeatRequest, HeartbeatResponse, LeaveGroupRequest, VerifyTxnRequest,
                 VerifyTxnResponse>;

/// A transaction's state at its coordinator (TransactionState in Kafka).
enum class TxnPhase : std::uint8_t {
  empty,
  ongoing,
  prepare_commit,
  prepare_abort,
  complete_commit,
  complete_abort,
};

/// The fields of an Entry that only rare entries use: a controller's partition_state (leader ..
/// last_leader), a log restart's log_start (epoch) and a transaction coordinator's txn_state
/// (offsets_group .. offsets). Boxed (common/boxed.hpp): the entries written per message do not
/// carry them.
struct EntryExtra {
  std::int32_t leader = no_leader;             // partition_state
  std::int32_t epoch = 0;                      // partition_state; log_start: 1 = restart
  BrokerSet isr = 0;                           // partition_state
  BrokerSet elr = 0;                           // partition_state (KIP-966)
  std::int32_t last_leader = no_leader;        // partition_state (KIP-966)
  std::uint32_t offsets_group = 0;             // txn_state
  std::vector<std::uint32_t> partitions = {};  // txn_state
  std::vector<PartitionOffset> offsets = {};   // txn_state (group: txn_id; offsets' group above)
  bool operator==(EntryExtra const&) const = default;
  // For the explorer's state hash (explore/value_hash.hpp): every field, a vector as its
  // elements then its length.
  void hash_into(Hasher& h) const {
    h.add(static_cast<std::uint64_t>(static_cast<std::int64_t>(leader)));
    h.add(static_cast<std::uint64_t>(static_cast<std::int64_t>(epoch)));
    h.add(isr);
    h.add(elr);
    h.add(static_cast<std::uint64_t>(static_cast<std::int64_t>(last_leader)));
    h.add(offsets_group);
    h.add_each(partitions, [](Hasher& g, std::uint32_t p) { g.add(p); });
    h.add_each(offsets, [](Hasher& g, PartitionOffset const& o) {
      g.add(o.partition);
      g.add(static_cast<std::uint64_t>(o.offset.value));
    });
  }
};

/// One disk record. Brokers keep one file per partition (file = partition index) of
/// `record` entries; the controller keeps partition states and committed offsets; a
/// producer keeps its progress (`sent`) and boots. The transaction coordinator's log has one
/// `txn_state` entry per state change (txn_id in `group`, producer id in record.producer,
/// epoch in record.producer_epoch, the partitions in `extra.partitions`, the pending offsets in
/// `extra.offsets`).
struct Entry {
  enum class Kind : std::uint8_t {
    record,
    partition_state,
    committed,
    sent,
    boot,
    txn_state,
    log_start,  // A broker's log-start-offset checkpoint (partition, offset; retention.cpp).
  };
  // 72 bytes (144 before the rare fields were boxed; 168 before members were ordered by
  // size): brokers write one entry per record and replica, a producer one per message sent.
  Kind kind = Kind::record;
  TxnPhase phase = TxnPhase::empty;  // txn_state
  std::uint32_t partition = 0;       // partition_state, committed
  std::uint32_t group = 0;           // committed, txn_state (txn id)
  LogRecord record;                  // record
  Offset offset;                     // committed, log_start
  Boxed<EntryExtra> extra;           // partition_state, txn_state
  bool operator==(Entry const&) const = default;

  /// Returns an entry of `kind` with every other field at its default.
  static Entry of(Kind kind) {
    Entry e;
    e.kind = kind;
    return e;
  }
};
static_assert(sizeof(Entry) == 72, "Entry: the per-message disk entry; see the comment above");

}  // namespace mqcheck::model::kafka
