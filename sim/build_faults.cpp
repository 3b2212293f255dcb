// SPDX-License-Identifier: Apache-2.0
// File: sim/build_faults.cpp (layer: sim)
// Resolves a scenario's timed faults and fault rates into planned faults over node ids.
// Faults stop at quiesce: a fault scheduled after it is an input error, not a silent no-op.
#include <algorithm>

#include "core/overloaded.hpp"
#include "sim/build_plan.hpp"

namespace mqcheck::sim {
namespace {

// "leader(T-P)": the broker leading partition P of topic T when the fault fires. The leader
// moves, so only the model can answer; here the name is checked against the topics.
void check_leader_selector(Scenario const& scenario, std::string const& target,
                           SourceMark const& mark, std::string const& key) {
  if (scenario.broker != BrokerKind::kafka) {
    throw InputError(mark, key,
                     "'" + target + "' names a partition leader, which only the kafka broker has");
  }
  std::vector<std::string> names;
  for (TopicSpec const& t : scenario.topics) {
    for (std::int32_t p = 0; p < t.partitions; ++p) {
      names.push_back(t.name + "-" + std::to_string(p));
    }
  }
  std::string const inner =
      target.size() > 8 && target.back() == ')' ? target.substr(7, target.size() - 8) : "";
  if (std::find(names.begin(), names.end(), inner) != names.end()) return;
  std::vector<std::string_view> const options(names.begin(), names.end());
  std::string problem = "'" + target + "' names no topic-partition; write leader(TOPIC-N)";
  if (auto const near = nearest(inner, options); !near.empty()) {
    problem += " (did you mean 'leader(" + near + ")'?)";
  }
  throw InputError(mark, key, problem);
}

PlannedFault planned(DurationUs at, FaultAction action, std::vector<NodeId> targets = {},
                     bool one_way = false) {
  PlannedFault f;
  f.at = SimTimeUs{} + at;
  f.action = action;
  f.targets = std::move(targets);
  f.one_way = one_way;
  return f;
}

struct Resolver {
  Scenario const& scenario;
  std::vector<NodeInfo> const& nodes;
  TimedFault const& fault;
  std::string const& key;

  std::vector<NodeId> targets(std::string const& target, char const* field) const {
    return resolve_target(scenario, nodes, target, fault.mark, key + "." + field);
  }
  PlannedFault node(FaultAction action, std::string const& target, char const* field) const {
    if (target.rfind("leader(", 0) == 0) {
      check_leader_selector(scenario, target, fault.mark, key + "." + field);
      PlannedFault f = planned(fault.at, action);
      f.selector = target;
      return f;
    }
    return planned(fault.at, action, targets(target, field));
  }
  PlannedFault partition(Partition const& p) const {
    PlannedFault f = planned(fault.at, FaultAction::partition, {}, p.one_way);
    for (auto const& group : p.groups) {
      std::vector<NodeId> ids;
      for (std::string const& name : group) {
        auto const more = targets(name, "partition.groups");
        ids.insert(ids.end(), more.begin(), more.end());
      }
      f.groups.push_back(std::move(ids));
    }
    return f;
  }
  PlannedFault resolve() const {
    return std::visit(
        Overloaded{
            [&](Crash const& c) { return node(FaultAction::crash, c.target, "crash"); },
            [&](PowerLoss const& c) {
              return node(FaultAction::power_loss, c.target, "power_loss");
            },
            [&](Restart const& c) { return node(FaultAction::restart, c.target, "restart"); },
            [&](Pause const& c) { return node(FaultAction::pause, c.target, "pause"); },
            [&](Resume const& c) { return node(FaultAction::resume, c.target, "resume"); },
            [&](Partition const& p) { return partition(p); },
            [&](Heal const&) {
              return planned(fault.at, FaultAction::heal);
            },
        },
        fault.what);
  }
};

FaultAction undo_of(FaultAction action) {
  switch (action) {
    case FaultAction::crash:
    case FaultAction::power_loss:
      return FaultAction::restart;
    case FaultAction::pause:
      return FaultAction::resume;
    case FaultAction::partition:
      return FaultAction::heal;
    default:
      return action;
  }
}

FaultAction action_of(RandomFault::Kind kind) {
  switch (kind) {
    case RandomFault::Kind::crash:
      return FaultAction::crash;
    case RandomFault::Kind::power_loss:
      return FaultAction::power_loss;
    case RandomFault::Kind::pause:
      return FaultAction::pause;
  }
  return FaultAction::crash;
}

}  // namespace

void add_timed_fault(RunPlan& plan, Scenario const& scenario, std::vector<NodeInfo> const& nodes,
                     TimedFault const& fault, std::string const& key) {
  if (fault.at > scenario.quiesce) {
    throw InputError(fault.mark, key + ".at",
                     "fault at " + format_duration(fault.at) + " comes after quiesce (" +
                         format_duration(scenario.quiesce) +
                         "); faults stop at quiesce, so set quiesce later");
  }
  PlannedFault f = Resolver{scenario, nodes, fault, key}.resolve();
  f.source = plan.faults.size();
  plan.faults.push_back(f);
  if (!fault.duration) return;
  PlannedFault undo = f;
  undo.undo = true;
  undo.at = f.at + *fault.duration;
  undo.action = undo_of(f.action);
  undo.groups.clear();
  plan.faults.push_back(undo);
}

void add_random_fault(RunPlan& plan, Scenario const& scenario, std::vector<NodeInfo> const& nodes,
                      RandomFault const& fault, std::string const& key) {
  RandomFaultProcess p;
  p.action = action_of(fault.kind);
  for (std::string const& t : fault.targets) {
    auto const ids = resolve_target(scenario, nodes, t, fault.mark, key + ".targets");
    p.targets.insert(p.targets.end(), ids.begin(), ids.end());
  }
  p.interval = fault.interval;
  p.downtime = fault.downtime;
  plan.random_faults.push_back(std::move(p));
}

}  // namespace mqcheck::sim
