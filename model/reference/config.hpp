// SPDX-License-Identifier: Apache-2.0
// File: model/reference/config.hpp (layer: model)
// Configuration of mqcheck's reference queue: the smallest broker that has publisher
// confirms, a disk, consumer acknowledgements and redelivery. It is no real product; it
// exists to prove the model interface and to teach the three delivery guarantees on a system
// with nothing else in the way. docs/reference-broker.md documents every key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config_map.hpp"
#include "core/distribution.hpp"
#include "core/strong_id.hpp"
#include "core/time.hpp"

namespace mqcheck::model::reference {

enum class Persistence : std::uint8_t { disk, memory };
enum class FsyncPolicy : std::uint8_t { always, never };
enum class AckMode : std::uint8_t { after_processing, before_processing, automatic };

struct ConsumerRef {  // What the broker knows of a consumer (static membership).
  NodeId node;
  bool auto_ack = false;  // The broker forgets a message as soon as it is sent.
  bool operator==(ConsumerRef const&) const = default;
};

struct BrokerConfig {
  Persistence persistence = Persistence::disk;
  FsyncPolicy fsync = FsyncPolicy::always;
  bool dedup = false;  // Drop a publish whose id is already stored.
  DurationUs redelivery_timeout = milliseconds(100);
  std::int64_t prefetch = 10;          // Unacknowledged deliveries per consumer.
  std::string queue;                   // The one queue's name (the scenario's topic).
  std::vector<ConsumerRef> consumers;  // Filled by the world builder.
};

struct ProducerConfig {
  std::int64_t retries = 3;  // Resends after a confirm timeout.
  DurationUs request_timeout = milliseconds(50);
  std::string topic;
  NodeId broker;
  MessageId first_id;  // Messages first_id .. first_id + messages - 1.
  std::int64_t messages = 0;
  Distribution interval;
  DurationUs start{};
};

struct ConsumerConfig {
  AckMode ack = AckMode::after_processing;
  DurationUs ack_delay{};  // After-processing acks leave this long after processing (batched).
  std::string group;
  std::string topic;
  NodeId broker;
  Distribution processing;
};

/// Reads the reference broker's keys from `broker_config`; throws InputError on an unknown
/// key (with the nearest known one) or a bad value.
BrokerConfig parse_broker_config(ConfigMap const& map, SourceMark const& where);
/// Reads a producer's `config:` keys (retries, request.timeout).
ProducerConfig parse_producer_config(ConfigMap const& map, std::string const& scope,
                                     SourceMark const& where);
/// Reads a consumer's `config:` keys (ack).
ConsumerConfig parse_consumer_config(ConfigMap const& map, std::string const& scope,
                                     SourceMark const& where);

}  // namespace mqcheck::model::reference
