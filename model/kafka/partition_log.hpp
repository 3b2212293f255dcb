// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/partition_log.hpp (layer: model)
// One replica of one partition: its log of records with their leader epochs, the log end
// offset (LEO), the high watermark (HW), the leader-epoch cache (KIP-101) and the idempotent
// producers' last sequence numbers (KIP-98). Pure data and arithmetic; the broker decides
// when to call what. Invariant: hw <= leo, and the epochs of the records never decrease.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/hash.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model::kafka {

/// How a leader treats a produce request's sequence number.
enum class SequenceCheck : std::uint8_t { append, duplicate, out_of_order, unknown_producer };

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
  SequenceCheck check_sequence(std::uint64_t producer, std::int32_t sequence, Offset& offset) const;

  void hash_into(Hasher& h) const;
  bool operator==(PartitionLog const&) const = default;

 private:
  struct ProducerState {
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
};

}  // namespace mqcheck::model::kafka
