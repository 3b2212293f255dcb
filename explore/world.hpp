// SPDX-License-Identifier: Apache-2.0
// File: explore/world.hpp (layer: explore)
// One state of the explored system as a value: every node's actor, liveness, incarnation,
// armed timers (as windows of time relative to now), disk and open client ops; the messages
// in flight; the fault budget spent; and the history recorded along the path that led here
// (a persistent list, so copying a World is cheap). The explorer copies Worlds, applies one
// choice to the copy (explore/engine.hpp) and fingerprints the result (fingerprint()). Copies
// share what a step does not change: nodes are copied on write (World::edit), a message in
// flight is shared (it never changes while in flight), and timer windows and message deadlines
// are absolute times, so moving time writes nothing but `now`.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/assert.hpp"
#include "core/hash.hpp"
#include "explore/actor_box.hpp"
#include "explore/timer_table.hpp"
#include "explore/value_hash.hpp"
#include "history/history.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"

namespace mqcheck::explore {

/// When an armed timer may fire, in microseconds since the start: not before `lo`, not after
/// `hi`. A constant delay gives lo == hi; a delay without an upper bound (exponential, normal)
/// has hi == unbounded. Absolute, so that moving time changes no window; what the search
/// compares and fingerprints is the window relative to now (relative()).
struct TimerWindow {
  static constexpr std::int64_t unbounded = std::numeric_limits<std::int64_t>::max();
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  bool operator==(TimerWindow const&) const = default;
};

/// Returns the absolute time `at` as seen from `now`: how long until then, 0 when it has
/// passed, unbounded stays unbounded. Equal to the relative windows the explorer kept before
/// they were absolute (each move of time subtracted and clamped at 0: the clamps compose).
inline std::int64_t relative(std::int64_t at, SimTimeUs now) {
  if (at == TimerWindow::unbounded) return at;
  return std::max<std::int64_t>(0, at - now.us);
}

/// Returns the absolute window a timer set at `now` with `delay` gets.
inline TimerWindow window_of(Distribution const& delay, SimTimeUs now) {
  auto const at = [&](std::int64_t d) { return d == TimerWindow::unbounded ? d : now.us + d; };
  switch (delay.kind) {
    case Distribution::Kind::constant:
      return {at(delay.mean.us), at(delay.mean.us)};
    case Distribution::Kind::uniform:
      return {at(delay.min.us), at(delay.max.us)};
    case Distribution::Kind::exponential:
    case Distribution::Kind::normal:
      break;
  }
  return {at(delay.min.us), TimerWindow::unbounded};
}

/// An armed timer's share of the fingerprint, from its window relative to now: linear in the
/// window, so that a node's sum over its timers can be kept at absolute times and read at any
/// now in O(1) (TimerSums). Coefficients are odd mixes of the id (splitmix64's finaliser), so
/// a change of one window by d (0 < |d| < 2^63) always changes the term (odd * d != 0 mod 2^64).
inline std::uint64_t timer_coefficient(model::TimerId id, std::uint64_t part) {
  std::uint64_t x = id * 4 + part + 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return (x ^ (x >> 31)) | 1u;
}
inline std::uint64_t timer_term(model::TimerId id, std::int64_t lo, std::int64_t hi) {
  std::uint64_t const term =
      timer_coefficient(id, 0) + timer_coefficient(id, 1) * static_cast<std::uint64_t>(lo);
  if (hi == TimerWindow::unbounded) return term + timer_coefficient(id, 2);
  return term + timer_coefficient(id, 3) * static_cast<std::uint64_t>(hi);
}

/// A node's timer terms summed at absolute windows, so that fingerprint() reads a node's timers
/// relative to now without walking them: while no window starts before now (none clamped by
/// relative()), the sum of timer_term over the relative windows is at_zero - now * slope. Kept
/// by the Engine as each step sets, cancels or fires a timer (Engine::apply_out, fire; a
/// crash clears them); stale inside a settle, whose World is never fingerprinted.
struct TimerSums {
  std::uint64_t at_zero = 0;  // Sum of timer_term(id, lo, hi) over the absolute windows.
  std::uint64_t slope = 0;    // The sum's change per microsecond of now, negated.
  std::int64_t earliest = TimerWindow::unbounded;  // The least start: below now, walk instead.
};

/// Adds timer `id` armed at `window` to `sums` (timer_sums_of's term for it).
inline void add_timer_sum(TimerSums& sums, model::TimerId id, TimerWindow const& window) {
  sums.at_zero += timer_term(id, window.lo, window.hi);
  sums.slope += timer_coefficient(id, 1);
  if (window.hi != TimerWindow::unbounded) sums.slope += timer_coefficient(id, 3);
  sums.earliest = std::min(sums.earliest, window.lo);
}

/// Takes timer `id` armed at `window` out of `sums`: the sums are exact (modulo 2^64), so the
/// result is what timer_sums_of gives without it, except `earliest`, which a minimum cannot
/// give back: returns whether it must be found again (the window held it).
inline bool remove_timer_sum(TimerSums& sums, model::TimerId id, TimerWindow const& window) {
  sums.at_zero -= timer_term(id, window.lo, window.hi);
  sums.slope -= timer_coefficient(id, 1);
  if (window.hi != TimerWindow::unbounded) sums.slope -= timer_coefficient(id, 3);
  return window.lo == sums.earliest;
}

template <class Timers>
TimerSums timer_sums_of(Timers const& timers) {
  TimerSums sums;
  for (auto const& [id, window] : timers) add_timer_sum(sums, id, window);
  return sums;
}

/// Returns the least start of `timers` (TimerSums::earliest).
template <class Timers>
std::int64_t earliest_start(Timers const& timers) {
  std::int64_t earliest = TimerWindow::unbounded;
  for (auto const& [id, window] : timers) earliest = std::min(earliest, window.lo);
  return earliest;
}

/// A client op that was invoked and not completed, and how a crash completes it (as in the
/// kernel: sim/kernel.hpp OpenOp).
struct OpenOp {
  history::Op invoke;
  history::OpType on_crash = history::OpType::info;
};

/// A node's disk, shared by the copies of a node until one of them writes to it: most steps
/// leave the disk alone, yet copying a node (World::edit) copied every entry of it. Read with
/// get(), written through edit(), which copies it first when another node shares it (the
/// count and fence as in World::edit).
template <class Entry>
class SharedDisk {
 public:
  model::Disk<Entry> const& get() const { return disk_ ? *disk_ : none(); }
  model::Disk<Entry>& edit() {
    if (!disk_) {
      disk_ = std::make_shared<model::Disk<Entry>>();
    } else if (disk_.use_count() == 1) {
      std::atomic_thread_fence(std::memory_order_acquire);
    } else {
      disk_ = std::make_shared<model::Disk<Entry>>(*disk_);
    }
    return *disk_;
  }

 private:
  static model::Disk<Entry> const& none() {
    static model::Disk<Entry> const empty;
    return empty;
  }
  std::shared_ptr<model::Disk<Entry>> disk_;  // Null: never written, an empty disk.
};

/// The fault options a path has used (World::faults_used), one bit each. Every World copy (each
/// child a search makes) copied it: as a std::vector<bool> that was an allocation and a bit-by-
/// bit copy, 3% of a Kafka expansion's instructions. Reads as that vector did: size(), [k] and
/// iteration in order (bools), so the fingerprint folds it in unchanged. At most `max` options
/// (Engine refuses more).
class FaultSet {
 public:
  static constexpr std::size_t max = 64;

  void assign(std::size_t n, bool used) {
    MQCHECK_ASSERT(n <= max);
    size_ = static_cast<std::uint32_t>(n);
    bits_ = used && n > 0 ? ~std::uint64_t{0} >> (max - n) : 0;
  }
  std::size_t size() const { return size_; }
  bool operator[](std::size_t k) const { return ((bits_ >> k) & 1u) != 0; }
  /// Marks option `k` used.
  void set(std::size_t k) {
    MQCHECK_ASSERT(k < size_);
    bits_ |= std::uint64_t{1} << k;
  }

  /// Iterates the options' bits in order, as bools.
  class const_iterator {
   public:
    const_iterator(FaultSet const* set, std::size_t k) : set_(set), k_(k) {}
    bool operator*() const { return (*set_)[k_]; }
    const_iterator& operator++() {
      ++k_;
      return *this;
    }
    bool operator==(const_iterator const&) const = default;

   private:
    FaultSet const* set_;
    std::size_t k_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  std::uint64_t bits_ = 0;
  std::uint32_t size_ = 0;
};

/// One node of the world.
template <class Model>
struct NodeState {
  ActorBox<typename Model::Actor> actor;  // Boxed at its own size (explore/actor_box.hpp).
  bool up = true;
  std::uint32_t incarnation = 0;   // Bumped by every crash, as in the kernel.
  TimerTable<TimerWindow> timers;  // By id (explore/timer_table.hpp).
  TimerSums timer_sums;            // Of `timers`: what fingerprint() reads.
  SharedDisk<typename Model::Entry> disk;
  std::vector<OpenOp> open;
  /// Digest of every input this node took, in order (messages, timers, crashes, restarts, and
  /// the time of each step that read the clock: Engine::call). A deterministic actor's state,
  /// timers, disk and open ops are a function of it.
  std::uint64_t inputs = 0;
  /// With symmetry reduction (explore/symmetry.hpp): `inputs` as it reads under each renaming
  /// of the group but the identity, in the group's order; empty otherwise.
  std::vector<std::uint64_t> inputs_renamed;
};

/// Where World::edit's node copies come from: a node a World let go (its last owner dropped
/// it) is kept, up to `kept` per thread and actor kind, and the next copy of a node of that
/// kind is assigned into it. Copying a node allocated its actor's containers anew and releasing
/// it freed them (with the node's own block, a fifth of a delay search's instructions went to
/// malloc and free); assigned, an actor's containers keep their buffers (ActorBox::assign). A
/// recycled node is a value like any other: only its storage is reused.
template <class Model>
class NodePool {
 public:
  /// Returns a new node equal to `from`, held by a pointer that gives it back when released.
  static std::shared_ptr<NodeState<Model>> copy(NodeState<Model> const& from) {
    std::vector<std::unique_ptr<NodeState<Model>>>& kind = spares().of(from.actor.index());
    if (kind.empty()) {
      return std::shared_ptr<NodeState<Model>>(new NodeState<Model>(from), Recycle{});
    }
    std::unique_ptr<NodeState<Model>> node = std::move(kind.back());
    kind.pop_back();
    *node = from;
    return std::shared_ptr<NodeState<Model>>(node.release(), Recycle{});
  }

 private:
  static constexpr std::size_t kept = 64;
  struct Spares {
    std::vector<std::vector<std::unique_ptr<NodeState<Model>>>> by_kind;
    std::vector<std::unique_ptr<NodeState<Model>>>& of(std::size_t kind) {
      if (by_kind.size() <= kind) by_kind.resize(kind + 1);
      return by_kind[kind];
    }
  };
  static Spares& spares() {
    thread_local Spares pool;
    return pool;
  }
  struct Recycle {
    void operator()(NodeState<Model>* p) const {
      std::unique_ptr<NodeState<Model>> node(p);
      std::vector<std::unique_ptr<NodeState<Model>>>& kind = spares().of(p->actor.index());
      if (kind.size() < kept) kind.push_back(std::move(node));
    }
  };
};

/// A message on the wire, to one incarnation of its receiver.
template <class Model>
struct InFlight {
  NodeId from;
  NodeId to;
  std::uint32_t incarnation = 0;
  std::uint64_t digest = 0;  // Of (from, to, incarnation, message): the multiset hash uses it.
  /// The latest it may arrive, in microseconds since the start (TimerWindow::unbounded without
  /// --max-latency): time cannot move past it while it is in flight.
  std::int64_t deadline = TimerWindow::unbounded;
  /// Shared by the copies of a World: a message does not change on the wire.
  std::shared_ptr<typename Model::Message const> message;
  /// With symmetry reduction: `digest` under each renaming of the group but the identity,
  /// computed once at the send and shared like the message; null otherwise.
  std::shared_ptr<std::vector<std::uint64_t> const> digest_renamed;
};

/// The history recorded along a path, newest op first; shared between a World and its copies.
struct OpChain {
  history::Op op;
  /// Mutable only for the destructor, which unlinks it.
  mutable std::shared_ptr<OpChain const> prev;

  OpChain(history::Op o, std::shared_ptr<OpChain const> older)
      : op(std::move(o)), prev(std::move(older)) {}
  OpChain(OpChain const&) = delete;
  OpChain& operator=(OpChain const&) = delete;
  /// Releases the older nodes in a loop: the default release recursed once per node, and a
  /// path of about 500,000 ops (a delay search's whole run of a large scenario) overflowed an
  /// 8 MiB stack. A node some other World still holds ends the loop (its holder releases the
  /// rest); a count of one cannot rise meanwhile, since only this chain holds that node.
  ~OpChain() {
    std::shared_ptr<OpChain const> older = std::move(prev);
    while (older && older.use_count() == 1) older = std::move(older->prev);
  }
};

template <class Model>
struct World {
  /// Read through node(), written through edit(): a node is shared by the copies of a World
  /// until one of them changes it.
  std::vector<std::shared_ptr<NodeState<Model>>> nodes;
  std::vector<InFlight<Model>> in_flight;  // In send order: index 0 is the oldest.
  FaultSet faults_used;                    // By fault option (explore/engine.hpp).
  std::uint32_t crashes_used = 0;          // Of the --crashes budget.
  std::uint32_t drops_used = 0;            // Of the --drops budget.
  std::uint32_t duplicates_used = 0;       // Of the --duplicates budget.
  /// The partition cutting the network now: its fault option plus one; 0 for none. Messages
  /// across the cut are dropped when sent and when they would arrive, as the kernel drops them.
  std::uint32_t partition = 0;
  SimTimeUs now{};                         // Not fingerprinted: timers are kept relative.
  /// Sum of the digests of every client op so far (a multiset); a settle leaves it alone.
  std::uint64_t observed = 0;
  /// With symmetry reduction: `observed` under each renaming of the group but the identity.
  std::vector<std::uint64_t> observed_renamed;
  std::shared_ptr<OpChain const> ops;
  /// Ops recorded after `ops` by a settle (Engine::settle), in order: a flat vector instead of
  /// one shared chain node per op, because a settled World is judged once and thrown away (the
  /// chain's allocations and its release were a third of the search's time). Empty otherwise.
  std::vector<history::Op> tail;
  std::size_t op_count = 0;
  std::uint64_t steps = 0;  // Choices taken since the initial state.

  NodeState<Model> const& node(std::uint32_t n) const { return *nodes[n]; }
  /// Returns node `n` to change, copying it first when another World shares it. A count of one
  /// means no other World holds it, so no other thread can be reading it; the fence orders
  /// our writes after the last other owner's reads, which ended with its release decrement.
  NodeState<Model>& edit(std::uint32_t n) {
    std::shared_ptr<NodeState<Model>>& p = nodes[n];
    if (p.use_count() == 1) {
      std::atomic_thread_fence(std::memory_order_acquire);
    } else {
      p = NodePool<Model>::copy(*p);
    }
    return *p;
  }
};

/// How a World is fingerprinted. `inputs` folds in each node's input digest: sound for any
/// deterministic model, whatever its hash_into covers. `state` folds in the actors' own
/// hash_into, the disks and the open ops: more states merge (two input orders that reach the
/// same actor state), but it is sound only when every actor's hash_into covers its state.
enum class FingerprintMode : std::uint8_t { inputs, state };

/// Returns the digest of a client op as the delivery checker sees it: what and who, never when
/// or where in the history (index and time are left out, so the sum over a path's ops does not
/// depend on the order of independent steps).
/// `process` stands for op.process: symmetry.hpp passes the renamed one.
inline std::uint64_t op_digest(history::Op const& op, std::string const& process) {
  Hasher h;
  h.add(static_cast<std::uint64_t>(op.type));
  h.add(static_cast<std::uint64_t>(op.f));
  h.add(process);
  h.add(op.group);
  h.add(op.detail);
  h.add(op.txn);
  hash_value(h, op.value);
  return h.digest();
}
inline std::uint64_t op_digest(history::Op const& op) { return op_digest(op, op.process); }

/// Returns the sum of timer_term over `node`'s timers, windows relative to `now`: from its
/// TimerSums when no window starts before now, else by a walk (relative() clamps such starts).
template <class Model>
std::uint64_t timers_digest(NodeState<Model> const& node, SimTimeUs now) {
  TimerSums const& sums = node.timer_sums;
  auto const at = static_cast<std::uint64_t>(now.us);
  if (sums.earliest >= now.us) return sums.at_zero - at * sums.slope;
  std::uint64_t digest = 0;
  for (auto const& [id, window] : node.timers) {
    digest += timer_term(id, relative(window.lo, now), relative(window.hi, now));
  }
  return digest;
}

/// splitmix64's finaliser: a bijection, so distinct packed values give distinct words.
inline std::uint64_t mix_word(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Returns one word for a node's liveness, incarnation, timer count and timers (their
/// timers_digest), which fingerprint() folds in once: folding the four one by one was the
/// larger part of a fingerprint (each fold waits on the last; fingerprints were a tenth of a
/// delay search's instructions). The first three are packed and mixed (mix_word), so distinct
/// triples give distinct words; the timers enter times an odd constant, so two nodes alike in
/// all else but their timers always differ. `inputs` mode xors the input digest in (a hash
/// value: it meets another node's word only by chance).
inline std::uint64_t node_word(bool up, std::uint32_t incarnation, std::size_t timer_count,
                               std::uint64_t timers) {
  std::uint64_t const packed = (up ? 1u : 0u) | (std::uint64_t{incarnation} << 1) |
                               (static_cast<std::uint64_t>(timer_count) << 33);
  return mix_word(packed) + timers * 0xd6e8feb86659fd93ull;
}

/// Returns the words fingerprint() folds for the world's budget: the messages in flight (their
/// multiset sum `wire`, plus their count, crash count and option count packed and mixed as in
/// node_word; fewer than 2^24 messages) and the fault options used (`used`, in option order,
/// one bit each: at most FaultSet::max). Folded one by one they were four folds and one per
/// option.
template <class Bools>
std::pair<std::uint64_t, std::uint64_t> budget_words(std::uint64_t wire, std::size_t in_flight,
                                                     std::uint32_t crashes, Bools const& used) {
  std::uint64_t bits = 0;
  std::uint64_t options = 0;
  for (bool const u : used) bits |= std::uint64_t{u ? 1u : 0u} << options++;
  std::uint64_t const packed =
      static_cast<std::uint64_t>(in_flight) | (std::uint64_t{crashes} << 24) | (options << 56);
  return {wire + mix_word(packed), bits};
}

/// Returns the fingerprint of `w`: equal for two Worlds whose futures (and the delivery
/// verdicts of every continuation) are the same; see docs/explorer.md for why.
template <class Model>
std::uint64_t fingerprint(World<Model> const& w, FingerprintMode mode) {
  Hasher h;
  for (auto const& node : w.nodes) {
    NodeState<Model> const& n = *node;
    std::uint64_t const word =
        node_word(n.up, n.incarnation, n.timers.size(), timers_digest(n, w.now));
    if (mode == FingerprintMode::inputs) {
      h.add(word ^ n.inputs);
    } else {
      h.add(word);
      hash_value(h, n.actor);
      h.add_each(n.disk.get().files(), [](Hasher& g, auto const& file) {
        g.add(file.first);
        // As hash_value hashes a vector: each entry, then the count.
        g.add_each(file.second.entries, [](Hasher& k, auto const& e) { hash_value(k, e); });
        g.add(file.second.synced);
      });
      h.add_each(n.open, [](Hasher& g, OpenOp const& o) {
        g.add(op_digest(o.invoke));
        g.add(static_cast<std::uint64_t>(o.on_crash));
      });
    }
  }
  std::uint64_t wire = 0;  // A sum: the same multiset in any order gives the same value.
  for (InFlight<Model> const& m : w.in_flight) {
    std::int64_t const deadline = relative(m.deadline, w.now);
    std::uint64_t const due = static_cast<std::uint64_t>(deadline) * 0x9e3779b97f4a7c15ull;
    wire += deadline == TimerWindow::unbounded ? m.digest : m.digest ^ due;
  }
  auto const [budget, used] = budget_words(wire, w.in_flight.size(), w.crashes_used, w.faults_used);
  h.add(budget);
  h.add(used);
  if (w.drops_used + w.duplicates_used > 0) {  // Absent without network faults: counts stay.
    h.add(w.drops_used);
    h.add(w.duplicates_used);
  }
  if (w.partition != 0) h.add(0x9a27u + w.partition);  // Absent without one, likewise.
  h.add(w.observed);
  return h.digest();
}

/// Calls `visit` on every op of the path that led to `w`, then its settle's tail, in order.
template <class Model, class F>
void for_each_op(World<Model> const& w, F&& visit) {
  std::vector<history::Op const*> ops;
  ops.reserve(w.op_count);
  for (OpChain const* c = w.ops.get(); c != nullptr; c = c->prev.get()) ops.push_back(&c->op);
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) visit(**it);
  for (history::Op const& op : w.tail) visit(op);
}

/// Returns the history of the path that led to `w` (and its settle's tail), under `header`,
/// ops in order.
template <class Model>
history::History history_of(World<Model> const& w, history::Header header) {
  history::History out(std::move(header));
  for_each_op(w, [&](history::Op const& op) { out.append(op); });
  return out;
}

/// Returns a rough estimate of the memory node `n` holds, in bytes: the value itself, its
/// actor (boxed: its own size), timers, open ops and disk entries, not what the actor
/// allocates inside.
template <class Model>
std::size_t node_bytes(NodeState<Model> const& n) {
  std::size_t bytes = sizeof(NodeState<Model>) + n.actor.bytes() + n.timers.size() * 48 +
                      n.open.size() * sizeof(OpenOp);
  for (auto const& file : n.disk.get().files()) {
    bytes += file.second.entries.size() * sizeof(typename Model::Entry);
  }
  return bytes;
}

/// The bytes `w` holds itself, without its nodes (which copies of a World share).
template <class Model>
std::size_t own_bytes(World<Model> const& w) {
  return sizeof(World<Model>) + w.in_flight.size() * sizeof(InFlight<Model>);
}

/// Returns a rough estimate of the memory `w` holds alone, in bytes (for --max-memory): every
/// node in full. For a World that shares nodes with others the search holds, use
/// bytes_beyond() or distinct_bytes(), or a shared node is counted once per World.
template <class Model>
std::size_t approximate_bytes(World<Model> const& w) {
  std::size_t bytes = own_bytes(w);
  for (auto const& node : w.nodes) bytes += node_bytes(*node);
  return bytes;
}

/// Returns what `child`, a copy of `parent` with one step applied, adds to the memory held
/// while `parent` is held too: its own bytes and the nodes the step copied (World::edit); the
/// nodes it still shares with `parent` are counted with `parent`. Compares pointers, never
/// reference counts, so it is a function of the two Worlds alone: the search stops at the same
/// state whatever the thread count (a count would also see other threads' temporary copies).
template <class Model>
std::size_t bytes_beyond(World<Model> const& child, World<Model> const& parent) {
  std::size_t bytes = own_bytes(child);
  for (std::size_t n = 0; n < child.nodes.size(); ++n) {
    if (n >= parent.nodes.size() || child.nodes[n] != parent.nodes[n]) {
      bytes += node_bytes(*child.nodes[n]);
    }
  }
  return bytes;
}

/// Returns the memory the Worlds `ws` hold together, each shared node counted once: the sum
/// over distinct node pointers. The order of `ws` does not change the sum.
template <class Model>
std::size_t distinct_bytes(std::vector<World<Model> const*> const& ws) {
  std::vector<NodeState<Model> const*> nodes;
  std::size_t bytes = 0;
  for (World<Model> const* w : ws) {
    bytes += own_bytes(*w);
    for (auto const& node : w->nodes) nodes.push_back(node.get());
  }
  std::sort(nodes.begin(), nodes.end(), std::less<>{});  // A total order on pointers.
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  for (NodeState<Model> const* node : nodes) bytes += node_bytes(*node);
  return bytes;
}

}  // namespace mqcheck::explore
