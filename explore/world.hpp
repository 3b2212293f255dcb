// SPDX-License-Identifier: Apache-2.0
// File: explore/world.hpp (layer: explore)
// One state of the explored system as a value: every node's actor, liveness, incarnation,
// armed timers (as windows of time relative to now), disk and open client ops; the messages
// in flight; the fault budget spent; and the history recorded along the path that led here
// (a persistent list, so copying a World is cheap). The explorer copies Worlds, applies one
// choice to the copy (explore/engine.hpp) and fingerprints the result (fingerprint()).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "explore/value_hash.hpp"
#include "history/history.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"

namespace mqcheck::explore {

/// When an armed timer may fire, in microseconds from now: not before `lo`, not after `hi`.
/// A constant delay gives lo == hi; a delay without an upper bound (exponential, normal) has
/// hi == unbounded.
struct TimerWindow {
  static constexpr std::int64_t unbounded = std::numeric_limits<std::int64_t>::max();
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  bool operator==(TimerWindow const&) const = default;
};

/// Returns the window a timer set with `delay` gets.
inline TimerWindow window_of(Distribution const& delay) {
  switch (delay.kind) {
    case Distribution::Kind::constant:
      return {delay.mean.us, delay.mean.us};
    case Distribution::Kind::uniform:
      return {delay.min.us, delay.max.us};
    case Distribution::Kind::exponential:
    case Distribution::Kind::normal:
      break;
  }
  return {delay.min.us, TimerWindow::unbounded};
}

/// A client op that was invoked and not completed, and how a crash completes it (as in the
/// kernel: sim/kernel.hpp OpenOp).
struct OpenOp {
  history::Op invoke;
  history::OpType on_crash = history::OpType::info;
};

/// One node of the world.
template <class Model>
struct NodeState {
  typename Model::Actor actor;
  bool up = true;
  std::uint32_t incarnation = 0;  // Bumped by every crash, as in the kernel.
  std::map<model::TimerId, TimerWindow> timers;
  model::Disk<typename Model::Entry> disk;
  std::vector<OpenOp> open;
  /// Digest of every input this node took, in order (messages, timers, crashes, restarts).
  /// A deterministic actor's state, timers, disk and open ops are a function of it.
  std::uint64_t inputs = 0;
};

/// A message on the wire, to one incarnation of its receiver.
template <class Model>
struct InFlight {
  NodeId from;
  NodeId to;
  std::uint32_t incarnation = 0;
  std::uint64_t digest = 0;  // Of (from, to, incarnation, message): the multiset hash uses it.
  /// The latest it may arrive, in microseconds from now (TimerWindow::unbounded without
  /// --max-latency): time cannot move past it while it is in flight.
  std::int64_t deadline = TimerWindow::unbounded;
  typename Model::Message message;
};

/// The history recorded along a path, newest op first; shared between a World and its copies.
struct OpChain {
  history::Op op;
  std::shared_ptr<OpChain const> prev;
};

template <class Model>
struct World {
  std::vector<NodeState<Model>> nodes;
  std::vector<InFlight<Model>> in_flight;  // In send order: index 0 is the oldest.
  std::vector<bool> faults_used;           // By fault option (explore/engine.hpp).
  std::uint32_t crashes_used = 0;          // Of the --crashes budget.
  std::uint32_t drops_used = 0;            // Of the --drops budget.
  std::uint32_t duplicates_used = 0;       // Of the --duplicates budget.
  SimTimeUs now{};                         // Not fingerprinted: timers are kept relative.
  std::uint64_t observed = 0;  // Sum of the digests of every client op so far (a multiset).
  std::shared_ptr<OpChain const> ops;
  /// Ops recorded after `ops` by a settle (Engine::settle), in order: a flat vector instead of
  /// one shared chain node per op, because a settled World is judged once and thrown away (the
  /// chain's allocations and its release were a third of the search's time). Empty otherwise.
  std::vector<history::Op> tail;
  std::size_t op_count = 0;
  std::uint64_t steps = 0;  // Choices taken since the initial state.
};

/// How a World is fingerprinted. `inputs` folds in each node's input digest: sound for any
/// deterministic model, whatever its hash_into covers. `state` folds in the actors' own
/// hash_into, the disks and the open ops: more states merge (two input orders that reach the
/// same actor state), but it is sound only when every actor's hash_into covers its state.
enum class FingerprintMode : std::uint8_t { inputs, state };

/// Returns the digest of a client op as the delivery checker sees it: what and who, never when
/// or where in the history (index and time are left out, so the sum over a path's ops does not
/// depend on the order of independent steps).
inline std::uint64_t op_digest(history::Op const& op) {
  Hasher h;
  h.add(static_cast<std::uint64_t>(op.type));
  h.add(static_cast<std::uint64_t>(op.f));
  h.add(op.process);
  h.add(op.group);
  h.add(op.detail);
  h.add(op.txn);
  hash_value(h, op.value);
  return h.digest();
}

/// Returns the fingerprint of `w`: equal for two Worlds whose futures (and the delivery
/// verdicts of every continuation) are the same; see docs/explorer.md for why.
template <class Model>
std::uint64_t fingerprint(World<Model> const& w, FingerprintMode mode) {
  Hasher h;
  for (NodeState<Model> const& n : w.nodes) {
    h.add(n.up ? 1u : 0u);
    h.add(n.incarnation);
    if (mode == FingerprintMode::inputs) {
      h.add(n.inputs);
    } else {
      hash_value(h, n.actor);
      h.add_each(n.disk.files(), [](Hasher& g, auto const& file) {
        g.add(file.first);
        hash_value(g, file.second.entries);
        g.add(file.second.synced);
      });
      h.add_each(n.open, [](Hasher& g, OpenOp const& o) {
        g.add(op_digest(o.invoke));
        g.add(static_cast<std::uint64_t>(o.on_crash));
      });
    }
    h.add_each(n.timers, [](Hasher& g, auto const& t) {
      g.add(t.first);
      g.add(static_cast<std::uint64_t>(t.second.lo));
      g.add(static_cast<std::uint64_t>(t.second.hi));
    });
  }
  std::uint64_t wire = 0;  // A sum: the same multiset in any order gives the same value.
  for (InFlight<Model> const& m : w.in_flight) {
    std::uint64_t const due = static_cast<std::uint64_t>(m.deadline) * 0x9e3779b97f4a7c15ull;
    wire += m.deadline == TimerWindow::unbounded ? m.digest : m.digest ^ due;
  }
  h.add(wire);
  h.add(w.in_flight.size());
  h.add_each(w.faults_used, [](Hasher& g, bool used) { g.add(used ? 1u : 0u); });
  h.add(w.crashes_used);
  if (w.drops_used + w.duplicates_used > 0) {  // Absent without network faults: counts stay.
    h.add(w.drops_used);
    h.add(w.duplicates_used);
  }
  h.add(w.observed);
  return h.digest();
}

/// Returns the history of the path that led to `w` (and its settle's tail), under `header`,
/// ops in order.
template <class Model>
history::History history_of(World<Model> const& w, history::Header header) {
  std::vector<history::Op const*> ops;
  ops.reserve(w.op_count);
  for (OpChain const* c = w.ops.get(); c != nullptr; c = c->prev.get()) ops.push_back(&c->op);
  history::History out(std::move(header));
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) out.append(**it);
  for (history::Op const& op : w.tail) out.append(op);
  return out;
}

/// Returns a rough lower bound of the memory `w` holds, in bytes (for --max-memory): the
/// values themselves, not what actors allocate inside.
template <class Model>
std::size_t approximate_bytes(World<Model> const& w) {
  std::size_t bytes = sizeof(World<Model>) + w.in_flight.size() * sizeof(InFlight<Model>);
  for (NodeState<Model> const& n : w.nodes) {
    bytes += sizeof(NodeState<Model>) + n.timers.size() * 48 + n.open.size() * sizeof(OpenOp);
    for (auto const& file : n.disk.files()) {
      bytes += file.second.entries.size() * sizeof(typename Model::Entry);
    }
  }
  return bytes;
}

}  // namespace mqcheck::explore
