// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering.cpp (layer: checker)
// Places each ordered topic's messages, judges their offsets (checker/ordering_offsets.cpp) and
// their chains (checker/ordering_chains.cpp: the broker order against a group's processing
// order, and a producer's send order against the offsets the broker stored).
#include "checker/ordering.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "checker/ordering_chains.hpp"
#include "checker/ordering_facts.hpp"
#include "checker/ordering_offsets.hpp"
#include "checker/send_outcomes.hpp"

namespace mqcheck::checker {
namespace {

using ordering_chains::Chains;
using ordering_chains::Topics;

// One consumer chain per (scope, partition, group) of the messages' placements; a group's
// first ok processing of a message orders it (redeliveries are at-most-once's business).
Chains consumer_chains(history::History const& history, MessageTable const& table,
                       Placements const& placements, Topics const& topics) {
  Chains chains;
  std::vector<ordering_chains::FirstProcessing> first_ok;
  for (auto const& [id, facts] : table) {
    auto const placed = placements.find(id);
    if (placed == placements.end()) continue;  // Named only by failed ops.
    if (!topics.contains(placed->second.topic)) continue;
    first_ok.clear();
    for (auto const& [group, processing] : facts.groups) {  // A map: sorted by group.
      if (processing.ok_ops.empty()) continue;              // An info process orders nothing.
      std::uint64_t const first = processing.ok_ops.front();
      first_ok.emplace_back(
          group, OpPosition{first, ordering_chains::position_in(history.ops()[first], id)});
    }
    ordering_chains::add_consumer_nodes(chains, id, placed->second, first_ok, topics);
  }
  return chains;
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
    if (ordering_chains::chain_of(placement, scope->second)) found.positioned = true;
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
  Chains producers;
  for (auto const& [id, placement] : placements)
    ordering_chains::add_producer_node(producers, id, placement, topics);
  std::vector<Anomaly> reordered = ordering_chains::judge_chains(
      consumer_chains(history, table, placements, topics), producers, topics);
  anomalies.insert(anomalies.end(), reordered.begin(), reordered.end());
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
