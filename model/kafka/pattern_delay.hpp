// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/pattern_delay.hpp (layer: model)
// Delay through paused consumption, a PATTERN (application code, not a Kafka feature): Kafka
// has no delayed delivery (KIP-1277, "Support Delayed Message in Kafka", was still under
// discussion in 2026 and has shipped in no release), so an application that wants a record
// handled no sooner than a fixed time after it was produced does it in its consumer: the due
// time is the record's timestamp (CreateTime: set by the producer at send()) plus the delay.
// The consumer's side is consumer_delay.cpp; plain data here, so config.hpp can hold it.
#pragma once

#include <cstdint>

#include "core/time.hpp"
#include "history/op.hpp"

namespace mqcheck::model::kafka {

/// The consumer's `delay: {ms, wait}`.
struct ConsumerDelayConfig {
  bool enabled = false;
  std::int64_t delay_ms = 0;  // Due = the record's timestamp (ms) + delay_ms.
  // `wait: pause` (the correct pattern): pause the partition, seek back to the record, keep
  // polling, resume once it is due. `wait: sleep`: Thread.sleep in the poll loop until it is
  // due, so poll() is not called meanwhile.
  bool pause = true;
  bool operator==(ConsumerDelayConfig const&) const = default;
};

/// The due time, in simulated microseconds, of a record stamped `timestamp_ms` (-1: none,
/// due at once): the consumer compares whole milliseconds, as System.currentTimeMillis()
/// against record.timestamp() + delay does.
inline SimTimeUs delay_due(std::int64_t timestamp_ms, std::int64_t delay_ms) {
  if (timestamp_ms < 0) return SimTimeUs{};
  return SimTimeUs{(timestamp_ms + delay_ms) * 1'000};
}

/// What a send writes in the history when its topic is read with a delay: `deliver-after`
/// is the due time of the CreateTime the producer stamps at `now` (producer_batch.cpp).
inline history::Record with_due(history::Record r, std::int64_t delay_ms, SimTimeUs now) {
  if (delay_ms > 0) r.deliver_after = delay_due(now.us / 1'000, delay_ms);
  return r;
}

}  // namespace mqcheck::model::kafka
