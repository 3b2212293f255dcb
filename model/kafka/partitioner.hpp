// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/partitioner.hpp (layer: model)
// The Java producer's partitioners, as a value the producer holds: which partition of its topic
// a record goes to, by release and `partitioner.class`.
// - Before 2.4, the DefaultPartitioner: murmur2 of the key; without a key, round-robin over the
//   partitions with a leader, from a random start (a per-topic counter seeded with
//   ThreadLocalRandom.nextInt()).
// - 2.4 to 3.2, the DefaultPartitioner with KIP-480's sticky partitioning: keyless records stick
//   to one partition until it needs a new batch (its batch is full, or was drained when
//   linger.ms passed or at once with linger.ms=0); KafkaProducer then calls onNewBatch, which
//   moves the sticky partition to another partition with a leader, drawn at random
//   (StickyPartitionCache.nextPartition), and partitions the record again.
//   UniformStickyPartitioner (2.4 to 3.9) does the same for every record, keys ignored.
// - From 3.3, with no partitioner.class, the built-in partitioner (KIP-794,
//   BuiltInPartitioner with RecordAccumulator): keyless records (every record with
//   partitioner.ignore.keys) stick to a partition until batch.size bytes were appended to it
//   while its last batch is full, or 2 x batch.size bytes in any case; the next one is drawn
//   uniformly among partitions with a leader (the same one may come again), or, with
//   partitioner.adaptive.partitioning.enable (default true), weighted by how few batches each
//   partition has queued (max queue + 1 - queue), once every partition has had a batch.
// - RoundRobinPartitioner (2.4+, KIP-369): every record to the next partition with a leader,
//   keys ignored. Before 4.0 KafkaProducer partitions a record twice when it needs a new batch
//   (onNewBatch, then partition() again), which advances the counter twice: with an even
//   partition count only half the partitions get records (KAFKA-9965, KAFKA-16283; fixed in
//   4.0 by KAFKA-17632, also in 3.9.1, which the model, keyed by major.minor, does not tell
//   apart from 3.9.0).
// Sources: https://cwiki.apache.org/confluence/display/KAFKA/KIP-480%3A+Sticky+Partitioner,
// https://cwiki.apache.org/confluence/display/KAFKA/KIP-794%3A+Strictly+Uniform+Sticky+Partitioner,
// apache/kafka clients/.../producer/internals/{BuiltInPartitioner,StickyPartitionCache,
// RecordAccumulator}.java, https://issues.apache.org/jira/browse/KAFKA-16283,
// https://github.com/apache/kafka/pull/18204 (4.0 removes DefaultPartitioner and
// UniformStickyPartitioner).
//
// Randomness. Kafka draws with ThreadLocalRandom; model/ is pure and the model interfaces have
// no random input, so the draws come from a deterministic generator: splitmix64 over the
// config's `seed` (the world builder derives it from the run's seed, so a seed sweep varies the
// choices) and the number of draws so far (in the state). The explorer replays the world
// builder with the scenario's seed, so it sees one fixed draw per choice point and does not
// enumerate the alternatives (a deterministic draw, not a choice point). Partitions are
// topic-local indices here (0..n-1); the producer maps them to global ones.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/hash.hpp"

namespace mqcheck::model::kafka {

/// Which partitioning logic a producer runs (partitioner.class, by release).
enum class PartitionerKind : std::uint8_t {
  legacy_round_robin,  // Before 2.4, no partitioner.class (or the DefaultPartitioner).
  sticky,              // KIP-480: the 2.4-3.2 default, or DefaultPartitioner set on 3.3-3.9.
  uniform_sticky,      // UniformStickyPartitioner (2.4-3.9): KIP-480 with keys ignored.
  built_in,            // KIP-794: 3.3+ with no partitioner.class.
  round_robin,         // RoundRobinPartitioner (2.4+).
};

struct PartitionerConfig {
  PartitionerKind kind = PartitionerKind::built_in;
  bool ignore_keys = false;  // partitioner.ignore.keys (built-in only, 3.3+).
  bool adaptive = true;      // partitioner.adaptive.partitioning.enable (built-in, 3.3+).
  bool double_call = false;  // RoundRobinPartitioner partitions twice on a new batch (< 4.0).
  std::int64_t sticky_batch_size = 16'384;  // batch.size, at least 1 (KafkaProducer).
  std::uint64_t seed = 0;                   // Of the deterministic draws (see above).
  bool operator==(PartitionerConfig const&) const = default;
};

/// What the accumulator holds for one partition, as the partitioner needs to see it.
struct PartitionSlot {
  bool available = false;        // Its leader is known (Cluster.availablePartitionsForTopic).
  std::int64_t open_bytes = -1;  // Bytes of its open batch (still taking records); -1 none.
};

class Partitioner {
 public:
  /// Returns the topic-local partition of a record of `record_bytes` bytes with `key` (empty:
  /// none) among `n`. `slot(i)` tells partition i's state; `queued(i)` how many of its
  /// batches wait in its queue (not in flight; adaptive partitioning only).
  /// `batch_overhead` is what a new batch adds before its first record.
  template <class Slot, class Queued>
  std::uint32_t choose(PartitionerConfig const& c, std::string_view key, std::uint32_t key_hash,
                       std::int64_t record_bytes, std::int64_t batch_overhead,
                       std::int64_t batch_size, std::uint32_t n, Slot const& slot,
                       Queued const& queued) {
    Probe const probe{n, record_bytes, batch_overhead, batch_size, slot, queued};
    return choose_with(c, key, key_hash, probe);
  }

  void hash_into(Hasher& h) const;
  bool operator==(Partitioner const&) const = default;

 private:
  // The caller's accumulator, behind a type-erased view (a template only at the entry).
  struct Probe {
    std::uint32_t n;
    std::int64_t record_bytes;
    std::int64_t batch_overhead;
    std::int64_t batch_size;
    template <class Slot, class Queued>
    Probe(std::uint32_t parts, std::int64_t bytes, std::int64_t overhead, std::int64_t size,
          Slot const& s, Queued const& q)
        : n(parts),
          record_bytes(bytes),
          batch_overhead(overhead),
          batch_size(size),
          slot_fn(&s),
          queued_fn(&q),
          slot_call(
              [](void const* f, std::uint32_t i) { return (*static_cast<Slot const*>(f))(i); }),
          queued_call([](void const* f, std::uint32_t i) {
            return static_cast<std::int64_t>((*static_cast<Queued const*>(f))(i));
          }) {}
    PartitionSlot slot(std::uint32_t i) const { return slot_call(slot_fn, i); }
    std::int64_t queued(std::uint32_t i) const { return queued_call(queued_fn, i); }
    /// Whether a record of this size joins partition i's open batch (no new batch).
    bool fits(std::uint32_t i) const;
    /// How many partitions have a leader; the k-th of them (0-based), passing over `skip`.
    std::uint32_t available() const;
    std::uint32_t nth_available(std::uint32_t k, std::int32_t skip) const;
    std::uint32_t by_counter(std::uint32_t value) const;
    void const* slot_fn;
    void const* queued_fn;
    PartitionSlot (*slot_call)(void const*, std::uint32_t);
    std::int64_t (*queued_call)(void const*, std::uint32_t);
  };

  std::uint32_t choose_with(PartitionerConfig const& c, std::string_view key,
                            std::uint32_t key_hash, Probe const& p);
  std::uint32_t draw(PartitionerConfig const& c);  // A 31-bit value, as Utils.toPositive.
  std::uint32_t legacy_round_robin(PartitionerConfig const& c, Probe const& p);
  std::uint32_t round_robin(PartitionerConfig const& c, Probe const& p);
  std::uint32_t sticky(PartitionerConfig const& c, bool keyed, std::uint32_t key_hash,
                       Probe const& p);
  void sticky_next(PartitionerConfig const& c, std::int32_t prev, Probe const& p);
  std::uint32_t built_in(PartitionerConfig const& c, Probe const& p);
  std::uint32_t built_in_next(PartitionerConfig const& c, Probe const& p);

  std::int32_t sticky_ = -1;      // The sticky partition, -1 before the first keyless record.
  std::int64_t produced_ = 0;     // Built-in: bytes appended to it since it was chosen.
  std::uint32_t counter_ = 0;     // Round-robin counters (Java int, wrapping).
  bool counter_started_ = false;  // The pre-2.4 counter starts at a random value.
  std::uint64_t draws_ = 0;       // Draws so far: the generator's position.
  std::vector<bool> had_batch_;   // Built-in adaptive: partitions that had a batch queue.
};

}  // namespace mqcheck::model::kafka
