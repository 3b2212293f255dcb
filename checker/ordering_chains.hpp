// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_chains.hpp (layer: checker)
// check_ordering's `reordered` rule (checker/ordering.cpp), shared with the streaming pass's
// second look at the offset ranges where it saw orders cross (ordering_stream_reorders.cpp):
// both build their chains and word their anomalies here, so the two cannot drift apart.
// A chain holds messages whose broker order is comparable: one scope, one partition, one
// consumer group ("" for a producer's chain). Chains are a std::map, so anomalies come out in
// a fixed order.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checker/ordering_facts.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::ordering_chains {

using Topics = std::map<std::string, history::OrderingScope>;  // ordered_topics().

/// The chain a message belongs to (group left empty by chain_of).
struct ChainKey {
  std::string topic;
  std::string member;                     // The key or producer of those scopes; else "".
  std::optional<std::int32_t> partition;  // Of the offsets; absent in real time or queues.
  bool by_offset = true;                  // false: ordered by acknowledged sends, real time.
  std::string group;
  auto operator<=>(ChainKey const&) const = default;
};

/// One message in a chain.
struct Node {
  MessageId id;
  Span broker;       // Offsets, or the real-time span of the acknowledged send.
  OpPosition order;  // The group's first ok processing, or the producer's send.
};

using Chains = std::map<ChainKey, std::vector<Node>>;

/// Returns the chain (group left empty) in which `scope` orders the message, or nothing when
/// the history gives it no comparable broker position.
std::optional<ChainKey> chain_of(Placement const& placement, history::OrderingScope scope);

/// Returns the position of the first record of `op` naming `id` (which one must).
std::size_t position_in(history::Op const& op, MessageId id);

/// A group and its first ok processing of a message.
using FirstProcessing = std::pair<std::string_view, OpPosition>;

/// Adds message `id` to the consumer chain of each group in `first_ok` (sorted by group). Nothing
/// when its topic is not in `topics` or chain_of gives none.
void add_consumer_nodes(Chains& chains, MessageId id, Placement const& placement,
                        std::vector<FirstProcessing> const& first_ok, Topics const& topics);

/// Adds message `id` to its producer's chain when its send order and offsets are known and its
/// topic's scope is partition or producer.
void add_producer_node(Chains& chains, MessageId id, Placement const& placement,
                       Topics const& topics);

/// The `reordered` anomalies of consumer chains and of producer chains, in check_ordering's
/// order: every consumer chain's (in key order), then every producer chain's.
std::vector<Anomaly> judge_chains(Chains const& consumers, Chains const& producers,
                                  Topics const& topics);

}  // namespace mqcheck::checker::ordering_chains
