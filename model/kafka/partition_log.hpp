// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/partition_log.hpp (layer: model)
// One replica of one partition: its log of records with their leader epochs, the log end
// offset (LEO), the high watermark (HW), the leader-epoch cache (KIP-101), the idempotent
// producers' last sequence numbers and epochs (KIP-98), and the transaction state: each
// producer's open transaction, the last stable offset (LSO) and the aborted-transaction index.
// Pure data and arithmetic; the broker decides when to call what. Invariants: lso <= hw <= leo,
// and the epochs of the records never decrease. Every cache is rebuilt from the log itself.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/hash.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model::kafka {

/// How a leader treats a produce request's sequence number.
enum class SequenceCheck : std::uint8_t {
  append,
  duplicate,
  out_of_order,
  unknown_producer,
  fenced,  // The producer's epoch is older than one this partition has seen (KIP-98 fencing).
};

/// An aborted transaction in the index: producer `producer`'s records in [first, last), last
/// being its ABORT marker's offset.
struct AbortedRange {
  std::uint64_t producer = 0;
  Offset first;
  Offset last;
  bool operator==(AbortedRange const&) const = default;
};

class PartitionLog {
 public:
  Offset leo() const { return Offset{static_cast<std::int64_t>(log_.size())}; }
  Offset hw() const { return hw_; }
  std::vector<LogRecord> const& records() const { return log_; }
  LogRecord const& at(Offset o) const { return log_[static_cast<std::size_t>(o.value)]; }
  /// Returns the epoch of the last record, or -1 when the log is empty.
  std::int32_t last_epoch() const { return log_.empty() ? -1 : log_.back().epoch; }
  /// Returns the latest epoch in the epoch cache (which also holds a leader's own epoch
  /// before it has appended anything), or -1.
  std::int32_t latest_epoch() const { return epochs_.empty() ? -1 : epochs_.back().first; }

  /// Appends `r` at the LEO and returns its offset.
  Offset append(LogRecord const& r);
  /// Records that a leader of `epoch` starts at the current LEO (a new leader does this
  /// before it appends, so followers can find where its epoch began).
  void begin_epoch(std::int32_t epoch);
  /// Cuts the log to `length` records (the HW and the caches follow).
  void truncate(Offset length);
  /// Raises the HW to `hw` (capped at the LEO); never lowers it.
  void advance_hw(Offset hw);
  /// Sets the HW as a follower learns it from its leader: min(leader HW, own LEO).
  void follow_hw(Offset leader_hw);

  /// KIP-101: the end offset of `epoch` in this log, i.e. the start offset of the first
  /// epoch above it, or the LEO when no later epoch exists. A follower whose last record has
  /// `epoch` must truncate to this offset if its own log is longer. -1 when `epoch` predates
  /// everything this log knows (the follower truncates to 0).
  Offset end_offset_for_epoch(std::int32_t epoch) const;

  /// Judges an idempotent producer's sequence number (KIP-98; the broker keeps the last 5
  /// batches per producer, ProducerStateManager): the next one appends, a recent one is a
  /// duplicate (answered with its original offset in `offset`), anything else is out of order.
  /// A record of an epoch older than the producer's last one here is fenced; a newer epoch
  /// starts again at sequence 0.
  SequenceCheck check_sequence(std::uint64_t producer, std::int32_t producer_epoch,
                               std::int32_t sequence, Offset& offset) const;

  /// KIP-98: the last stable offset, the first offset of the earliest open transaction, or the
  /// HW when none is open below it. read_committed consumers read only below it.
  Offset lso() const;
  /// Returns the aborted transactions overlapping [from, to), for a read_committed fetch.
  std::vector<AbortedTxn> aborted_between(Offset from, Offset to) const;
  /// Returns true while `producer` has an open transaction in this partition (for tests).
  bool in_transaction(std::uint64_t producer) const { return open_.contains(producer); }

  void hash_into(Hasher& h) const;
  bool operator==(PartitionLog const&) const = default;

 private:
  struct ProducerState {
    std::int32_t producer_epoch = 0;
    std::int32_t last_sequence = -1;
    std::vector<std::pair<std::int32_t, Offset>> recent;  // At most 5: (sequence, offset).
    bool operator==(ProducerState const&) const = default;
  };
  void remember(LogRecord const& r, Offset offset);
  void rebuild_caches();

  std::vector<LogRecord> log_;
  Offset hw_{0};
  std::vector<std::pair<std::int32_t, Offset>> epochs_;  // (epoch, start offset), ascending.
  std::map<std::uint64_t, ProducerState> producers_;
  std::map<std::uint64_t, Offset> open_;  // Producer -> first offset of its open transaction.
  std::vector<AbortedRange> aborted_;     // Ascending by marker offset.
};

}  // namespace mqcheck::model::kafka
