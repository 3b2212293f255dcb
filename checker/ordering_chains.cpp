// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_chains.cpp (layer: checker)
// Splits messages into chains, one per (scope, partition, group), whose broker order is
// comparable, and hands each chain's two orders to find_inversions: the broker order against a
// group's processing order, and a producer's send order against the offsets the broker stored.
#include "checker/ordering_chains.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "checker/precedence_graph.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::ordering_chains {

using history::OrderingScope;

namespace {

std::string op_name(std::uint64_t op) { return "op " + std::to_string(op); }

std::string scope_name(ChainKey const& chain, OrderingScope scope) {
  std::string const place = place_name(chain.topic, chain.partition);
  switch (scope) {
    case OrderingScope::queue:
      return "queue " + chain.topic +
             (chain.partition ? ", partition " + std::to_string(*chain.partition) : "");
    case OrderingScope::key:
      return "key " + chain.member + " of " + place;
    case OrderingScope::producer:
      return "producer " + chain.member + "'s messages to " + place;
    default:
      return place;
  }
}

// Says why the broker put `u` before `v`: u's (highest) offset is below v's (lowest), or u's
// send was acknowledged before v's began.
std::string broker_first(Node const& u, Node const& v, ChainKey const& chain, OrderingScope scope) {
  std::string const where = scope_name(chain, scope);
  if (!chain.by_offset) {
    return "in " + where + " " + message_name(u.id) + "'s send was acknowledged (" +
           op_name(u.broker.hi_op) + ") before " + message_name(v.id) + "'s began (" +
           op_name(v.broker.lo_op) + ")";
  }
  return "the broker put " + message_name(u.id) + " first in " + where + ": " + message_name(u.id) +
         " at offset " + std::to_string(u.broker.hi) + " (" + op_name(u.broker.hi_op) + "), " +
         message_name(v.id) + " at offset " + std::to_string(v.broker.lo) + " (" +
         op_name(v.broker.lo_op) + ")";
}

// A chain's two orders, as find_inversions takes them: the broker's spans, and the ranks of
// the processings (or sends) in history order.
struct ChainOrders {
  std::vector<Span> broker;
  std::vector<Span> order;
};

ChainOrders orders_of(std::vector<Node> const& nodes) {
  ChainOrders out;
  std::vector<OpPosition> keys;
  std::vector<std::uint64_t> ops;
  for (Node const& node : nodes) {
    out.broker.push_back(node.broker);
    keys.push_back(node.order);
    ops.push_back(node.order.op);
  }
  out.order = rank_spans(keys, ops);
  return out;
}

std::vector<Anomaly> judge_consumers(ChainKey const& chain, std::vector<Node> const& nodes,
                                     OrderingScope scope) {
  ChainOrders const orders = orders_of(nodes);
  std::vector<Anomaly> anomalies;
  for (Inversion const& inversion : find_inversions(orders.broker, orders.order)) {
    Node const& u = nodes[inversion.earlier];  // Broker first, processed later.
    Node const& v = nodes[inversion.later];
    std::string explanation = "group " + chain.group + " processed " + message_name(v.id) + " (" +
                              op_name(v.order.op) + ") before " + message_name(u.id) + " (" +
                              op_name(u.order.op) + "), but " + broker_first(u, v, chain, scope);
    anomalies.push_back(
        Anomaly{"reordered", u.id, chain.group,
                unique_sorted({u.broker.hi_op, v.broker.lo_op, v.order.op, u.order.op}),
                std::move(explanation)});
  }
  return anomalies;
}

std::vector<Anomaly> judge_producer(ChainKey const& chain, std::vector<Node> const& nodes) {
  ChainOrders const orders = orders_of(nodes);
  std::vector<Anomaly> anomalies;
  for (Inversion const& inversion : find_inversions(orders.order, orders.broker)) {
    Node const& u = nodes[inversion.earlier];  // Sent first, stored later.
    Node const& v = nodes[inversion.later];
    std::string explanation =
        "producer " + chain.member + " sent " + message_name(u.id) + " (" + op_name(u.order.op) +
        ") before " + message_name(v.id) + " (" + op_name(v.order.op) +
        "), but the broker stored them out of send order in " +
        place_name(chain.topic, chain.partition) + ": " + message_name(v.id) + " at offset " +
        std::to_string(v.broker.hi) + " (" + op_name(v.broker.hi_op) + "), " + message_name(u.id) +
        " at offset " + std::to_string(u.broker.lo) + " (" + op_name(u.broker.lo_op) + ")";
    anomalies.push_back(
        Anomaly{"reordered", u.id, "",
                unique_sorted({u.order.op, v.order.op, v.broker.hi_op, u.broker.lo_op}),
                std::move(explanation)});
  }
  return anomalies;
}

}  // namespace

std::size_t position_in(history::Op const& op, MessageId id) {
  auto const found = std::find_if(op.value.begin(), op.value.end(),
                                  [&](history::Record const& record) { return record.id == id; });
  MQCHECK_ASSERT(found != op.value.end());
  return static_cast<std::size_t>(found - op.value.begin());
}

// Offsets come first: they are what the broker assigned. Without offsets (RabbitMQ classic
// queues), queue and producer scopes fall back on the real-time order of acknowledged sends
// (RabbitMQ queues are FIFO: "Queues" guide).
std::optional<ChainKey> chain_of(Placement const& placement, OrderingScope scope) {
  ChainKey chain{placement.topic, "", std::nullopt, true, ""};
  if (scope == OrderingScope::key) chain.member = placement.key;
  if (scope == OrderingScope::producer) chain.member = placement.sender;
  bool const needs_member = scope == OrderingScope::key || scope == OrderingScope::producer;
  if (needs_member && chain.member.empty()) return std::nullopt;  // Kafka: no key, no order.
  if (placement.offsets) {
    chain.partition = placement.partition;
    return chain;
  }
  if (placement.acked && (scope == OrderingScope::queue || scope == OrderingScope::producer)) {
    chain.by_offset = false;
    return chain;
  }
  return std::nullopt;
}

void add_consumer_nodes(Chains& chains, MessageId id, Placement const& placement,
                        std::vector<FirstProcessing> const& first_ok, Topics const& topics) {
  auto const scope = topics.find(placement.topic);
  if (scope == topics.end()) return;
  std::optional<ChainKey> chain = chain_of(placement, scope->second);
  if (!chain) return;
  Span const broker = chain->by_offset ? *placement.offsets : *placement.acked;
  for (auto const& [group, first] : first_ok) {
    chain->group = std::string(group);
    chains[*chain].push_back(Node{id, broker, first});
  }
}

// Kafka: "messages sent by a producer to a particular topic partition will be appended in the
// order they are sent" (Kafka documentation, Design: Guarantees). One chain per (producer,
// partition), for the partition and producer scopes.
void add_producer_node(Chains& chains, MessageId id, Placement const& placement,
                       Topics const& topics) {
  auto const scope = topics.find(placement.topic);
  if (scope == topics.end() || !placement.sent || !placement.offsets) return;
  if (scope->second != OrderingScope::partition && scope->second != OrderingScope::producer) return;
  ChainKey const chain{placement.topic, placement.sender, placement.partition, true, ""};
  chains[chain].push_back(Node{id, *placement.offsets, *placement.sent});
}

std::vector<Anomaly> judge_chains(Chains const& consumers, Chains const& producers,
                                  Topics const& topics) {
  std::vector<Anomaly> anomalies;
  for (auto const& [chain, nodes] : consumers) {
    std::vector<Anomaly> found = judge_consumers(chain, nodes, topics.at(chain.topic));
    anomalies.insert(anomalies.end(), found.begin(), found.end());
  }
  for (auto const& [chain, nodes] : producers) {
    std::vector<Anomaly> found = judge_producer(chain, nodes);
    anomalies.insert(anomalies.end(), found.begin(), found.end());
  }
  return anomalies;
}

}  // namespace mqcheck::checker::ordering_chains
