// SPDX-License-Identifier: Apache-2.0
// File: explore/choice.hpp (layer: explore)
// What can happen next in a World: a message in flight arrives, an armed timer fires, a fault
// from the budget strikes a node, or a crashed node restarts. A choice names its item by
// position (the in-flight index, the timer id, the fault option), so it only means something
// in the World it was enumerated in: traces replay choices from the initial state, in order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/strong_id.hpp"
#include "sim/plan.hpp"

namespace mqcheck::explore {

enum class ChoiceKind : std::uint8_t {
  deliver,
  timer,
  crash,
  power_loss,
  restart,
  drop,
  duplicate,
  partition,
  heal
};

/// Returns whether a choice of this kind is a fault (what stops when "faults stop");
/// deliveries, timers, restarts and heals are the system's own steps (the settle restarts and
/// heals, as the simulator's quiesce does).
constexpr bool is_fault(ChoiceKind k) {
  return k == ChoiceKind::crash || k == ChoiceKind::power_loss || k == ChoiceKind::drop ||
         k == ChoiceKind::duplicate || k == ChoiceKind::partition;
}

struct Choice {
  ChoiceKind kind = ChoiceKind::deliver;
  NodeId node;             // The receiver, the timer's node or the node struck.
  std::uint64_t item = 0;  // deliver, drop, duplicate: in-flight index; timer: its id;
                           // crash, power_loss, partition: fault option.
  bool operator==(Choice const&) const = default;
};

/// One fault the budget allows once: a scenario fault (`faults:` in the scenario, at any time
/// instead of its `at:`), with fixed targets or a selector such as leader(orders-0) resolved
/// against the current state; or a partition of the network into `groups`.
struct FaultOption {
  sim::FaultAction action = sim::FaultAction::crash;
  std::vector<NodeId> targets;
  std::string selector;
  std::string label;  // "crash leader(orders-0)", "partition [p1] | [broker-0]", for traces.
  std::vector<std::vector<NodeId>> groups{};  // A partition's sides (sim::PlannedFault::groups).
  bool one_way = false;                       // Only links out of groups[0] are cut.
};

}  // namespace mqcheck::explore
