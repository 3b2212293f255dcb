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

/// Which records the scenario's listener fails on, and when: message ids divisible by
/// `poison_every` fail every attempt (a poison pill); ids divisible by `flaky_every` fail their
/// first `flaky_failures` attempts and then succeed (a transient fault, as a timed-out call to
/// another service). Attempts count from 1 across every stage of a retry-topic chain.
struct ListenerFailures {
  std::int64_t poison_every = 0;
  std::int64_t flaky_every = 0;
  std::int64_t flaky_failures = 0;
  /// Whether the listener throws on attempt `attempt` (from 1) at message `id`.
  bool fails(std::uint64_t id, std::int64_t attempt) const {
    if (poison_every > 0 && id % static_cast<std::uint64_t>(poison_every) == 0) return true;
    return flaky_every > 0 && id % static_cast<std::uint64_t>(flaky_every) == 0 &&
           attempt <= flaky_failures;
  }
  bool operator==(ListenerFailures const&) const = default;
};

/// The retry and dead-letter pattern (the scenario's `dead_letter:`), as Spring Kafka's
/// DefaultErrorHandler with a DeadLetterPublishingRecoverer runs it: a record whose processing
/// throws is retried in place, and after `after` failed attempts it is published to the
/// dead-letter topic (same partition number) and skipped. `failures` picks the records that
/// fail. One stage of a retry-topic chain (`retry_topics:`, consumer_dead_letter.cpp) is the
/// same machine with `after` 1, `topic` the next retry topic (or the chain's dead-letter
/// topic), and the process and nack ops written for the application's main group.
struct DeadLetterConfig {
  bool enabled = false;
  std::string topic;
  std::vector<std::uint32_t> partitions;  // Global partition indices of the dead-letter topic.
  std::int64_t after = 3;                 // Failed attempts before the record is dead-lettered.
  ListenerFailures failures;
  // Retry topics: the attempt number of this consumer's first try of a record (1 on the main
  // topic, k + 1 on the k-th retry topic), and the group and topic its process and nack ops
  // name: the application's main group and topic, so that the checker judges the chain as
  // one application ("" = the consumer's own group, and the record as fetched).
  std::int64_t first_attempt = 1;
  std::int64_t chain_attempts = 0;  // Attempts in the whole chain (0: no chain; `after`).
  std::string app_group;
  std::string app_topic;
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
