// SPDX-License-Identifier: Apache-2.0
// File: sim/build_plan.cpp (layer: sim)
#include "sim/build_plan.hpp"

#include <algorithm>
#include <set>

#include "core/overloaded.hpp"

namespace mqcheck::sim {
namespace {

std::vector<std::string_view> target_names(Scenario const& scenario,
                                           std::vector<NodeInfo> const& nodes) {
  std::vector<std::string_view> names{"all", "brokers", "producers", "consumers"};
  for (NodeInfo const& n : nodes) names.push_back(n.name);
  for (ConsumerSpec const& c : scenario.consumers) names.push_back(c.group);
  return names;
}

void check_unique(std::vector<NodeInfo> const& nodes, Scenario const& scenario) {
  std::set<std::string> seen;
  for (NodeInfo const& n : nodes) {
    if (!seen.insert(n.name).second) {
      throw InputError({scenario.file, 0, 0}, "producers",
                       "two nodes are named '" + n.name +
                           "'; producer ids, broker names "
                           "(broker-N) and consumer instances (<group>-N) must differ");
    }
  }
}

LinkParams defaults(NetworkSpec const& network) {
  return LinkParams{network.latency, network.drop, network.duplicate, network.reorder};
}

// Links apply in scenario order; a later link overrides the fields it sets.
std::vector<LinkParams> resolve_links(Scenario const& scenario,
                                      std::vector<NodeInfo> const& nodes) {
  std::size_t const n = nodes.size();
  std::vector<LinkParams> links(n * n, defaults(scenario.network));
  for (std::size_t i = 0; i < scenario.network.links.size(); ++i) {
    LinkSpec const& spec = scenario.network.links[i];
    std::string const key = "network.links[" + std::to_string(i) + "]";
    auto const from = resolve_target(scenario, nodes, spec.from == "*" ? "all" : spec.from,
                                     spec.mark, key + ".from");
    auto const to =
        resolve_target(scenario, nodes, spec.to == "*" ? "all" : spec.to, spec.mark, key + ".to");
    for (NodeId f : from) {
      for (NodeId t : to) {
        LinkParams& p = links[f.value * n + t.value];
        if (spec.latency) p.latency = *spec.latency;
        if (spec.drop) p.drop = *spec.drop;
        if (spec.duplicate) p.duplicate = *spec.duplicate;
        if (spec.reorder) p.reorder = *spec.reorder;
      }
    }
  }
  return links;
}

}  // namespace

std::vector<NodeId> resolve_target(Scenario const& scenario, std::vector<NodeInfo> const& nodes,
                                   std::string const& target, SourceMark const& mark,
                                   std::string const& key) {
  std::vector<NodeId> out;
  for (std::uint32_t i = 0; i < nodes.size(); ++i) {
    NodeInfo const& n = nodes[i];
    bool const by_role = (target == "brokers" && n.role == NodeRole::broker) ||
                         (target == "producers" && n.role == NodeRole::producer) ||
                         (target == "consumers" && n.role == NodeRole::consumer);
    bool const by_group = n.role == NodeRole::consumer && n.name.rfind(target + "-", 0) == 0 &&
                          std::any_of(scenario.consumers.begin(), scenario.consumers.end(),
                                      [&](ConsumerSpec const& c) { return c.group == target; });
    if (target == "all" || by_role || by_group || n.name == target) out.push_back(NodeId{i});
  }
  if (!out.empty()) return out;
  std::string problem = "no node or group named '" + target + "'";
  auto const names = target_names(scenario, nodes);
  if (auto const near = nearest(target, names); !near.empty()) {
    problem += " (did you mean '" + near + "'?)";
  }
  throw InputError(mark, key, problem);
}

std::string config_scope(char const* list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "].config";
}

RunPlan build_plan(Scenario const& scenario, std::vector<NodeInfo> nodes) {
  check_unique(nodes, scenario);
  RunPlan plan;
  plan.links = resolve_links(scenario, nodes);
  plan.quiesce = SimTimeUs{} + scenario.quiesce;
  plan.drain = scenario.drain;
  for (std::size_t i = 0; i < scenario.faults.size(); ++i) {
    add_timed_fault(plan, scenario, nodes, scenario.faults[i], "faults[" + std::to_string(i) + "]");
  }
  for (std::size_t i = 0; i < scenario.fault_rates.size(); ++i) {
    add_random_fault(plan, scenario, nodes, scenario.fault_rates[i],
                     "fault_rates[" + std::to_string(i) + "]");
  }
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](PlannedFault const& a, PlannedFault const& b) { return a.at < b.at; });
  plan.header.scenario = scenario.name;
  for (ConsumerSpec const& c : scenario.consumers) {
    plan.header.subscriptions[c.topic].push_back(c.group);
  }
  plan.nodes = std::move(nodes);
  return plan;
}

}  // namespace mqcheck::sim
