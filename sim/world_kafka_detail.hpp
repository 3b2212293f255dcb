// SPDX-License-Identifier: Apache-2.0
// File: sim/world_kafka_detail.hpp (layer: sim, internal to the Kafka world builder)
// What sim/world_kafka.cpp shares with sim/world_kafka_patterns.cpp: the configurations the
// actors point into, and the builders of the application PATTERNS' consumer settings
// (dead letters, retry topics, client-side filtering, delay through paused consumption).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "history/history.hpp"
#include "model/kafka/config.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::sim::kafka_world {

struct KafkaConfigs {  // Outlives the kernel: actors point into it.
  model::kafka::ClusterConfig cluster;
  std::deque<model::kafka::ProducerConfig> producers;
  std::deque<model::kafka::ConsumerConfig> consumers;  // One per instance.
};

/// The global indices of `topic`'s partitions, in order.
std::vector<std::uint32_t> partitions_of(model::kafka::ClusterConfig const& c,
                                         std::string const& topic);

/// `dead_letter:` of consumers[i] into `c` (its producer keys read with `version`'s defaults).
void dead_letter_pattern(ConsumerSpec const& spec, std::size_t i, model::kafka::Version version,
                         model::kafka::ClusterConfig const& cluster,
                         model::kafka::ConsumerConfig& c);
/// `retry_topics:` of consumers[i]: the main topic's stage into `c`.
void retry_topics_pattern(ConsumerSpec const& spec, std::size_t i, model::kafka::Version version,
                          model::kafka::ClusterConfig const& cluster,
                          model::kafka::ConsumerConfig& c);
/// The retry topics' stages of consumers[i], made from its main stage `main` (which
/// retry_topics_pattern filled): one consumer configuration per retry topic, in order, each
/// its own group. Throws InputError when a stage's group is one the scenario declares.
std::vector<model::kafka::ConsumerConfig> retry_stages(Scenario const& s, std::size_t i,
                                                       model::kafka::ClusterConfig const& cluster,
                                                       model::kafka::ConsumerConfig const& main);
/// What the checker judges of the retry-topic chains: each application's group gets the
/// chain's dead-letter topic and its number of attempts.
void retry_topics_header(Scenario const& s, history::Header& header);
/// `filter:` of consumers[i] into `c`.
void client_filter(ConsumerSpec const& spec, std::size_t i, KafkaConfigs const& configs,
                   model::kafka::ConsumerConfig& c);
/// `delay:` of consumers[i] into `c` (and its topic's producers' due times).
void delay_pattern(ConsumerSpec const& spec, std::size_t i, KafkaConfigs& configs,
                   model::kafka::ConsumerConfig& c);

}  // namespace mqcheck::sim::kafka_world
