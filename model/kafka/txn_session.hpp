// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/txn_session.hpp (layer: model)
// The transactional side of a Kafka producer client (KafkaProducer's TransactionManager), as
// a component that a transactional producer and a consume-transform-produce consumer embed:
// initTransactions (InitProducerId: get the producer id, bump the epoch, fence older
// instances), beginTransaction, send (AddPartitionsToTxn before the first record to a
// partition, then idempotent produce with the epoch), sendOffsetsToTransaction
// (TxnOffsetCommit, KIP-447), and commitTransaction / abortTransaction (flush, then EndTxn).
// It writes the history ops of a transaction: txn-begin, the sends, txn-commit or txn-abort,
// each with the transaction's `txn` name. A fenced session (PRODUCER_FENCED) is dead, as
// ProducerFencedException is fatal in Kafka. A record unanswered delivery.timeout.ms after its
// send expires (KIP-91): its send completes `info` (or `fail` if never sent) and the
// transaction can only abort; the request may still be on its way to the leader, which is how
// a late produce reaches a partition after its transaction's marker (txn_verify.hpp).
// Simplification: one produce request in flight per partition (so sequence numbers never have
// gaps to recover from).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "model/common/out.hpp"
#include "model/kafka/config.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model::kafka {

class TxnSession {
 public:
  using Output = Out<Message, Entry>;
  enum class State : std::uint8_t { idle, initializing, ready, in_txn, ending, fenced };

  /// `timer_base`: the owner's timer ids at or above it belong to the session.
  TxnSession(TxnClientConfig const* config, TimerId timer_base);

  /// initTransactions: asks the coordinator for the producer id and a new epoch.
  void start(Output& out);
  /// beginTransaction (state ready -> in_txn); records txn-begin.
  void begin(Output& out);
  /// Sends `record` (its history form; id, topic, source set) to global partition `partition`
  /// inside the open transaction; records the send invoke and, later, its completion.
  void send(history::Record record, std::uint32_t partition, Output& out);
  /// sendOffsetsToTransaction: `offsets` of `group` commit with the transaction.
  void send_offsets(std::uint32_t group, std::vector<PartitionOffset> offsets, Output& out);
  /// commitTransaction (commit) or abortTransaction; records txn-commit / txn-abort. A commit
  /// after a failed send aborts instead and completes the txn-commit as `fail`.
  void end(bool commit, Output& out);

  /// Handles a message meant for the session; returns false when it is not one.
  bool on_message(Message const& message, Output& out);
  /// Handles a session timer; returns false when `timer` is not one.
  bool on_timer(TimerId timer, Output& out);
  void set_leaders(std::vector<std::int32_t> const& leaders);
  /// delivery.timeout.ms for the records sent from now on (the config's from the start, so a
  /// transactional producer and a transform expire alike); 0: they never expire.
  void set_delivery_timeout(DurationUs timeout) { delivery_timeout_ = timeout; }

  State state() const { return state_; }
  /// The open (or ending) transaction's history name, "<transactional.id>/<epoch>.<n>".
  std::string const& txn() const { return txn_; }
  /// Returns, once, how the last transaction ended: true committed, false aborted.
  std::optional<bool> take_outcome();

  void hash_into(Hasher& h) const;
  bool operator==(TxnSession const&) const = default;

 private:
  struct Pending {  // One record of the transaction, until answered.
    history::Record record;
    std::uint32_t partition = 0;
    std::int32_t sequence = -1;  // -1: not sent yet.
    std::uint64_t request = 0;   // The open produce request, 0 when none.
    bool backing_off = false;
    bool maybe_written = false;  // An attempt went unanswered: it may be in the log.
    bool operator==(Pending const&) const = default;
  };
  void pump(Output& out);
  void send_add(std::uint32_t partition, Output& out);
  void send_produce(std::uint64_t id, Pending& p, Output& out);
  void on_init(InitProducerIdResponse const& resp, Output& out);
  void on_produced(ProduceResponse const& resp, Output& out);
  void on_txn_response(TxnResponse const& resp, Output& out);
  void maybe_send_end(Output& out);
  void finish_send(std::uint64_t id, history::OpType type, std::string detail, Output& out);
  void finish_end(history::OpType type, std::string detail, Output& out);
  void fenced(Output& out);
  void expire(std::uint64_t id, Output& out);
  void request(Message message, TimerId kind, std::uint64_t value, Output& out);
  void tag(Output& out) const;

  TxnClientConfig const* config_;
  TimerId timer_base_;
  State state_ = State::idle;
  std::uint64_t producer_ = 0;
  std::int32_t epoch_ = 0;
  std::int32_t init_epoch_ = 0;  // The epoch InitProducerId gave: names this session's txns.
  std::int64_t count_ = 0;       // Transactions begun since the init.
  std::string txn_;
  std::vector<std::int32_t> leaders_;
  std::map<std::uint32_t, std::int32_t> sequences_;  // Next sequence by partition.
  std::vector<std::uint32_t> added_;                 // Partitions in the transaction.
  std::map<std::uint64_t, std::uint32_t> adding_;    // Open AddPartitionsToTxn -> partition.
  std::map<std::uint64_t, Pending> pending_;         // By message id, oldest first.
  std::uint64_t offsets_request_ = 0;                // Open TxnOffsetCommit, 0 when none.
  TxnOffsetCommitRequest offsets_;                   // Its content, for a resend.
  bool end_wanted_ = false;
  bool end_commit_ = true;      // What the application asked for.
  bool abortable_ = false;      // A send failed: the transaction can only abort.
  bool reinit_ = false;         // After this abort, InitProducerId again (sequence trouble).
  bool offsets_added_ = false;  // The transaction has offsets (so EndTxn is needed).
  std::uint64_t end_request_ = 0;
  std::uint64_t init_request_ = 0;
  std::optional<bool> outcome_;
  std::uint64_t next_request_ = 1;
  DurationUs delivery_timeout_{};
};

}  // namespace mqcheck::model::kafka
