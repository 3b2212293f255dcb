// SPDX-License-Identifier: Apache-2.0
// File: viz/lanes.hpp (layer: viz)
// Who is who in a history, read from the ops alone: a process that sends is a producer, one
// that polls, receives, processes, acks or commits is a consumer, and a process that only
// records internal events is a broker node, except one that records only network events (drops,
// duplicates, partitions, heals: the simulator's "network"), which is the network. Diagrams
// draw one lane per process in that order,
// and the stepper groups node state the same way. No model is consulted, so a history
// recorded from a real system gets the same lanes.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "checker/delivery.hpp"
#include "history/history.hpp"

namespace mqcheck::viz {

enum class LaneRole : std::uint8_t { producer, broker, consumer, network };

/// Returns "producer", "broker", "consumer" or "network".
std::string_view to_string(LaneRole role);

struct Lane {
  std::string process;
  LaneRole role = LaneRole::broker;
};

/// Returns one lane per process of `history`: producers, then broker nodes, then consumers,
/// then the network, each in order of first appearance. A process with consumer ops is a
/// consumer even if it also sends (a consume-transform-produce stage reads first).
std::vector<Lane> lanes_of(history::History const& history);

/// The messages and ops a report marks as anomalous.
struct Highlights {
  std::map<MessageId, std::string> kinds;  // Message → the kind of its first anomaly.
  std::set<std::uint64_t> witnesses;       // Every witness op of every anomaly.
};

/// Returns the anomalous messages of `report` (violations and permitted anomalies alike;
/// "lost" outranks "duplicated", which outranks any other kind, when a message has several)
/// and every witness op. A null report highlights nothing.
Highlights highlights_of(checker::DeliveryReport const* report);

}  // namespace mqcheck::viz
