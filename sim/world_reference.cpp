// SPDX-License-Identifier: Apache-2.0
// File: sim/world_reference.cpp (layer: sim)
// Builds the reference queue's world from a scenario: one broker holding one queue, the
// producers and the consumer instances, with their configurations parsed and checked.
// Node order is producers, then broker-0, then consumers.
#include <deque>
#include <memory>

#include "model/reference/model.hpp"
#include "sim/build_plan.hpp"
#include "sim/kernel.hpp"
#include "sim/run.hpp"

namespace mqcheck::sim {
namespace {

namespace ref = model::reference;

struct ReferenceConfigs {  // Outlives the kernel: actors point into it.
  ref::BrokerConfig broker;
  std::deque<ref::ProducerConfig> producers;
  std::deque<ref::ConsumerConfig> consumers;
};

void check_shape(Scenario const& s) {
  if (s.brokers != 1) {
    throw InputError({s.file, 0, 0}, "cluster.brokers",
                     "the reference broker is a single node; use brokers: 1");
  }
  for (ConsumerSpec const& c : s.consumers) {
    if (!c.commit.empty()) {
      throw InputError(c.mark, "consumers.commit",
                       "the reference queue acknowledges messages; use config: {ack: ...} "
                       "instead of commit");
    }
    if (!c.assignment.empty()) {
      throw InputError(c.mark, "consumers.assignment",
                       "the reference queue has no consumer groups to assign partitions");
    }
  }
  if (s.topics.size() != 1) {
    throw InputError({s.file, 0, 0}, "queues",
                     "the reference broker holds exactly one queue; declare one under queues:");
  }
}

}  // namespace

RunResult simulate_reference(Scenario const& s, std::uint64_t seed) {
  check_shape(s);
  auto configs = std::make_unique<ReferenceConfigs>();
  configs->broker = ref::parse_broker_config(s.broker_config, {s.file, 0, 0});
  configs->broker.queue = s.topics[0].name;
  std::vector<NodeInfo> nodes;
  std::uint32_t const broker_id = static_cast<std::uint32_t>(s.producers.size());
  std::uint64_t next_id = 1;
  for (std::size_t i = 0; i < s.producers.size(); ++i) {
    ProducerSpec const& p = s.producers[i];
    ref::ProducerConfig c =
        ref::parse_producer_config(p.config, config_scope("producers", i), p.mark);
    c.topic = p.topic;
    c.broker = NodeId{broker_id};
    c.first_id = MessageId{next_id};
    c.messages = p.messages;
    c.interval = p.interval;
    c.start = p.start;
    next_id += static_cast<std::uint64_t>(p.messages);
    configs->producers.push_back(c);
    nodes.push_back({p.id, NodeRole::producer});
  }
  nodes.push_back({"broker-0", NodeRole::broker});
  for (std::size_t i = 0; i < s.consumers.size(); ++i) {
    ConsumerSpec const& spec = s.consumers[i];
    ref::ConsumerConfig c =
        ref::parse_consumer_config(spec.config, config_scope("consumers", i), spec.mark);
    c.group = spec.group;
    c.topic = spec.topic;
    c.broker = NodeId{broker_id};
    c.processing = spec.processing;
    configs->consumers.push_back(c);
    for (std::int32_t k = 0; k < spec.instances; ++k) {
      NodeId const node{static_cast<std::uint32_t>(nodes.size())};
      configs->broker.consumers.push_back({node, c.ack == ref::AckMode::automatic});
      nodes.push_back({spec.group + "-" + std::to_string(k), NodeRole::consumer});
    }
  }
  std::vector<ref::Model::Actor> actors;
  for (ref::ProducerConfig const& c : configs->producers) actors.emplace_back(ref::Producer(&c));
  actors.emplace_back(ref::Broker(&configs->broker));
  for (std::size_t i = 0; i < s.consumers.size(); ++i) {
    for (std::int32_t k = 0; k < s.consumers[i].instances; ++k) {
      actors.emplace_back(ref::Consumer(&configs->consumers[i]));
    }
  }
  Kernel<ref::Model> kernel(build_plan(s, std::move(nodes)), std::move(actors), seed);
  return kernel.run();
}

}  // namespace mqcheck::sim
