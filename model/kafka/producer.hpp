// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/producer.hpp (layer: model)
// A Kafka producer (one record per request: batching is not modelled). It picks a partition
// (murmur2 of the key, as the default partitioner; round-robin without a key), sends to the
// partition's leader as metadata says, and keeps at most max.in.flight.requests.per.connection
// requests open per broker. acks=0 counts a send as done when it leaves; acks=1 and all wait
// for the response. Retriable errors and request.timeout.ms expiry resend after
// retry.backoff.ms, up to `retries`, until delivery.timeout.ms; then the outcome is unknown
// (info), or `fail` when the broker refused before writing. With idempotence each record
// carries the producer id and a per-partition sequence number (KIP-98), so the leader drops
// resent duplicates and refuses gaps: no duplicates, no reordering. With transactional.id
// (producer_txn.cpp) it sends through a TxnSession instead: transactions of `transaction.
// messages` records, every `abort_every`-th aborted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/hash.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "model/kafka/config.hpp"
#include "model/kafka/messages.hpp"
#include "model/kafka/txn_session.hpp"

namespace mqcheck::model::kafka {

/// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as the default partitioner
/// hashes a key: partition = (murmur2(key) & 0x7fffffff) % partitions.
std::uint32_t murmur2(std::string_view data);

class Producer {
 public:
  using Output = Out<Message, Entry>;
  explicit Producer(ProducerConfig const* config);

  void on_start(Output& out);
  void on_recover(Disk<Entry> const& disk, Output& out);
  void on_message(NodeId from, Message const& message, Output& out);
  void on_timer(TimerId timer, Output& out);

  void hash_into(Hasher& h) const;
  bool operator==(Producer const& o) const {
    return next_ == o.next_ && pending_ == o.pending_ && leaders_ == o.leaders_ &&
           sequences_ == o.sequences_ && in_flight_ == o.in_flight_ &&
           producer_id_ == o.producer_id_ && session_ == o.session_ && send_due_ == o.send_due_ &&
           txn_sent_ == o.txn_sent_ && txns_ == o.txns_ && requests_ == o.requests_ &&
           next_request_ == o.next_request_ && round_robin_ == o.round_robin_ &&
           metadata_pending_ == o.metadata_pending_;
  }
  /// The transactional session, when transactional.id is set (for tests).
  TxnSession const* session() const { return session_ ? &*session_ : nullptr; }

 private:
  struct Pending {
    std::uint32_t partition = 0;  // Global partition index.
    std::int32_t sequence = -1;
    std::int64_t attempts = 0;  // Resends so far.
    std::uint64_t request = 0;  // The open request, 0 when none.
    std::int32_t broker = -1;   // Where the open request went.
    bool backing_off = false;
    bool sent = false;            // Sent at least once.
    bool awaiting_order = false;  // Refused for its sequence; resent once it is the oldest.
    std::string key;
    bool operator==(Pending const&) const = default;
  };
  void send_next(Output& out);
  void pump(Output& out);
  void send_one(MessageId id, Pending& p, Output& out);
  void on_response(ProduceResponse const& resp, Output& out);
  void retry(MessageId id, Error error, Output& out);
  void finish(MessageId id, history::OpType type, Offset offset, std::string detail, Output& out);
  void refresh_metadata(Output& out);
  void restart_sequences(std::uint32_t partition, Output& out);
  std::uint64_t oldest_of(std::uint32_t partition) const;
  history::Record record(MessageId id, std::string const& key) const;
  std::uint32_t pick_partition(std::string& key);
  // Transactional mode (producer_txn.cpp).
  void txn_start(Output& out);
  void txn_drive(Output& out);

  ProducerConfig const* config_;
  std::int64_t next_ = 0;                            // Index of the next message to send.
  std::map<std::uint64_t, Pending> pending_;         // By message id: oldest first.
  std::map<std::uint64_t, std::uint64_t> requests_;  // Open request -> message id.
  std::vector<std::int32_t> leaders_;                // By global partition; from metadata.
  std::vector<std::int32_t> sequences_;              // Next sequence number, by global partition.
  std::vector<std::int64_t> in_flight_;              // Open requests by broker.
  std::vector<std::int64_t> unacknowledged_;         // Scratch for pump, by global partition.
  std::vector<bool> blocked_;                        // Scratch for pump, by global partition.
  std::vector<std::int32_t> oldest_sequence_;        // Scratch for pump, by global partition.
  std::uint64_t producer_id_ = 0;                    // 0 without idempotence.
  std::uint64_t next_request_ = 1;
  std::uint32_t round_robin_ = 0;
  bool metadata_pending_ = false;
  std::optional<TxnSession> session_;  // Transactional mode only.
  bool send_due_ = false;              // The next send's time came while the session was busy.
  std::int64_t txn_sent_ = 0;          // Records sent in the open transaction.
  std::int64_t txns_ = 0;              // Transactions begun by this incarnation.
};

}  // namespace mqcheck::model::kafka
