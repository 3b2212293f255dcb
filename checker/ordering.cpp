// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering.cpp (layer: checker)
// Splits each ordered topic's messages into chains, one per (scope, partition, group), whose
// broker order is comparable, and hands each chain's two orders to find_inversions: the broker
// order against a group's processing order, and a producer's send order against the offsets
// the broker stored. Chains are a std::map, so anomalies come out in a fixed order.
#include "checker/ordering.hpp"

#include <algorithm>
#include <compare>
#include <map>
#include <optional>
#include <string>

#include "checker/ordering_facts.hpp"
#include "checker/ordering_offsets.hpp"
#include "checker/precedence_graph.hpp"
#include "checker/send_outcomes.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using history::OrderingScope;
using Topics = std::map<std::string, OrderingScope>;

// Messages whose broker order is comparable: one scope, one partition (offsets of two
// partitions say nothing about each other), one consumer group ("" for a producer's chain).
struct ChainKey {
  std::string topic;
  std::string member;                     // The key or producer of those scopes; else "".
  std::optional<std::int32_t> partition;  // Of the offsets; absent in real time or queues.
  bool by_offset = true;                  // false: ordered by acknowledged sends, real time.
  std::string group;
  auto operator<=>(ChainKey const&) const = default;
};

struct Node {
  MessageId id;
  Span broker;       // Offsets, or the real-time span of the acknowledged send.
  OpPosition order;  // The group's first ok processing, or the producer's send.
};

using Chains = std::map<ChainKey, std::vector<Node>>;

std::string op_name(std::uint64_t op) { return "op " + std::to_string(op); }

std::size_t position_in(history::Op const& op, MessageId id) {
  auto const found = std::find_if(op.value.begin(), op.value.end(),
                                  [&](history::Record const& record) { return record.id == id; });
  MQCHECK_ASSERT(found != op.value.end());
  return static_cast<std::size_t>(found - op.value.begin());
}

// Returns the chain (group left empty) in which `scope` orders the message, or nothing when
// the history gives it no comparable broker position. Offsets come first: they are what the
// broker assigned. Without offsets (RabbitMQ classic queues), queue and producer scopes fall
// back on the real-time order of acknowledged sends (RabbitMQ queues are FIFO: "Queues" guide).
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

Chains consumer_chains(history::History const& history, MessageTable const& table,
                       Placements const& placements, Topics const& topics) {
  Chains chains;
  for (auto const& [id, facts] : table) {
    auto const placed = placements.find(id);
    if (placed == placements.end()) continue;  // Named only by failed ops.
    Placement const& placement = placed->second;
    auto const scope = topics.find(placement.topic);
    if (scope == topics.end()) continue;
    std::optional<ChainKey> chain = chain_of(placement, scope->second);
    if (!chain) continue;
    Span const broker = chain->by_offset ? *placement.offsets : *placement.acked;
    for (auto const& [group, processing] : facts.groups) {
      if (processing.ok_ops.empty()) continue;  // An info process orders nothing.
      // Redeliveries are at-most-once's business: only the first processing counts.
      std::uint64_t const first = processing.ok_ops.front();
      chain->group = group;
      chains[*chain].push_back(
          Node{id, broker, OpPosition{first, position_in(history.ops()[first], id)}});
    }
  }
  return chains;
}

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

// Kafka: "messages sent by a producer to a particular topic partition will be appended in the
// order they are sent" (Kafka documentation, Design: Guarantees). One chain per (producer,
// partition), for the partition and producer scopes.
Chains producer_chains(Placements const& placements, Topics const& topics) {
  Chains chains;
  for (auto const& [id, placement] : placements) {
    auto const scope = topics.find(placement.topic);
    if (scope == topics.end() || !placement.sent || !placement.offsets) continue;
    if (scope->second != OrderingScope::partition && scope->second != OrderingScope::producer)
      continue;
    ChainKey const chain{placement.topic, placement.sender, placement.partition, true, ""};
    chains[chain].push_back(Node{id, *placement.offsets, *placement.sent});
  }
  return chains;
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

// What the history exercises: a processed message of an ordered topic, and whether any such
// message has a broker position to compare with.
struct Exercise {
  bool processed = false;
  bool positioned = false;
};

Exercise exercise(MessageTable const& table, Placements const& placements, Topics const& topics) {
  Exercise found;
  for (auto const& [id, facts] : table) {
    auto const placed = placements.find(id);
    if (placed == placements.end()) continue;  // Named only by failed ops.
    Placement const& placement = placed->second;
    auto const scope = topics.find(placement.topic);
    if (scope == topics.end()) continue;
    bool const processed =
        std::any_of(facts.groups.begin(), facts.groups.end(),
                    [](auto const& entry) { return !entry.second.ok_ops.empty(); });
    if (!processed) continue;
    found.processed = true;
    if (chain_of(placement, scope->second)) found.positioned = true;
  }
  return found;
}

std::string count_kinds(std::vector<Anomaly> const& anomalies) {
  std::map<std::string, std::size_t> counts;
  for (Anomaly const& anomaly : anomalies) ++counts[anomaly.kind];
  std::string text;
  for (auto const& [kind, count] : counts)
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
  return text;
}

}  // namespace

std::vector<Verdict> check_ordering(history::History const& history) {
  Topics const topics = ordered_topics(history.header());
  if (topics.empty()) return {};
  MessageTable const table = build_message_table(history);
  Placements const placements = place_messages(history, table);
  Exercise const exercised = exercise(table, placements, topics);
  if (!exercised.processed) return {};
  std::vector<Anomaly> anomalies = check_offsets(history, placements, topics);
  for (auto const& [chain, nodes] : consumer_chains(history, table, placements, topics)) {
    std::vector<Anomaly> found = judge_consumers(chain, nodes, topics.at(chain.topic));
    anomalies.insert(anomalies.end(), found.begin(), found.end());
  }
  for (auto const& [chain, nodes] : producer_chains(placements, topics)) {
    std::vector<Anomaly> found = judge_producer(chain, nodes);
    anomalies.insert(anomalies.end(), found.begin(), found.end());
  }
  return {ordering_verdict(std::move(anomalies), exercised.positioned)};
}

Verdict ordering_verdict(std::vector<Anomaly> anomalies, bool positioned) {
  sort_anomalies(anomalies);
  Verdict verdict{.guarantee = "ordering"};
  if (!anomalies.empty()) {
    verdict.validity = Validity::invalid;
    verdict.reason = count_kinds(anomalies) + " in topics that promise an order";
  } else if (!positioned) {
    verdict.validity = Validity::unknown;
    verdict.reason =
        "no processed message of a topic that promises an order has a broker position to compare"
        " (no offset; for queue and producer scopes, no acknowledged send)";
  }
  verdict.anomalies = std::move(anomalies);
  return verdict;
}

}  // namespace mqcheck::checker
