// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/producer.hpp (layer: model)
// A Kafka producer with the Java client's record accumulator: send() appends a record to its
// partition's open batch (partitioner.hpp: murmur2 of the key, sticky without one from 2.4);
// a batch is ready when full (batch.size), when linger.ms has passed, or at once with
// linger.ms=0; a broker with a ready batch and a free request slot
// (max.in.flight.requests.per.connection) gets one ProduceRequest holding the first unsent
// batch of every partition it leads (RecordAccumulator.ready/drain). acks=0 counts a batch as
// done when it leaves; acks=1 and all wait for the answer. Retriable errors and
// request.timeout.ms expiry resend the whole batch after retry.backoff.ms, up to `retries`,
// until delivery.timeout.ms (counted from the batch's creation); then the outcome is unknown
// (info), or `fail` when the broker refused before writing or the batch never left. With
// idempotence each batch carries the producer id and a base sequence (sequence numbers count
// records, KIP-98), so the leader drops resent duplicates and refuses gaps: no duplicates, no
// reordering. With transactional.id (producer_txn.cpp) it sends through a TxnSession instead
// (one record per request): transactions of `transaction.messages` records, every
// `abort_every`-th aborted. Batching is in producer_batch.cpp.
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
#include "model/kafka/producer_batch.hpp"
#include "model/kafka/txn_session.hpp"

namespace mqcheck::model::kafka {

/// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as the default partitioner
/// hashes a key: partition = (murmur2(key) & 0x7fffffff) % partitions.
std::uint32_t murmur2(std::string_view data);

struct Quiet;

class Producer {
 public:
  friend struct Quiet;  // The explorer's quiet predicate reads the state (quiet.cpp).
  using Output = Out<Message, Entry>;
  explicit Producer(ProducerConfig const* config);

  void on_start(Output& out);
  void on_recover(Disk<Entry> const& disk, Output& out);
  void on_message(NodeId from, Message const& message, Output& out);
  void on_timer(TimerId timer, Output& out);

  void hash_into(Hasher& h) const;
  bool operator==(Producer const& o) const {
    return next_ == o.next_ && resend_ == o.resend_ && batches_ == o.batches_ && open_ == o.open_ &&
           leaders_ == o.leaders_ && sequences_ == o.sequences_ && in_flight_ == o.in_flight_ &&
           producer_id_ == o.producer_id_ && session_ == o.session_ && send_due_ == o.send_due_ &&
           txn_sent_ == o.txn_sent_ && txns_ == o.txns_ && requests_ == o.requests_ &&
           next_request_ == o.next_request_ && next_batch_ == o.next_batch_ &&
           partitioner_ == o.partitioner_ && metadata_pending_ == o.metadata_pending_ &&
           metadata_at_us_ == o.metadata_at_us_ && throttled_until_ == o.throttled_until_;
  }
  /// The transactional session, when transactional.id is set (for tests).
  TxnSession const* session() const { return session_ ? &*session_ : nullptr; }

 private:
  // Timers and files, shared by producer.cpp and producer_txn.cpp. Per-message and per-batch
  // timers sit above these (producer_batch.cpp), the transactional session's above those.
  static constexpr TimerId next_send_timer = 0;
  static constexpr TimerId metadata_timer = 1;
  static constexpr TimerId txn_init_timer = 2;
  static constexpr TimerId session_timers = TimerId{8} << 48;
  static constexpr FileId progress_file = 0;
  static constexpr FileId boot_file = 1;
  // With `resend_unacknowledged`: the index of each message the application saw acknowledged,
  // kept by the application itself (an outbox it marks), so that it survives the crash.
  static constexpr FileId acked_file = 2;

  struct OpenRequest {  // A produce request awaiting answers.
    std::int32_t broker = -1;
    std::vector<std::uint64_t> batches;  // Batch ids not answered yet.
    bool operator==(OpenRequest const&) const = default;
  };
  // producer.cpp
  void send_next(Output& out);
  void refresh_metadata(Output& out);
  history::Record record(MessageId id, std::string const& key) const;
  history::Record record(std::uint64_t id) const;  // Its key from its index (`keys`).
  void record_into(history::Record& r, MessageId id, std::string const& key) const;
  void record_into(history::Record& r, std::uint64_t id) const;  // Into a default record.
  std::uint32_t pick_partition(std::string& key);
  void on_batch_timer(TimerId kind, std::uint64_t batch, Output& out);
  void plan_resends(Disk<Entry> const& disk);
  void note_acknowledged(std::uint64_t id, Output& out);
  // producer_batch.cpp: the accumulator and the sender.
  bool accumulate(std::uint64_t id, std::uint32_t partition, std::string const& key,
                  Output& out);
  void pump(Output& out);
  bool drain(Output& out);
  void send_request(std::int32_t broker, std::vector<std::uint64_t> const& ids, Output& out);
  void on_response(ProduceResponse const& resp, Output& out);
  void on_request_timeout(std::uint64_t request, Output& out);
  void on_throttle(NodeId broker, std::int64_t throttle_ms, Output& out);
  void retry(std::uint64_t batch, Error error, Output& out);
  void finish(std::uint64_t batch, history::OpType type, Offset base, std::string const& detail,
              Output& out);
  void detach(std::uint64_t batch, Output& out);
  void restart_sequences(std::uint32_t partition, Output& out);
  std::uint64_t oldest_of(std::uint32_t partition) const;
  // Transactional mode (producer_txn.cpp).
  void txn_start(Output& out);
  void txn_drive(Output& out);

  ProducerConfig const* config_;
  std::int64_t next_ = 0;                            // Index of the next message to send.
  // Indices to send again first (resend_unacknowledged), the next at the back: a vector, as an
  // empty std::deque allocates ~600 B and the explorer copies every producer of every state.
  std::vector<std::int64_t> resend_;
  std::map<std::uint64_t, ProducerBatch> batches_;  // By batch id: oldest first.
  std::vector<std::uint64_t> open_;                  // By global partition: open batch, 0 none.
  std::map<std::uint64_t, OpenRequest> requests_;    // By request number.
  std::vector<std::int32_t> leaders_;                // By global partition; from metadata.
  std::vector<std::int32_t> sequences_;              // Next sequence number, by global partition.
  std::vector<std::int64_t> in_flight_;              // Open requests by broker.
  std::vector<SimTimeUs> throttled_until_;           // By broker: no request before (KIP-219).
  std::vector<std::int64_t> unacknowledged_;         // Scratch for drain, by global partition.
  std::vector<bool> blocked_;                        // Scratch for drain, by global partition.
  std::vector<std::uint64_t> candidate_;             // Scratch for drain, by global partition.
  std::vector<ProducerBatch const*> picked_batch_;   // Scratch for drain: candidate_'s batch.
  std::vector<std::uint64_t> picked_;                // Scratch for drain: a request's batch ids.
  std::uint64_t producer_id_ = 0;                    // 0 without idempotence.
  std::uint64_t next_request_ = 1;
  std::uint64_t next_batch_ = 1;
  Partitioner partitioner_;  // partitioner.class by release (partitioner.hpp).
  bool metadata_pending_ = false;
  std::int64_t metadata_at_us_ = -1;   // The last MetadataResponse (lastRefreshMs); -1: none.
  std::optional<TxnSession> session_;  // Transactional mode only.
  bool send_due_ = false;              // The next send's time came while the session was busy.
  std::int64_t txn_sent_ = 0;          // Records sent in the open transaction.
  std::int64_t txns_ = 0;              // Transactions begun by this incarnation.
};

}  // namespace mqcheck::model::kafka
