// SPDX-License-Identifier: Apache-2.0
// File: sim/kernel_impl.hpp (layer: sim)
// The kernel's event loop and effect application. Included by kernel.hpp only.
#pragma once

namespace mqcheck::sim {

template <class Model>
Kernel<Model>::Kernel(RunPlan plan, std::vector<Actor> actors, std::uint64_t seed)
    : plan_(std::move(plan)),
      initial_(std::move(actors)),
      network_(plan_.nodes.size(), plan_.links, Rng(seed).fork("network")),
      fault_rng_(Rng(seed).fork("faults")),
      history_(plan_.header) {
  MQCHECK_ASSERT(initial_.size() == plan_.nodes.size());
  Rng const root(seed);
  for (std::size_t n = 0; n < initial_.size(); ++n) {
    nodes_.push_back(Node{
        initial_[n], true, false, 0, {}, {}, {}, {}, root.fork("node/" + plan_.nodes[n].name)});
  }
  history_.header().seed = seed;
}

template <class Model>
void Kernel<Model>::push(Event e) {
  e.seq = seq_++;
  queue_.push_back(e);
  std::push_heap(queue_.begin(), queue_.end(), Later{});
}

template <class Model>
RunResult Kernel<Model>::run() {
  if (RunTakeover<Model>::hook != nullptr) return (*RunTakeover<Model>::hook)(*this);
  for (std::size_t i = 0; i < plan_.faults.size(); ++i) {
    push({plan_.faults[i].at, 0, Event::Kind::fault, {}, {}, 0, i, 0});
  }
  for (std::size_t i = 0; i < plan_.random_faults.size(); ++i) {
    SimTimeUs const first = now_ + sample(fault_rng_, plan_.random_faults[i].interval);
    push({first, 0, Event::Kind::strike, {}, {}, 0, i, 0});
  }
  push({plan_.quiesce, 0, Event::Kind::quiesce, {}, {}, 0, 0, 0});
  for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
    call(NodeId{n}, [&](auto& actor) { actor.on_start(out_); });
  }
  SimTimeUs const end = plan_.quiesce + plan_.drain;
  RunResult result;
  while (!queue_.empty() && queue_.front().at <= end) {
    if (result.steps == plan_.steps_max) {
      result.step_limit_hit = true;
      break;
    }
    std::pop_heap(queue_.begin(), queue_.end(), Later{});
    Event const e = queue_.back();
    queue_.pop_back();
    MQCHECK_ASSERT(e.at >= now_);
    now_ = e.at;
    step(e);
    ++result.steps;
  }
  result.drained = queue_.empty() || (plan_.endless && !result.step_limit_hit);
  result.end = now_;
  history_.header().drained = result.drained;
  result.history = std::move(history_);
  result.faults = std::move(faults_);
  return result;
}

template <class Model>
void Kernel<Model>::step(Event const& e) {
  switch (e.kind) {
    case Event::Kind::message:
      return deliver(e);
    case Event::Kind::timer:
      return fire_timer(e);
    case Event::Kind::fault:
      return fault(plan_.faults[e.payload]);
    case Event::Kind::strike:
      return strike(e.payload);
    case Event::Kind::restore:
      return node_fault(static_cast<FaultAction>(e.payload), e.node);
    case Event::Kind::quiesce:
      return quiesce();
  }
}

// Runs one input on node n's actor and applies the effects it returned.
template <class Model>
template <class F>
void Kernel<Model>::call(NodeId n, F&& f) {
  MQCHECK_ASSERT(nodes_[n.value].up && !nodes_[n.value].paused);
  std::visit(f, nodes_[n.value].actor);
  apply(n);
}

template <class Model>
void Kernel<Model>::deliver(Event const& e) {
  Node& node = nodes_[e.node.value];
  if (node.up && node.paused) return node.deferred.push_back(e);
  Message message = std::move(slots_[e.payload]);
  free_slots_.push_back(e.payload);
  if (!node.up || node.incarnation != e.incarnation)
    return dropped(e.from, e.node, "receiver crashed");
  if (network_.blocked(e.from, e.node)) return dropped(e.from, e.node, "partitioned");
  call(e.node, [&](auto& actor) { actor.on_message(e.from, message, out_); });
}

template <class Model>
void Kernel<Model>::fire_timer(Event const& e) {
  Node& node = nodes_[e.node.value];
  if (!node.up || node.incarnation != e.incarnation) return;
  auto const it = node.timers.find(e.payload);
  if (it == node.timers.end() || it->second != e.generation) return;  // Cancelled or re-armed.
  if (node.paused) return node.deferred.push_back(e);
  node.timers.erase(it);
  call(e.node, [&](auto& actor) { actor.on_timer(e.payload, out_); });
}

// Cancels apply before sets, so "cancel X, set X" in one step re-arms X.
template <class Model>
void Kernel<Model>::apply(NodeId n) {
  Node& node = nodes_[n.value];
  for (TimerId id : out_.cancels()) node.timers.erase(id);
  for (model::SetTimer const& t : out_.timers()) {
    std::uint64_t const generation = ++timer_generation_;
    node.timers[t.id] = generation;
    push({now_ + sample(node.rng, t.delay), 0, Event::Kind::timer, n, n, node.incarnation, t.id,
          generation});
  }
  apply_disk(node, n);
  for (model::Observe& o : out_.observed()) observe(n, std::move(o));
  for (auto& s : out_.sends()) transmit(n, s.to, std::move(s.message));
  out_.clear();
}

template <class Model>
void Kernel<Model>::apply_disk(Node& node, NodeId n) {
  using Kind = typename model::DiskOp<Entry>::Kind;
  for (auto& op : out_.disk()) {
    if (op.kind == Kind::append) node.disk.append(op.file, std::move(op.entry));
    if (op.kind == Kind::truncate) node.disk.truncate(op.file, op.length);
    if (op.kind != Kind::fsync) continue;
    std::size_t const pending = node.disk.unsynced();
    node.disk.fsync();
    if (pending > 0) {
      record_event(plan_.nodes[n.value].name, history::OpKind::fsync,
                   std::to_string(pending) + " writes made durable");
    }
  }
}

template <class Model>
void Kernel<Model>::observe(NodeId n, model::Observe observed) {
  Node& node = nodes_[n.value];
  history::Op& op = observed.op;
  op.time = now_;
  op.process = plan_.nodes[n.value].name;
  if (op.type == history::OpType::invoke) {
    node.open.push_back({op, observed.on_crash});
  } else if (op.type != history::OpType::event) {
    auto const it = std::find_if(node.open.begin(), node.open.end(), [&](OpenOp const& o) {
      return o.invoke.f == op.f && same_messages(o.invoke.value, op.value);
    });
    if (it != node.open.end()) node.open.erase(it);
  }
  history_.append(std::move(op));
}

template <class Model>
void Kernel<Model>::transmit(NodeId from, NodeId to, Message message) {
  Node const& receiver = nodes_[to.value];
  if (!receiver.up) return dropped(from, to, "receiver down");
  Route const route = network_.route(from, to, now_);
  if (route.fate == Route::Fate::partitioned) return dropped(from, to, "partitioned");
  if (route.fate == Route::Fate::dropped) return dropped(from, to, "lost");
  if (route.fate == Route::Fate::duplicated) {
    record_event("network", history::OpKind::duplicate,
                 plan_.nodes[from.value].name + " -> " + plan_.nodes[to.value].name);
  }
  for (int copy = 0; copy < route.copies(); ++copy) {
    std::uint64_t slot = slots_.size();
    if (free_slots_.empty()) {
      slots_.push_back(message);
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      slots_[slot] = message;
    }
    push({route.arrival[copy], 0, Event::Kind::message, to, from, receiver.incarnation, slot, 0});
  }
}

template <class Model>
void Kernel<Model>::dropped(NodeId from, NodeId to, char const* reason) {
  record_event("network", history::OpKind::drop,
               plan_.nodes[from.value].name + " -> " + plan_.nodes[to.value].name + ": " + reason);
}

template <class Model>
void Kernel<Model>::record_event(std::string process, history::OpKind f, std::string detail) {
  history::Op op;
  op.time = now_;
  op.process = std::move(process);
  op.type = history::OpType::event;
  op.f = f;
  op.detail = std::move(detail);
  history_.append(std::move(op));
}

}  // namespace mqcheck::sim

#include "sim/kernel_faults.hpp"
