// SPDX-License-Identifier: Apache-2.0
// File: sim/build_faults.cpp (layer: sim)
// Resolves a scenario's timed faults and fault rates into planned faults over node ids.
// Faults stop at quiesce: a fault scheduled after it is an input error, not a silent no-op.
#include "core/overloaded.hpp"
#include "sim/build_plan.hpp"

namespace mqcheck::sim {
namespace {

struct Resolver {
  Scenario const& scenario;
  std::vector<NodeInfo> const& nodes;
  TimedFault const& fault;
  std::string const& key;

  std::vector<NodeId> targets(std::string const& target, char const* field) const {
    return resolve_target(scenario, nodes, target, fault.mark, key + "." + field);
  }
  PlannedFault node(FaultAction action, std::string const& target, char const* field) const {
    return PlannedFault{SimTimeUs{} + fault.at, action, targets(target, field), {}, false};
  }
  PlannedFault partition(Partition const& p) const {
    PlannedFault f{SimTimeUs{} + fault.at, FaultAction::partition, {}, {}, p.one_way};
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
              return PlannedFault{SimTimeUs{} + fault.at, FaultAction::heal, {}, {}, false};
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
  PlannedFault const f = Resolver{scenario, nodes, fault, key}.resolve();
  plan.faults.push_back(f);
  if (!fault.duration) return;
  PlannedFault undo = f;
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
