// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/partitioner.cpp (layer: model)
#include "model/kafka/partitioner.hpp"

#include <algorithm>

namespace mqcheck::model::kafka {

namespace {
// splitmix64's output function (Vigna, https://prng.di.unimi.it/splitmix64.c) over the seed
// advanced by `position` golden-ratio steps: the position-th draw of a splitmix64 stream.
std::uint64_t partitioner_mix(std::uint64_t seed, std::uint64_t position) {
  std::uint64_t z = seed + (position + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

bool Partitioner::Probe::fits(std::uint32_t i) const {
  std::int64_t const open = slot(i).open_bytes;
  return open >= 0 && open + record_bytes <= batch_size;
}

std::uint32_t Partitioner::draw(PartitionerConfig const& c) {
  return static_cast<std::uint32_t>(partitioner_mix(c.seed, draws_++) & 0x7fffffffu);
}

std::uint32_t Partitioner::Probe::available() const {
  std::uint32_t count = 0;
  for (std::uint32_t i = 0; i < n; ++i) count += slot(i).available ? 1 : 0;
  return count;
}

std::uint32_t Partitioner::Probe::nth_available(std::uint32_t k, std::int32_t skip) const {
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!slot(i).available || static_cast<std::int32_t>(i) == skip) continue;
    if (k-- == 0) return i;
  }
  return 0;  // Not reached: k is below the count.
}

// A value of a per-topic counter, over the partitions with a leader when there are any, else
// over all (DefaultPartitioner before 2.4, RoundRobinPartitioner).
std::uint32_t Partitioner::Probe::by_counter(std::uint32_t value) const {
  std::uint32_t const up = available();
  return up == 0 ? value % n : nth_available(value % up, -1);
}

std::uint32_t Partitioner::choose_with(PartitionerConfig const& c, std::string_view key,
                                       std::uint32_t key_hash, Probe const& p) {
  if (had_batch_.size() != p.n) had_batch_.assign(p.n, false);
  bool const keyed = !key.empty();
  std::uint32_t const by_key = (key_hash & 0x7fffffffu) % p.n;  // Utils.toPositive(murmur2).
  std::uint32_t chosen = 0;
  switch (c.kind) {
    case PartitionerKind::legacy_round_robin:
      chosen = keyed ? by_key : legacy_round_robin(c, p);
      break;
    case PartitionerKind::sticky:
      chosen = sticky(c, keyed, by_key, p);
      break;
    case PartitionerKind::uniform_sticky:
      chosen = sticky(c, false, by_key, p);
      break;
    case PartitionerKind::built_in:
      chosen = keyed && !c.ignore_keys ? by_key : built_in(c, p);
      break;
    case PartitionerKind::round_robin:
      chosen = round_robin(c, p);
      break;
  }
  had_batch_[chosen] = true;  // RecordAccumulator creates the partition's queue on append.
  return chosen;
}

// DefaultPartitioner before 2.4: keyless records round-robin, from a counter that starts at
// ThreadLocalRandom.nextInt().
std::uint32_t Partitioner::legacy_round_robin(PartitionerConfig const& c, Probe const& p) {
  if (!counter_started_) {
    counter_ = draw(c);
    counter_started_ = true;
  }
  return p.by_counter(counter_++ & 0x7fffffffu);
}

// RoundRobinPartitioner: its counter starts at 0. Before 4.0 a record that needs a new batch
// is partitioned a second time (KafkaProducer's abortOnNewBatch; the partitioner's onNewBatch
// does nothing), so the counter advances again and the second answer is used (KAFKA-16283).
std::uint32_t Partitioner::round_robin(PartitionerConfig const& c, Probe const& p) {
  std::uint32_t const first = p.by_counter(counter_++ & 0x7fffffffu);
  if (!c.double_call || p.fits(first)) return first;
  return p.by_counter(counter_++ & 0x7fffffffu);
}

// KIP-480 (DefaultPartitioner.partition, StickyPartitionCache, KafkaProducer.doSend): a keyed
// record goes by its key, a keyless one to the sticky partition (drawn on first use). When the
// record does not fit that partition's open batch, KafkaProducer calls onNewBatch with it,
// which moves the sticky partition if it is still the one the record was given, and
// partitions the record again (a keyed record keeps its partition).
std::uint32_t Partitioner::sticky(PartitionerConfig const& c, bool keyed, std::uint32_t key_hash,
                                  Probe const& p) {
  auto const partition = [&] {
    if (keyed) return key_hash;
    if (sticky_ < 0) sticky_next(c, -1, p);
    return static_cast<std::uint32_t>(sticky_);
  };
  std::uint32_t const first = partition();
  if (p.fits(first)) return first;
  sticky_next(c, static_cast<std::int32_t>(first), p);
  return partition();
}

// StickyPartitionCache.nextPartition: only when the cache is empty or still holds `prev`; a
// partition with a leader other than the current one (the only one if there is one), or any
// partition when none has a leader. Java redraws until it differs; drawing among the others
// directly gives the same distribution in one draw.
void Partitioner::sticky_next(PartitionerConfig const& c, std::int32_t prev, Probe const& p) {
  if (sticky_ >= 0 && sticky_ != prev) return;
  std::uint32_t const up = p.available();
  if (up == 0) {
    sticky_ = static_cast<std::int32_t>(draw(c) % p.n);
  } else if (up == 1) {
    sticky_ = static_cast<std::int32_t>(p.nth_available(0, -1));
  } else {
    bool const current_up = sticky_ >= 0 && p.slot(static_cast<std::uint32_t>(sticky_)).available;
    std::uint32_t const others = current_up ? up - 1 : up;
    sticky_ =
        static_cast<std::int32_t>(p.nth_available(draw(c) % others, current_up ? sticky_ : -1));
  }
}

// KIP-794 (RecordAccumulator.append with BuiltInPartitioner): the record goes to the current
// sticky partition (drawn on first use); then updatePartitionInfo adds the bytes appended
// (with a new batch, its header too) and switches once batch.size bytes went there and the
// partition's last batch is full ("enableSwitch = allBatchesFull(dq)"), or 2 x batch.size in
// any case.
std::uint32_t Partitioner::built_in(PartitionerConfig const& c, Probe const& p) {
  if (sticky_ < 0) {
    sticky_ = static_cast<std::int32_t>(built_in_next(c, p));
    produced_ = 0;
  }
  auto const chosen = static_cast<std::uint32_t>(sticky_);
  bool const joins = p.fits(chosen);
  std::int64_t const last_bytes =  // The partition's last batch after the append.
      joins ? p.slot(chosen).open_bytes + p.record_bytes : p.batch_overhead + p.record_bytes;
  produced_ += joins ? p.record_bytes : p.batch_overhead + p.record_bytes;
  bool const last_full = last_bytes >= p.batch_size;
  if ((produced_ >= c.sticky_batch_size && last_full) || produced_ >= 2 * c.sticky_batch_size) {
    sticky_ = static_cast<std::int32_t>(built_in_next(c, p));
    produced_ = 0;
  }
  return chosen;
}

// BuiltInPartitioner.nextPartition: without load statistics, uniform over the partitions with
// a leader (or all when none has one); with them (adaptive partitioning, a topic of 2+
// partitions, every partition having had a batch queue, queues not all equal), weighted by
// max queue + 1 - queue over the partitions with a leader (updatePartitionLoadStats' cumulative
// frequency table). Queue sizes are read now, where Kafka reads the ones the sender's last
// ready() pass saw. partitioner.availability.timeout.ms is 0 (config.cpp refuses others), so
// no partition is left out for its latency.
std::uint32_t Partitioner::built_in_next(PartitionerConfig const& c, Probe const& p) {
  std::uint32_t const random = draw(c);
  std::uint32_t const up = p.available();
  bool const every_queue =
      std::all_of(had_batch_.begin(), had_batch_.end(), [](bool b) { return b; });
  if (c.adaptive && p.n >= 2 && every_queue && up > 0) {
    std::int64_t max_queue = 0;
    bool all_equal = true;
    std::int64_t first = -1;
    for (std::uint32_t i = 0; i < p.n; ++i) {
      if (!p.slot(i).available) continue;
      std::int64_t const q = p.queued(i);
      if (first < 0) first = q;
      all_equal = all_equal && q == first;
      max_queue = std::max(max_queue, q);
    }
    if (!(all_equal && up == p.n)) {
      // The cumulative frequency table of max + 1 - queue; the first entry above the draw.
      std::int64_t total = 0;
      for (std::uint32_t i = 0; i < p.n; ++i) {
        if (p.slot(i).available) total += max_queue + 1 - p.queued(i);
      }
      std::int64_t const weighted = static_cast<std::int64_t>(random) % total;
      std::int64_t running = 0;
      for (std::uint32_t i = 0; i < p.n; ++i) {
        if (!p.slot(i).available) continue;
        running += max_queue + 1 - p.queued(i);
        if (running > weighted) return i;
      }
    }
  }
  return up == 0 ? random % p.n : p.nth_available(random % up, -1);
}

void Partitioner::hash_into(Hasher& h) const {
  h.add(static_cast<std::uint64_t>(sticky_));
  h.add(static_cast<std::uint64_t>(produced_));
  h.add(counter_);
  h.add(counter_started_ ? 1 : 0);
  h.add(draws_);
  h.add_each(had_batch_, [](Hasher& g, bool b) { g.add(b ? 1 : 0); });
}

}  // namespace mqcheck::model::kafka
