// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/partition_log.cpp (layer: model)
// The log's arithmetic: appends (with timestamps and segment rolling), truncation, the
// leader-epoch cache, producer state and the transaction index. Retention's deletions are in
// retention.cpp.
#include "model/kafka/partition_log.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace mqcheck::model::kafka {
namespace {
constexpr std::size_t producer_batches_kept = 5;  // ProducerStateManager: last 5 batches.
}  // namespace

Offset PartitionLog::append(LogRecord const& r) {
  MQCHECK_ASSERT(log_.empty() || r.epoch >= log_.back().epoch);
  Offset const offset = leo();
  if (epochs_.empty() || epochs_.back().first < r.epoch) epochs_.emplace_back(r.epoch, offset);
  log_.push_back(r);
  LogRecord& stored = log_.back();
  if (stored.timestamp < 0) stored.timestamp = now_ms_;
  // LogSegment.shouldRoll (Kafka 2.x Log.maybeRoll, same rule in 3.x/4.x UnifiedLog): roll
  // when the batch would overflow segment.bytes, or when the active segment holds data whose
  // first timestamp is more than segment.ms old (log.roll.jitter.ms is 0 by default).
  Segment const& active = segments_.back();
  std::int64_t const rolling_base =
      active.first_timestamp >= 0 ? active.first_timestamp : active.created_ms;
  if (active.bytes > retention_.segment_bytes - log_record_bytes ||
      (active.bytes > 0 && now_ms_ - rolling_base > retention_.segment_ms)) {
    segments_.push_back(Segment{offset, 0, -1, -1, now_ms_});
  }
  Segment& seg = segments_.back();
  seg.bytes += log_record_bytes;
  if (seg.first_timestamp < 0) seg.first_timestamp = stored.timestamp;
  seg.max_timestamp = std::max(seg.max_timestamp, stored.timestamp);
  remember(stored, offset);
  return offset;
}

// Log.roll: a new empty active segment at the LEO.
void PartitionLog::roll() {
  if (segments_.back().bytes == 0) return;
  segments_.push_back(Segment{leo(), 0, -1, -1, now_ms_});
}

// Recomputes the last segment's size and timestamps from its records (after a truncation).
void PartitionLog::resize_last_segment() {
  Segment& seg = segments_.back();
  seg.bytes = 0;
  seg.first_timestamp = -1;
  seg.max_timestamp = -1;
  for (Offset o = std::max(seg.base, start_); o < leo(); o.value += 1) {
    LogRecord const& r = at(o);
    seg.bytes += log_record_bytes;
    if (seg.first_timestamp < 0) seg.first_timestamp = r.timestamp;
    seg.max_timestamp = std::max(seg.max_timestamp, r.timestamp);
  }
}

Offset PartitionLog::offset_for_timestamp(std::int64_t timestamp, Offset limit) const {
  // The timestamps here only grow (LogAppendTime), so the first match is the earliest offset
  // whose timestamp is >= the target, as Kafka's time index search returns
  // (https://kafka.apache.org/documentation/#consumerapi: KafkaConsumer.offsetsForTimes).
  for (Offset o = start_; o < std::min(limit, leo()); o.value += 1) {
    if (at(o).timestamp >= timestamp) return o;
  }
  return Offset{-1};
}

// ListOffsets (KafkaApis.handleListOffsetRequest): LATEST is the HW for a consumer (the
// model's consumers ask it for auto.offset.reset=latest), EARLIEST the log start offset.
Offset PartitionLog::list_offset(std::int64_t timestamp) const {
  if (timestamp == latest_timestamp) return hw_;
  if (timestamp == earliest_timestamp) return start_;
  return offset_for_timestamp(timestamp, hw_);
}

void PartitionLog::begin_epoch(std::int32_t epoch) {
  if (epochs_.empty() || epochs_.back().first < epoch) epochs_.emplace_back(epoch, leo());
}

// Producer state follows the log (ProducerStateManager): a newer producer epoch resets the
// sequence numbers; a transactional record opens its producer's transaction here unless one is
// open; a marker closes it, and an ABORT marker enters the aborted-transaction index
// (KIP-98, "Transaction Index").
void PartitionLog::remember(LogRecord const& r, Offset offset) {
  if (r.producer == 0) return;
  ProducerState& p = producers_[r.producer];
  if (r.producer_epoch > p.producer_epoch) {
    p.producer_epoch = r.producer_epoch;
    p.last_sequence = -1;
    p.recent.clear();
  }
  if (r.control != Control::data) {
    auto const it = open_.find(r.producer);
    if (it == open_.end()) return;
    if (r.control == Control::abort) aborted_.push_back({r.producer, it->second, offset});
    open_.erase(it);
    return;
  }
  if (r.transactional) open_.try_emplace(r.producer, offset);
  p.last_sequence = r.sequence;
  p.recent.emplace_back(r.sequence, offset);
  if (p.recent.size() > producer_batches_kept) p.recent.erase(p.recent.begin());
}

Offset PartitionLog::lso() const {
  Offset lso = hw_;
  for (auto const& [producer, first] : open_) lso = std::min(lso, first);
  return lso;
}

std::vector<AbortedTxn> PartitionLog::aborted_between(Offset from, Offset to) const {
  std::vector<AbortedTxn> out;
  for (AbortedRange const& a : aborted_) {
    if (a.first < to && a.last >= from) out.push_back({a.producer, a.first});
  }
  return out;
}

// Log.truncateTo: segments above the new end go, the one holding it is cut; an end below the
// log start restarts the log there (truncateFullyAndStartAt).
void PartitionLog::truncate(Offset length) {
  if (length >= leo()) return;
  if (length < start_) return reset_to(Offset{std::max<std::int64_t>(length.value, 0)});
  log_.truncate(static_cast<std::size_t>(length.value - start_.value));
  if (hw_ > leo()) hw_ = leo();
  while (segments_.size() > 1 && segments_.back().base > length) segments_.pop_back();
  resize_last_segment();
  rebuild_caches();
}

void PartitionLog::reset_to(Offset start) {
  log_.clear();
  start_ = start;
  disk_base_ = start;
  hw_ = start;
  segments_.assign(1, Segment{start, 0, -1, -1, now_ms_});
  rebuild_caches();
}

void PartitionLog::advance_start(Offset start) {
  start = std::min(start, leo());
  if (start <= start_) return;
  log_.erase(log_.begin(), log_.begin() + (start.value - start_.value));
  start_ = start;
  hw_ = std::max(hw_, start_);
  while (segments_.size() > 1 && segments_[1].base <= start_) segments_.erase(segments_.begin());
  segments_.front().base = std::max(segments_.front().base, start_);
  truncate_head();
}

// After a truncation the caches are rebuilt from the log itself, as Kafka rebuilds producer
// state from the log (ProducerStateManager.truncateAndReload) and cuts its epoch cache
// (LeaderEpochFileCache.truncateFromEnd).
void PartitionLog::rebuild_caches() {
  epochs_.clear();
  producers_.clear();
  open_.clear();
  aborted_.clear();
  for (std::size_t i = 0; i < log_.size(); ++i) {
    Offset const o{start_.value + static_cast<std::int64_t>(i)};
    if (epochs_.empty() || epochs_.back().first < log_[i].epoch) {
      epochs_.emplace_back(log_[i].epoch, o);
    }
    remember(log_[i], o);
  }
}

// After the head of the log was deleted: the epoch cache keeps its entries, the first one
// moved up to the new log start (LeaderEpochFileCache.truncateFromStart), so a follower's
// epoch check still finds where epochs end; producer and transaction state is rebuilt from
// what remains (ProducerStateManager.truncateHead).
void PartitionLog::truncate_head() {
  while (epochs_.size() > 1 && epochs_[1].second <= start_) epochs_.erase(epochs_.begin());
  if (!epochs_.empty() && epochs_.front().second < start_) epochs_.front().second = start_;
  auto const epochs = epochs_;
  rebuild_caches();
  epochs_ = epochs;
}

void PartitionLog::advance_hw(Offset hw) {
  hw = std::min(hw, leo());
  if (hw > hw_) hw_ = hw;
}

void PartitionLog::follow_hw(Offset leader_hw) { hw_ = std::min(leader_hw, leo()); }

Offset PartitionLog::end_offset_for_epoch(std::int32_t epoch) const {
  if (epochs_.empty() || epoch < epochs_.front().first) return Offset{-1};
  for (std::size_t i = 0; i < epochs_.size(); ++i) {
    if (epochs_[i].first > epoch) return epochs_[i].second;
  }
  return leo();
}

SequenceCheck PartitionLog::check_sequence(std::uint64_t producer, std::int32_t producer_epoch,
                                           std::int32_t sequence, Offset& offset) const {
  auto const it = producers_.find(producer);
  // KIP-98 fencing: a producer epoch older than the latest this partition has seen (from a
  // newer instance's records or from the markers its InitProducerId made the coordinator
  // write) is refused; a newer epoch starts its sequence numbers again at 0.
  if (it != producers_.end() && producer_epoch < it->second.producer_epoch) {
    return SequenceCheck::fenced;
  }
  if (it != producers_.end() && producer_epoch > it->second.producer_epoch) {
    return sequence == 0 ? SequenceCheck::append : SequenceCheck::out_of_order;
  }
  // A producer id this replica has no state for must start at sequence 0; otherwise its
  // state was lost (truncated away, or a power loss took the log) and the answer is
  // UNKNOWN_PRODUCER_ID, from which the producer recovers (KIP-360).
  if (it == producers_.end()) {
    return sequence == 0 ? SequenceCheck::append : SequenceCheck::unknown_producer;
  }
  ProducerState const& p = it->second;
  if (sequence == p.last_sequence + 1) return SequenceCheck::append;
  for (auto const& [seq, at] : p.recent) {
    if (seq == sequence) {
      offset = at;
      return SequenceCheck::duplicate;
    }
  }
  return SequenceCheck::out_of_order;
}

void PartitionLog::hash_into(Hasher& h) const {
  h.add_each(log_, [](Hasher& g, LogRecord const& r) {
    g.add(r.id.value);
    g.add(static_cast<std::uint64_t>(r.epoch));
    g.add(r.producer);
    g.add(static_cast<std::uint64_t>(r.sequence));
    g.add(static_cast<std::uint64_t>(r.producer_epoch));
    g.add(r.transactional ? 1 : 0);
    g.add(static_cast<std::uint64_t>(r.control));
    g.add(static_cast<std::uint64_t>(r.timestamp));
  });
  h.add(static_cast<std::uint64_t>(start_.value));
  h.add(static_cast<std::uint64_t>(now_ms_));
  h.add_each(segments_, [](Hasher& g, Segment const& s) {
    g.add(static_cast<std::uint64_t>(s.base.value));
    g.add(static_cast<std::uint64_t>(s.created_ms));
  });
  h.add(static_cast<std::uint64_t>(hw_.value));
  h.add_each(epochs_, [](Hasher& g, auto const& e) {
    g.add(static_cast<std::uint64_t>(e.first));
    g.add(static_cast<std::uint64_t>(e.second.value));
  });
}

}  // namespace mqcheck::model::kafka
