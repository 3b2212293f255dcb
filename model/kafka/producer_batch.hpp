// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/producer_batch.hpp (layer: model)
// The producer's record accumulator, as data: a record batch of one partition
// (ProducerBatch in the Java client) and the sizes that decide when a batch is full. The
// producer (producer_batch.cpp) fills, drains, resends and expires batches; this header only
// holds what a batch is, so tests and the producer agree on its size arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/strong_id.hpp"

namespace mqcheck::model::kafka {

/// mqcheck's messages carry no payload; a record's value is taken to be this many bytes.
inline constexpr std::int64_t record_value_bytes = 100;
/// A record's own overhead in a v2 batch, simplified to a constant: attributes, timestamp
/// and offset deltas, key and value lengths and the header count, each a varint or byte
/// (DefaultRecord.sizeInBytes; about 7 to 12 bytes for small records).
inline constexpr std::int64_t record_overhead_bytes = 10;
/// A v2 record batch's header (DefaultRecordBatch.RECORD_BATCH_OVERHEAD = 61 bytes).
inline constexpr std::int64_t batch_overhead_bytes = 61;

/// Returns the bytes a record with `key` takes in a batch: key + value + overhead.
inline std::int64_t record_bytes(std::string_view key) {
  return static_cast<std::int64_t>(key.size()) + record_value_bytes + record_overhead_bytes;
}

/// Records a new batch has room for before its vectors grow (an allocation hint only).
inline constexpr std::size_t batch_records_reserved = 4;

/// The producer's per-batch and per-request timers: kind << 48 | batch id (or request
/// number). Kinds 1 to 4; the transactional session's timers start at kind 8.
inline constexpr int batch_timer_shift = 48;
inline constexpr std::uint64_t batch_timer_id_mask = (std::uint64_t{1} << batch_timer_shift) - 1;
inline constexpr std::uint64_t request_timer_kind = std::uint64_t{1} << batch_timer_shift;
inline constexpr std::uint64_t delivery_timer_kind = std::uint64_t{2} << batch_timer_shift;
inline constexpr std::uint64_t backoff_timer_kind = std::uint64_t{3} << batch_timer_shift;
inline constexpr std::uint64_t linger_timer_kind = std::uint64_t{4} << batch_timer_shift;
/// A broker's throttle (KIP-219) is over: kind | broker index.
inline constexpr std::uint64_t throttle_timer_kind = std::uint64_t{5} << batch_timer_shift;

/// One partition's batch of records, from creation to its outcome. A batch takes records
/// while it is open (not yet drained into a request, and with room under batch.size); once
/// drained it is closed, and every resend sends exactly its records again, under the same
/// base sequence (RecordAccumulator, ProducerBatch).
struct ProducerBatch {
  std::uint32_t partition = 0;         // Global partition index.
  std::vector<std::uint64_t> records;  // Message ids, in send order.
  // Each record's CreateTime, in ms of the producer's clock when send() took it
  // (KafkaProducer.doSend: ProducerRecord.timestamp, else the current time). Not hashed by
  // the explorer: its time is abstract, so every timestamp there is 0.
  std::vector<std::int64_t> timestamps;
  std::int64_t bytes = batch_overhead_bytes;
  std::int32_t sequence = -1;  // Base sequence, set when first drained (idempotence only).
  std::int64_t attempts = 0;   // Resends so far.
  std::uint64_t request = 0;   // The open request carrying it, 0 when none.
  std::int32_t broker = -1;    // Where that request went.
  bool open = true;            // Still takes records.
  bool full = false;           // A record did not fit: ready at once.
  bool lingered = false;       // linger.ms passed since it was created: ready.
  bool backing_off = false;    // Waiting retry.backoff.ms before a resend.
  bool sent = false;           // Sent at least once.
  bool awaiting_order = false;  // Refused for its sequence; resent once it is the oldest.
  bool operator==(ProducerBatch const&) const = default;

  /// Returns the number of records (sequence numbers count records, not batches).
  std::int32_t count() const { return static_cast<std::int32_t>(records.size()); }
};

}  // namespace mqcheck::model::kafka
