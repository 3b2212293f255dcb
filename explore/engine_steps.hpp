// SPDX-License-Identifier: Apache-2.0
// File: explore/engine_steps.hpp (layer: explore)
// The Engine's steps: run one handler and apply its effects, deliver, fire, crash, restart.
// Each mirrors the kernel function of the same name (sim/kernel_impl.hpp,
// sim/kernel_faults.hpp) on a World value instead of the kernel's own state; a change to the
// kernel's semantics must be made here too (no test compares the two yet: the known answers
// and pinned counts in tests/explore/ are the guard). Included by engine.hpp only.
#pragma once

namespace mqcheck::explore {

namespace input_tag {
inline constexpr std::uint64_t message = 1, timer = 2, crash = 3, restart = 4, clock = 5;
}

template <class Model>
template <class F>
void Engine<Model>::call(W& w, NodeId n, F&& f) {
  NodeState<Model>& node = w.edit(n.value);
  MQCHECK_ASSERT(node.up);
  out_.set_now(w.now);  // The model's clock, as Kernel::call sets it (sim/kernel_impl.hpp).
  node.actor.visit(f);
  // A step that read the clock may leave state that depends on when it ran (a timestamp, a
  // due time): the time is then part of the input. One that did not read it leaves the same
  // state at any time, so states reached at different times still merge.
  if (!settling_ && out_.now_read()) {
    auto const at = static_cast<std::uint64_t>(w.now.us);
    note_input(node, input_tag::clock, at, 0);
    note_renamed(node, input_tag::clock, [&](Renaming const&) {
      return std::pair<std::uint64_t, std::uint64_t>{at, 0};
    });
  }
  retimed_ = timer_erased_ || !out_.cancels().empty() || !out_.timers().empty();
  timer_erased_ = false;
  apply_out(w, n, node);
}

// Cancels apply before sets, so "cancel X, set X" in one step re-arms X (as in the kernel).
// `node` is w.edit(n), which call() already made this World's own (no second look-up).
template <class Model>
void Engine<Model>::apply_out(W& w, NodeId n, NodeState<Model>& node) {
  if (settling_) {
    for (model::TimerId id : out_.cancels()) node.timers.erase(id);
    for (model::SetTimer const& t : out_.timers()) node.timers[t.id] = window_of(t.delay, w.now);
  } else {
    retime(w, node);
  }
  apply_disk(w, n, node.disk);  // Copies a shared disk only when the step wrote to it.
  for (model::Observe& o : out_.observed()) observe(w, n, o);
  for (auto& s : out_.sends()) transmit(w, n, s.to, std::move(s.message));
  out_.clear();
}

// apply_out's timer changes outside a settle, with the node's TimerSums kept up with them one
// timer at a time: recomputing them over all the node's timers after every step that changed
// one was 1.3% of a delay search's instructions (a settle keeps none: it is never
// fingerprinted). The sums are exact, so they equal timer_sums_of(node.timers) after each step.
template <class Model>
void Engine<Model>::retime(W& w, NodeState<Model>& node) {
  bool lost_earliest = false;  // Whether a window that held TimerSums::earliest went.
  for (model::TimerId id : out_.cancels()) {
    auto const it = node.timers.find(id);
    if (it == node.timers.end()) continue;
    lost_earliest = remove_timer_sum(node.timer_sums, id, it->second) || lost_earliest;
    node.timers.erase(it);
  }
  for (model::SetTimer const& t : out_.timers()) {
    TimerWindow const window = window_of(t.delay, w.now);
    if (std::optional<TimerWindow> const was = node.timers.set(t.id, window)) {
      lost_earliest = remove_timer_sum(node.timer_sums, t.id, *was) || lost_earliest;
    }
    add_timer_sum(node.timer_sums, t.id, window);
  }
  if (lost_earliest || erased_earliest_) node.timer_sums.earliest = earliest_start(node.timers);
  erased_earliest_ = false;
}

template <class Model>
void Engine<Model>::apply_disk(W& w, NodeId n, SharedDisk<Entry>& shared) {
  using Kind = typename model::DiskOp<Entry>::Kind;
  if (out_.disk().empty()) return;
  model::Disk<Entry>& disk = shared.edit();
  for (auto& op : out_.disk()) {
    if (op.kind == Kind::append) disk.append(op.file, std::move(op.entry));
    if (op.kind == Kind::truncate) disk.truncate(op.file, op.length);
    if (op.kind != Kind::fsync) continue;
    std::size_t const pending = disk.unsynced();
    disk.fsync();
    if (pending > 0) {
      event(w, name(n), history::OpKind::fsync, std::to_string(pending) + " writes made durable");
    }
  }
}

template <class Model>
void Engine<Model>::observe(W& w, NodeId n, model::Observe& observed) {
  history::Op& op = observed.op;
  op.process = name(n);
  // Open ops are kept for crash() alone; a settle strikes no fault and its World is judged and
  // dropped, so it keeps none (copying each invoke and matching each completion cost 3%).
  if (op.type != history::OpType::event && !settling_) {
    NodeState<Model>& node = w.edit(n.value);
    if (op.type == history::OpType::invoke) {
      node.open.push_back({op, observed.on_crash});
    } else {
      auto const it = std::find_if(node.open.begin(), node.open.end(), [&](OpenOp const& o) {
        return o.invoke.f == op.f && sim::same_messages(o.invoke.value, op.value);
      });
      if (it != node.open.end()) node.open.erase(it);
    }
  }
  record(w, std::move(op));
}

template <class Model>
void Engine<Model>::record(W& w, history::Op&& op) {
  op.time = w.now;
  op.index = w.op_count++;
  if (settling_) return w.tail.push_back(std::move(op));  // Never fingerprinted: no digest.
  if (history::is_client_op(op)) {
    w.observed += op_digest(op);
    if (symmetry_ != nullptr) {
      w.observed_renamed.resize(symmetry_->elements.size(), 0);
      for (std::size_t g = 0; g < symmetry_->elements.size(); ++g) {
        w.observed_renamed[g] += op_digest_renamed(op, symmetry_->elements[g]);
      }
    }
  }
  MQCHECK_ASSERT(w.tail.empty());  // A settled World is judged, never stepped on.
  w.ops = std::make_shared<OpChain const>(std::move(op), std::move(w.ops));  // Built in place.
}

template <class Model>
void Engine<Model>::event(W& w, std::string process, history::OpKind f, std::string detail) {
  history::Op op;
  op.process = std::move(process);
  op.type = history::OpType::event;
  op.f = f;
  op.detail = std::move(detail);
  record(w, std::move(op));
}

template <class Model>
void Engine<Model>::transmit(W& w, NodeId from, NodeId to, Message&& message) {
  NodeState<Model> const& receiver = w.node(to.value);
  if (!receiver.up) {
    return event(w, "network", history::OpKind::drop,
                 name(from) + " -> " + name(to) + ": receiver down");
  }
  if (blocked(w, from, to)) {  // As Kernel::transmit: the route is cut (sim/kernel_impl.hpp).
    return event(w, "network", history::OpKind::drop,
                 name(from) + " -> " + name(to) + ": partitioned");
  }
  // A settle never fingerprints (it runs to its end and is judged), so its messages need no
  // digest (hashing every message was a tenth of the settle's time), and they wait in the
  // settle's own queue (Queued).
  if (settling_) {
    queue_.emplace_back(from, to, std::move(message));  // In place: one move of it, not two.
    return;
  }
  Hasher h;
  h.add(from.value);
  h.add(to.value);
  h.add(receiver.incarnation);
  hash_value(h, message);
  std::int64_t const deadline =
      latency_max_ ? w.now.us + latency_max_->us : TimerWindow::unbounded;
  w.in_flight.push_back({from, to, receiver.incarnation, h.digest(), deadline,
                         std::make_shared<Message const>(std::move(message)), nullptr});
  if (symmetry_ != nullptr) {  // Each renamed digest once, not per fingerprint.
    InFlight<Model>& sent = w.in_flight.back();
    auto renamed = std::make_shared<std::vector<std::uint64_t>>();
    for (Renaming const& r : symmetry_->elements) {
      renamed->push_back(message_digest_renamed(sent, r));
    }
    sent.digest_renamed = std::move(renamed);
  }
}

template <class Model>
void Engine<Model>::deliver(W& w, std::size_t index) {
  InFlight<Model> m = std::move(w.in_flight[index]);
  w.in_flight.erase(w.in_flight.begin() + static_cast<std::ptrdiff_t>(index));
  if (blocked(w, m.from, m.to)) {  // As Kernel::deliver: cut while it was on the wire.
    return event(w, "network", history::OpKind::drop,
                 name(m.from) + " -> " + name(m.to) + ": partitioned");
  }
  NodeState<Model>& node = w.edit(m.to.value);
  // crash() drops what was sent to the old incarnation, so every message left is deliverable.
  MQCHECK_ASSERT(node.up && node.incarnation == m.incarnation);
  if (!settling_) {
    note_input(node, input_tag::message, m.from.value, m.digest);
    std::size_t g = 0;  // note_renamed walks the group in order.
    note_renamed(node, input_tag::message, [&](Renaming const& r) {
      std::uint64_t const digest =
          m.digest_renamed ? (*m.digest_renamed)[g] : message_digest_renamed(m, r);
      ++g;
      return std::pair<std::uint64_t, std::uint64_t>{r.node(m.from).value, digest};
    });
  }
  call(w, m.to, [&](auto& actor) { actor.on_message(m.from, *m.message, out_); });
}

// The oldest message a settle queued (transmit); its receiver is up (a settle crashes nothing).
// The handler reads the message where it lies in the queue: the step's sends join the queue
// only after the handler returns (apply_out), so nothing moves under it. Delivered messages
// stay until the queue is empty, which it is at every quiet point, then go all at once.
template <class Model>
void Engine<Model>::deliver_queued(W& w) {
  std::size_t const at = queue_head_++;
  NodeId const from = queue_[at].from;
  NodeId const to = queue_[at].to;
  MQCHECK_ASSERT(w.node(to.value).up);
  call(w, to, [&](auto& actor) { actor.on_message(from, queue_[at].message, out_); });
  if (queue_head_ == queue_.size()) {  // Empty: start again at the front.
    queue_.clear();
    queue_head_ = 0;
  }
}

template <class Model>
void Engine<Model>::unqueue(W& w) {
  for (std::size_t i = queue_head_; i < queue_.size(); ++i) {
    Queued& q = queue_[i];  // No digest, as before the queue; the deadline counts from now.
    std::int64_t const deadline =
        latency_max_ ? w.now.us + latency_max_->us : TimerWindow::unbounded;
    w.in_flight.push_back({q.from, q.to, w.node(q.to.value).incarnation, 0, deadline,
                           std::make_shared<Message const>(std::move(q.message)), nullptr});
  }
  queue_.clear();
  queue_head_ = 0;
}

// Time moves to the timer's earliest firing time (unless that has passed: a window's start
// may lie behind now when another timer's deadline forced time on). Windows and deadlines are
// absolute, so nothing else changes.
template <class Model>
void Engine<Model>::fire(W& w, NodeId n, model::TimerId id) {
  NodeState<Model>& node = w.edit(n.value);
  auto const it = node.timers.find(id);
  MQCHECK_ASSERT(node.up && it != node.timers.end());
  w.now = w.now + DurationUs{relative(it->second.lo, w.now)};
  if (!settling_) erased_earliest_ = remove_timer_sum(node.timer_sums, id, it->second);
  node.timers.erase(it);
  timer_erased_ = true;  // For call(): its timers changed.
  if (!settling_) {
    note_input(node, input_tag::timer, id, 0);
    note_renamed(node, input_tag::timer, [&](Renaming const& r) {
      auto const image = symmetry_->rename_timer ? symmetry_->rename_timer(n, id, r) : id;
      return std::pair<std::uint64_t, std::uint64_t>{image, 0};
    });
  }
  call(w, n, [&](auto& actor) { actor.on_timer(id, out_); });
}

template <class Model>
void Engine<Model>::strike(W& w, Choice const& c) {
  if (c.item < options_.size()) {
    w.faults_used.set(c.item);
  } else {
    ++w.crashes_used;
  }
  crash(w, c.node, c.kind == ChoiceKind::power_loss);
}

// A budgeted network fault: the message is lost (recorded as the kernel records a drop) or a
// second copy, identical, joins the messages in flight; both recorded as Kernel::transmit
// records them (sim/kernel_impl.hpp).
template <class Model>
void Engine<Model>::network_fault(W& w, Choice const& c) {
  auto const index = static_cast<std::size_t>(c.item);
  InFlight<Model> const& m = w.in_flight[index];
  if (c.kind == ChoiceKind::duplicate) {
    ++w.duplicates_used;
    event(w, "network", history::OpKind::duplicate, name(m.from) + " -> " + name(m.to));
    w.in_flight.push_back(w.in_flight[index]);
    return;
  }
  ++w.drops_used;
  event(w, "network", history::OpKind::drop, name(m.from) + " -> " + name(m.to) + ": lost");
  w.in_flight.erase(w.in_flight.begin() + static_cast<std::ptrdiff_t>(index));
}

// As Kernel::crash, and the messages sent to the old incarnation die now rather than when
// they would have arrived (the kernel drops them on arrival): they can no longer matter.
template <class Model>
void Engine<Model>::crash(W& w, NodeId n, bool power_loss) {
  if (!w.node(n.value).up) return;
  NodeState<Model>& node = w.edit(n.value);
  std::string detail = "volatile state lost";
  if (power_loss) {
    detail = std::to_string(node.disk.get().unsynced()) + " unsynced writes lost";
    node.disk.edit().lose_unsynced();
  }
  event(w, name(n), power_loss ? history::OpKind::power_loss : history::OpKind::crash, detail);
  for (OpenOp& o : node.open) {
    history::Op op = std::move(o.invoke);
    op.type = o.on_crash;
    op.detail = "crashed";
    record(w, std::move(op));
  }
  node.open.clear();
  node.up = false;
  ++node.incarnation;
  node.timers.clear();
  node.timer_sums = {};
  note_input(node, input_tag::crash, power_loss ? 1 : 0, 0);
  note_renamed(node, input_tag::crash, [&](Renaming const&) {
    return std::pair<std::uint64_t, std::uint64_t>{power_loss ? 1 : 0, 0};
  });
  for (InFlight<Model> const& m : w.in_flight) {
    if (m.to != n) continue;
    event(w, "network", history::OpKind::drop,
          name(m.from) + " -> " + name(n) + ": receiver crashed");
  }
  std::erase_if(w.in_flight, [n](InFlight<Model> const& m) { return m.to == n; });
}

template <class Model>
void Engine<Model>::restart(W& w, NodeId n) {
  if (w.node(n.value).up) return;
  NodeState<Model>& node = w.edit(n.value);
  event(w, name(n), history::OpKind::restart, "recovering from disk");
  node.actor = kernel_.initial_actors()[n.value];
  node.up = true;
  note_input(node, input_tag::restart, 0, 0);
  note_renamed(node, input_tag::restart, [&](Renaming const&) {
    return std::pair<std::uint64_t, std::uint64_t>{0, 0};
  });
  call(w, n, [&](auto& actor) { actor.on_recover(node.disk.get(), out_); });
}

// A partition of the budget strikes: recorded as Kernel::fault records it (the nemesis's
// event), and from now messages across the cut are dropped when sent or when they would
// arrive. It adds no input to any node: what it changes, the world fingerprints (partition).
template <class Model>
void Engine<Model>::cut(W& w, std::uint64_t option) {
  w.faults_used.set(static_cast<std::size_t>(option));
  w.partition = static_cast<std::uint32_t>(option) + 1;
  event(w, "nemesis", history::OpKind::partition, options_[option].label);
}

template <class Model>
void Engine<Model>::heal(W& w, std::string detail) {
  w.partition = 0;
  event(w, "nemesis", history::OpKind::heal, std::move(detail));
}

}  // namespace mqcheck::explore
