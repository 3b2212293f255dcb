// SPDX-License-Identifier: Apache-2.0
// File: sim/build_plan.hpp (layer: sim)
// Turns the broker-independent parts of a Scenario into a RunPlan once a broker's world
// builder has named the nodes: resolves link and fault targets, checks that faults stop at
// quiesce, and fills the history header. Every unresolvable name is an InputError.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sim/plan.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::sim {

/// Returns how errors name the `config` of a list entry: "producers[2].config".
std::string config_scope(char const* list, std::size_t i);

/// Returns the plan for `scenario` over `nodes` (in NodeId order; names must be unique).
RunPlan build_plan(Scenario const& scenario, std::vector<NodeInfo> nodes);

/// Returns the nodes a fault target names: a node, or "all", "brokers", "producers",
/// "consumers", or a consumer group name (all its instances).
std::vector<NodeId> resolve_target(Scenario const& scenario, std::vector<NodeInfo> const& nodes,
                                   std::string const& target, SourceMark const& mark,
                                   std::string const& key);

/// Adds a scheduled fault (and its undo, when it has `for:`) to `plan`. `key` names it in errors.
void add_timed_fault(RunPlan& plan, Scenario const& scenario, std::vector<NodeInfo> const& nodes,
                     TimedFault const& fault, std::string const& key);
/// Adds a random fault process to `plan`.
void add_random_fault(RunPlan& plan, Scenario const& scenario, std::vector<NodeInfo> const& nodes,
                      RandomFault const& fault, std::string const& key);

}  // namespace mqcheck::sim
