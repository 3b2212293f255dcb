// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/partition_log.cpp (layer: model)
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
  remember(r, offset);
  return offset;
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

void PartitionLog::truncate(Offset length) {
  if (length >= leo()) return;
  log_.resize(static_cast<std::size_t>(std::max<std::int64_t>(length.value, 0)));
  if (hw_ > leo()) hw_ = leo();
  rebuild_caches();
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
    Offset const o{static_cast<std::int64_t>(i)};
    if (epochs_.empty() || epochs_.back().first < log_[i].epoch) {
      epochs_.emplace_back(log_[i].epoch, o);
    }
    remember(log_[i], o);
  }
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
  });
  h.add(static_cast<std::uint64_t>(hw_.value));
  h.add_each(epochs_, [](Hasher& g, auto const& e) {
    g.add(static_cast<std::uint64_t>(e.first));
    g.add(static_cast<std::uint64_t>(e.second.value));
  });
}

}  // namespace mqcheck::model::kafka
