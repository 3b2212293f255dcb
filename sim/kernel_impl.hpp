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
  queue_.push(e);
}

// A timer event that fire_timer would ignore: its node crashed since, or the timer was
// cancelled or re-armed (a newer generation). Both are final, so such an event can go.
template <class Model>
bool Kernel<Model>::stale(Event const& e) const {
  if (e.kind != Event::Kind::timer) return false;
  Node const& node = nodes_[e.node.value];
  if (!node.up || node.incarnation != e.incarnation) return true;
  return node.timers.find(e.payload) != e.generation;
}

// Drops the stale timer events and rebuilds the heap. Events are ordered by (time, sequence
// number), a total order, so the live events pop in exactly the order they would have. The
// queue's emptiness at the end says whether the run drained, and a stale event left after
// quiesce + drain used to keep it non-empty: purged_beyond_end_ remembers that.
template <class Model>
void Kernel<Model>::purge_stale() {
  SimTimeUs const end = plan_.quiesce + plan_.drain;
  queue_.erase_if([&](Event const& e) {
    if (!stale(e)) return false;
    purged_beyond_end_ = purged_beyond_end_ || e.at > end;
    if (e.at <= end) purged_last_ = std::max(purged_last_, e.at);
    return true;
  });
  stale_ = 0;
}

// sample() without the call for a constant, the usual timer delay: a constant draws nothing.
template <class Model>
DurationUs Kernel<Model>::draw(Rng& rng, Distribution const& d) const {
  if (d.kind == Distribution::Kind::constant && d.mean.us >= 0) return d.mean;
  return sample(rng, d);
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
  while (!queue_.empty() && queue_.top().at <= end) {
    if (result.steps == plan_.steps_max) {
      result.step_limit_hit = true;
      break;
    }
    Event const e = queue_.pop();
    MQCHECK_ASSERT(e.at >= now_);
    now_ = e.at;
    if (stale(e)) {  // Not a step: it does nothing (see purge_stale).
      stale_ -= stale_ > 0 ? 1 : 0;
      continue;
    }
    step(e);
    ++result.steps;
    if (stale_ > stale_purge_min && 2 * stale_ > queue_.size()) purge_stale();
  }
  bool const empty = queue_.empty() && !purged_beyond_end_;
  result.drained = empty || (plan_.endless && !result.step_limit_hit);
  // A purged event would have popped (doing nothing) and moved the clock, unless the step
  // limit stopped the run first.
  result.end = result.step_limit_hit ? now_ : std::max(now_, purged_last_);
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
  out_.set_now(now_);  // Time is an input to the model (its clock), never read by it.
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

// The run loop has just found the event live (stale(e) is false: node up, same incarnation,
// timer armed with this generation), so the timer table is not searched a second time.
template <class Model>
void Kernel<Model>::fire_timer(Event const& e) {
  Node& node = nodes_[e.node.value];
  if (node.paused) return node.deferred.push_back(e);
  node.timers.erase(e.payload);
  call(e.node, [&](auto& actor) { actor.on_timer(e.payload, out_); });
}

// Cancels apply before sets, so "cancel X, set X" in one step re-arms X.
template <class Model>
void Kernel<Model>::apply(NodeId n) {
  Node& node = nodes_[n.value];
  for (TimerId id : out_.cancels()) stale_ += node.timers.erase(id);
  for (model::SetTimer const& t : out_.timers()) {
    std::uint64_t const generation = ++timer_generation_;
    if (node.timers.set(t.id, generation)) ++stale_;  // Re-armed: the old event is stale.
    push({now_ + draw(node.rng, t.delay), 0, Event::Kind::timer, n, n, node.incarnation, t.id,
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
void Kernel<Model>::observe(NodeId n, model::Observe&& observed) {
  Node& node = nodes_[n.value];
  history::Op& op = observed.op;
  op.time = now_;
  // Out leaves a slot's last process name in place (out.hpp): copied only when it differs.
  if (std::string const& name = plan_.nodes[n.value].name; op.process != name) op.process = name;
  if (op.type == history::OpType::invoke) {
    OpenOp& open = node.open.emplace_back(
        OpenOp{0, observed.on_crash, not_kept, op.f, op.value.size(), first_id(op)});
    open.invoke = record(std::move(op));
    // Streaming: the sink only read the op, so it moves into its slot instead of being copied
    // (its index, set by record, is overwritten when a crash completes it).
    if (sink_ != nullptr) open.kept = keep(std::move(op));
    return;
  }
  if (op.type != history::OpType::event) {
    MessageId const first = first_id(op);
    auto const it = std::find_if(node.open.begin(), node.open.end(), [&](OpenOp const& o) {
      if (o.f != op.f || o.count != op.value.size() || o.first != first) return false;
      return same_messages(invoke_of(o).value, op.value);
    });
    if (it != node.open.end()) {
      release(*it);
      node.open.erase(it);
    }
  }
  record(std::move(op));
}

// Moves an open invoke into a free slot (slots are reused, so the table stops growing).
template <class Model>
std::uint32_t Kernel<Model>::keep(history::Op&& op) {
  if (kept_free_.empty()) {
    kept_.push_back(std::move(op));
    return static_cast<std::uint32_t>(kept_.size() - 1);
  }
  std::uint32_t const slot = kept_free_.back();
  kept_free_.pop_back();
  // The slot's old record list goes back to `op` (an Out slot), whose next op reuses its
  // buffer: without it every streamed invoke allocated one list and freed another.
  std::vector<history::Record> spare = std::move(kept_[slot].value);
  kept_[slot] = std::move(op);
  op.value = std::move(spare);
  return slot;
}

// Keeps `op` in the history, or hands it to the sink with the index and the time check the
// history would have given it; returns its index.
template <class Model>
std::uint64_t Kernel<Model>::record(history::Op&& op) {
  if (sink_ == nullptr) return history_.append(std::move(op));
  MQCHECK_ASSERT_MSG(streamed_ == 0 || streamed_time_ <= op.time, "history time went back");
  streamed_time_ = op.time;
  op.index = streamed_++;
  (*sink_)(op);
  return op.index;
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
  int const copies = route.copies();
  for (int copy = 0; copy < copies; ++copy) {
    std::uint64_t slot = slots_.size();
    bool const last = copy + 1 == copies;  // The last copy takes the message itself.
    if (free_slots_.empty()) {
      slots_.push_back(last ? std::move(message) : message);
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      slots_[slot] = last ? std::move(message) : message;
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
  record(std::move(op));
}

}  // namespace mqcheck::sim

#include "sim/kernel_faults.hpp"
