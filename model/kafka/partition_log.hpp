// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/partition_log.hpp (layer: model)
// One replica of one partition: its log of records with their leader epochs, the log end
// offset (LEO), the high watermark (HW), the leader-epoch cache (KIP-101), the idempotent
// producers' last sequence numbers and epochs (KIP-98), and the transaction state: each
// producer's open transaction, the last stable offset (LSO) and the aborted-transaction index;
// and, for retention (issue 4), the log start offset, the segments the log is rolled into and
// the replica's clock that stamps records (LogAppendTime). Pure data and arithmetic; the broker
// decides when to call what. Invariants: log start <= lso <= hw <= leo, the epochs of the
// records never decrease, and the segments tile [log start, leo) in ascending base offsets.
// Every cache is rebuilt from the log itself.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/hash.hpp"
#include "model/common/chunked.hpp"
#include "model/kafka/messages.hpp"
#include "model/kafka/retention.hpp"

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

/// One segment of a log: its base offset, its size in bytes (log_record_bytes per record), its
/// first and largest record timestamps (-1: no record yet) and when it was rolled, in ms.
struct Segment {
  Offset base;
  std::int64_t bytes = 0;
  std::int64_t first_timestamp = -1;
  std::int64_t max_timestamp = -1;
  std::int64_t created_ms = 0;
  bool operator==(Segment const&) const = default;
};

/// What one retention pass deleted: the log start moved from `from` to `to`, dropping
/// `records` (offsets from, from + 1, ...), for `reason`.
struct Deleted {
  RetentionReason reason = RetentionReason::none;
  Offset from;
  Offset to;
  std::vector<LogRecord> records;
};

class PartitionLog {
 public:
  Offset leo() const { return Offset{start_.value + static_cast<std::int64_t>(log_.size())}; }
  Offset hw() const { return hw_; }
  /// The log start offset: the first offset still held (retention moves it up).
  Offset log_start() const { return start_; }
  /// The records held, from the log start.
  Chunked<LogRecord> const& records() const { return log_; }
  /// Returns the record at `o`, which must lie in [log_start(), leo()).
  LogRecord const& at(Offset o) const {
    return log_[static_cast<std::size_t>(o.value - start_.value)];
  }
  std::vector<Segment> const& segments() const { return segments_; }
  /// The offset of the first record of this replica's disk file: 0, or where the log last
  /// restarted wholesale (reset_to). Disk entry i holds offset disk_base() + i.
  Offset disk_base() const { return disk_base_; }

  /// The segment and retention settings this log follows (the topic's).
  void configure(Retention const& retention) { retention_ = retention; }
  /// The replica's clock in ms, which stamps records appended unstamped and judges segment.ms
  /// and retention.ms. The broker moves it to the step's simulated time (Out::now) before it
  /// appends or checks retention.
  std::int64_t clock_ms() const { return now_ms_; }
  void set_clock(std::int64_t ms) { now_ms_ = ms; }
  /// Moves the clock to `ms` unless it is already later (the explorer's time stays 0, and a
  /// recovered log's clock starts at its newest record).
  void advance_clock(std::int64_t ms) { now_ms_ = std::max(now_ms_, ms); }
  /// Returns the epoch of the last record, or -1 when the log is empty.
  std::int32_t last_epoch() const { return log_.empty() ? -1 : log_.back().epoch; }
  /// Returns the latest epoch in the epoch cache (which also holds a leader's own epoch
  /// before it has appended anything), or -1.
  std::int32_t latest_epoch() const { return epochs_.empty() ? -1 : epochs_.back().first; }

  /// Appends `r` at the LEO and returns its offset. An unstamped record (timestamp -1) gets
  /// the clock's time; the active segment rolls first when the record would overflow
  /// segment.bytes or the segment is older than segment.ms (LogSegment.shouldRoll).
  Offset append(LogRecord const& r);
  /// Records that a leader of `epoch` starts at the current LEO (a new leader does this
  /// before it appends, so followers can find where its epoch began).
  void begin_epoch(std::int32_t epoch);
  /// Cuts the log to end at offset `length` (the HW, the segments and the caches follow); below
  /// the log start it restarts the log there (reset_to).
  void truncate(Offset length);
  /// Empties the log and restarts it at `start` (Kafka's truncateFullyAndStartAt: a follower
  /// whose fetch offset fell below its leader's log start).
  void reset_to(Offset start);
  /// Drops the records below `start` (at most the LEO) and the segments wholly below it:
  /// recovery from the log-start checkpoint. No-op when `start` <= log_start().
  void advance_start(Offset start);
  /// One retention pass (retention.cpp): time retention, then size retention, deleting whole
  /// segments from the oldest, never at or above the HW.
  Deleted delete_old_segments();
  /// ListOffsets: the first offset below `limit` whose timestamp is >= `timestamp`, or -1 when
  /// none is (offsetsForTimes then answers null).
  Offset offset_for_timestamp(std::int64_t timestamp, Offset limit) const;
  /// ListOffsets' answer for a consumer: latest_timestamp -> the HW, earliest_timestamp -> the
  /// log start, a timestamp -> offset_for_timestamp below the HW (-1: none).
  Offset list_offset(std::int64_t timestamp) const;
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
  void truncate_head();
  void roll();
  void resize_last_segment();
  std::size_t deletable_segments(RetentionReason reason) const;
  void drop_segments(std::size_t count, Deleted& deleted);

  // From start_. Chunked (model/common/chunked.hpp): a log of a million records grown as a
  // vector was copied twenty times over as it grew.
  Chunked<LogRecord> log_;
  Offset start_{0};
  Offset disk_base_{0};
  Offset hw_{0};
  Retention retention_;
  std::int64_t now_ms_ = 0;
  // Never empty: the last is the active one. Sized, not brace-initialised: GCC 12 at -O3
  // reports a false maybe-uninitialized when copying from an initializer_list.
  std::vector<Segment> segments_ = std::vector<Segment>(1);
  std::vector<std::pair<std::int32_t, Offset>> epochs_;  // (epoch, start offset), ascending.
  std::map<std::uint64_t, ProducerState> producers_;
  std::map<std::uint64_t, Offset> open_;  // Producer -> first offset of its open transaction.
  std::vector<AbortedRange> aborted_;     // Ascending by marker offset.
};

}  // namespace mqcheck::model::kafka
