// SPDX-License-Identifier: Apache-2.0
// File: sim/plan.hpp (layer: sim)
// A run's plan with every name resolved: the nodes, each directed link's network
// parameters, the fault schedule and random fault processes, quiesce and drain. The world
// builder makes it from a Scenario; the kernel runs it. What a run reports back is here too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/distribution.hpp"
#include "core/strong_id.hpp"
#include "core/time.hpp"
#include "history/history.hpp"
#include "sim/network.hpp"

namespace mqcheck::sim {

enum class NodeRole : std::uint8_t { producer, broker, consumer, controller };

struct NodeInfo {
  std::string name;  // The process name in the history.
  NodeRole role;
};

enum class FaultAction : std::uint8_t {
  crash,
  power_loss,
  restart,
  pause,
  resume,
  partition,
  heal
};

struct PlannedFault {
  SimTimeUs at{};
  FaultAction action = FaultAction::crash;
  std::vector<NodeId> targets;              // Node faults.
  std::vector<std::vector<NodeId>> groups;  // Partition.
  bool one_way = false;
  /// A target only the model can name, resolved when the fault fires: "leader(orders-0)".
  /// Empty for faults whose targets are fixed at plan time.
  std::string selector = {};
  std::size_t source = 0;  // The scenario's fault index; an undo reuses its fault's targets.
  bool undo = false;       // Added by `for:`.
};

struct RandomFaultProcess {
  FaultAction action = FaultAction::crash;  // crash, power_loss or pause.
  std::vector<NodeId> targets;              // Each strike picks one uniformly.
  Distribution interval;
  DurationUs downtime{};  // Then restart (or resume).
};

struct RunPlan {
  std::vector<NodeInfo> nodes;
  std::vector<LinkParams> links;     // links[from * nodes + to].
  std::vector<PlannedFault> faults;  // Sorted by `at`, ties in scenario order.
  std::vector<RandomFaultProcess> random_faults;
  SimTimeUs quiesce{};                    // Faults stop; crashed nodes restart.
  DurationUs drain = seconds(10);         // The run ends at quiesce + drain at the latest.
  std::uint64_t steps_max = 200'000'000;  // A livelocked model fails loudly.
  /// The model never idles (heartbeats, follower fetches, polls): reaching quiesce + drain
  /// counts as drained, since the drain gave every consumer time to read what it would.
  bool endless = false;
  history::Header header;
};

/// A fault that changed something (a crash of a node already down did not fire).
struct FiredFault {
  SimTimeUs at{};
  std::string what;  // "crash broker-0", "partition [p1] | [broker-0]".
};

struct RunResult {
  history::History history;
  std::vector<FiredFault> faults;
  bool drained = false;  // Every event ran out before quiesce + drain.
  bool step_limit_hit = false;
  std::uint64_t steps = 0;
  SimTimeUs end{};
};

}  // namespace mqcheck::sim
