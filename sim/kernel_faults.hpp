// SPDX-License-Identifier: Apache-2.0
// File: sim/kernel_faults.hpp (layer: sim)
// Fault injection: crash (volatile state lost), power loss (unsynced writes lost too),
// restart (recover from disk), pause and resume, partitions and heal, random fault
// processes, and quiesce, after which no fault strikes and every node is brought back.
// A fault that changes nothing (crashing a node already down) is not reported as fired.
#pragma once

namespace mqcheck::sim {

inline std::string_view fault_name(FaultAction a) {
  switch (a) {
    case FaultAction::crash:
      return "crash";
    case FaultAction::power_loss:
      return "power-loss";
    case FaultAction::restart:
      return "restart";
    case FaultAction::pause:
      return "pause";
    case FaultAction::resume:
      return "resume";
    case FaultAction::partition:
      return "partition";
    case FaultAction::heal:
      return "heal";
  }
  return "?";
}

template <class Model>
void Kernel<Model>::fault(PlannedFault const& f) {
  if (f.action == FaultAction::partition) {
    std::vector<std::vector<NodeId>> groups = f.groups;
    network_.partition(groups, f.one_way);
    std::string what = f.one_way ? "one-way partition" : "partition";
    for (std::size_t g = 0; g < groups.size(); ++g) {
      what += g == 0 ? " [" : " | [";
      for (std::size_t i = 0; i < groups[g].size(); ++i) {
        what += (i == 0 ? "" : " ") + plan_.nodes[groups[g][i].value].name;
      }
      what += "]";
    }
    record_event("nemesis", history::OpKind::partition, what);
    return fired(what);
  }
  if (f.action == FaultAction::heal) {
    if (!network_.partitioned()) return;
    network_.heal();
    record_event("nemesis", history::OpKind::heal, "heal");
    return fired("heal");
  }
  if (f.selector.empty()) {
    for (NodeId n : f.targets) node_fault(f.action, n);
    return;
  }
  // A model-named target: resolved now; an undo (`for:`) acts on what its fault resolved.
  std::vector<NodeId> targets;
  if (f.undo) {
    targets = resolved_[f.source];
  } else if (resolver_) {
    targets = resolver_(*this, f.selector);
    resolved_[f.source] = targets;
  }
  for (NodeId n : targets) node_fault(f.action, n);
}

template <class Model>
void Kernel<Model>::node_fault(FaultAction action, NodeId n) {
  switch (action) {
    case FaultAction::crash:
      return crash(n, false);
    case FaultAction::power_loss:
      return crash(n, true);
    case FaultAction::restart:
      return restart(n);
    case FaultAction::pause:
      return pause(n);
    case FaultAction::resume:
      return resume(n);
    case FaultAction::partition:
    case FaultAction::heal:
      break;
  }
  MQCHECK_ASSERT_MSG(false, "not a node fault");
}

// Open client ops complete as the model said a crash completes them: info (unknown) by
// default, fail where the model knows the effect did not happen.
template <class Model>
void Kernel<Model>::crash(NodeId n, bool power_loss) {
  Node& node = nodes_[n.value];
  if (!node.up) return;
  std::string const& name = plan_.nodes[n.value].name;
  std::string detail = "volatile state lost";
  if (power_loss) {
    detail = std::to_string(node.disk.unsynced()) + " unsynced writes lost";
    node.disk.lose_unsynced();
  }
  record_event(name, power_loss ? history::OpKind::power_loss : history::OpKind::crash, detail);
  for (OpenOp const& o : node.open) {
    history::Op op = invoke_of(o);
    op.time = now_;
    op.type = o.on_crash;
    op.detail = "crashed";
    record(std::move(op));
    release(o);
  }
  node.open.clear();
  node.up = false;
  node.paused = false;
  ++node.incarnation;
  stale_ += node.timers.size();  // Their events can no longer fire.
  node.timers.clear();
  node.deferred.clear();
  fired(std::string(power_loss ? "power-loss " : "crash ") + name);
}

template <class Model>
void Kernel<Model>::restart(NodeId n) {
  Node& node = nodes_[n.value];
  if (node.up) return;
  std::string const& name = plan_.nodes[n.value].name;
  record_event(name, history::OpKind::restart, "recovering from disk");
  fired("restart " + name);
  node.actor = initial_[n.value];
  node.up = true;
  call(n, [&](auto& actor) { actor.on_recover(node.disk, out_); });
}

template <class Model>
void Kernel<Model>::pause(NodeId n) {
  Node& node = nodes_[n.value];
  if (!node.up || node.paused) return;
  node.paused = true;
  record_event(plan_.nodes[n.value].name, history::OpKind::pause, "stopped taking steps");
  fired("pause " + plan_.nodes[n.value].name);
}

// What arrived during the pause runs now, in the order it arrived.
template <class Model>
void Kernel<Model>::resume(NodeId n) {
  Node& node = nodes_[n.value];
  if (!node.up || !node.paused) return;
  node.paused = false;
  record_event(plan_.nodes[n.value].name, history::OpKind::resume, "taking steps again");
  fired("resume " + plan_.nodes[n.value].name);
  std::vector<Event> deferred = std::move(node.deferred);
  node.deferred.clear();
  for (Event e : deferred) {
    e.at = now_;
    push(e);
  }
}

// A Poisson process of one fault kind: strike a random target, schedule its repair after
// the downtime, and schedule the next strike. Nothing strikes at or after quiesce.
template <class Model>
void Kernel<Model>::strike(std::size_t process) {
  RandomFaultProcess const& p = plan_.random_faults[process];
  if (quiesced_ || p.targets.empty()) return;
  NodeId const target = p.targets[fault_rng_.below(p.targets.size())];
  node_fault(p.action, target);
  FaultAction const repair =
      p.action == FaultAction::pause ? FaultAction::resume : FaultAction::restart;
  push({now_ + p.downtime, 0, Event::Kind::restore, target, target, 0,
        static_cast<std::uint64_t>(repair), 0});
  push({now_ + sample(fault_rng_, p.interval), 0, Event::Kind::strike, {}, {}, 0, process, 0});
}

template <class Model>
void Kernel<Model>::quiesce() {
  quiesced_ = true;
  if (network_.partitioned()) {
    network_.heal();
    record_event("nemesis", history::OpKind::heal, "quiesce: heal");
    fired("heal (quiesce)");
  }
  for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
    resume(NodeId{n});
    restart(NodeId{n});
  }
}

}  // namespace mqcheck::sim
