// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/pattern_config.hpp (layer: model)
// Settings of the application patterns a Kafka consumer can run where Kafka has no native
// feature (issue 4; docs/kafka-model.md "Application patterns"). Each is a PATTERN: code in
// the consumer application, not broker behaviour. Plain data, so config.hpp can hold it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace mqcheck::model::kafka {

/// The retry and dead-letter pattern (the scenario's `dead_letter:`), as Spring Kafka's
/// DefaultErrorHandler with a DeadLetterPublishingRecoverer runs it: a record whose processing
/// throws is retried in place, and after `after` failed attempts it is published to the
/// dead-letter topic (same partition number) and skipped. `poison_every` picks the records
/// that always fail: message ids divisible by it.
struct DeadLetterConfig {
  bool enabled = false;
  std::string topic;
  std::vector<std::uint32_t> partitions;  // Global partition indices of the dead-letter topic.
  std::int64_t after = 3;                 // Failed attempts before the record is dead-lettered.
  std::int64_t poison_every = 0;
  // `publish: sync` waits for the dead-letter send's acknowledgement before going on (Spring's
  // recoverer waits for the send result); `async` calls send() and moves on at once, so the
  // offset commit can overtake the publish.
  bool wait_for_ack = true;
  // The dead-letter producer's keys (`dead_letter.config`, producer keys).
  bool idempotence = true;
  std::int8_t acks = -1;
  DurationUs request_timeout = seconds(30);
  DurationUs delivery_timeout = seconds(120);
  DurationUs retry_backoff = milliseconds(100);
  std::uint32_t producer_index = 0;  // Distinguishes this client's producer ids.
  bool operator==(DeadLetterConfig const&) const = default;
};

/// The tags one producer puts on its messages (the scenario's producer `tags:`; in Kafka a
/// record header the application sets): message first_id + i carries tags[i mod n].
struct TagRange {
  std::uint64_t first_id = 0;
  std::uint64_t count = 0;
  std::vector<std::string> tags;
  bool operator==(TagRange const&) const = default;
};

/// Returns the tag of message `id` under `ranges`, or "" when no range covers it.
std::string const& tag_of(std::vector<TagRange> const& ranges, std::uint64_t id);

/// Client-side filtering (the scenario's consumer `filter:`): Kafka brokers filter nothing, so
/// the consumer application drops the records whose tag is not in `accept`. With
/// `in_interceptor` it drops them in a ConsumerInterceptor, before poll() returns; otherwise
/// in the listener, after poll() returned them.
struct ClientFilterConfig {
  bool enabled = false;
  std::vector<std::string> accept;
  bool in_interceptor = false;
  std::vector<TagRange> tags;  // Every producer of the consumer's topic.
  /// Whether the application keeps message `id`.
  bool accepts(std::uint64_t id) const;
  bool operator==(ClientFilterConfig const&) const = default;
};

}  // namespace mqcheck::model::kafka
