// SPDX-License-Identifier: Apache-2.0
// File: sim/kernel.hpp (layer: sim)
// The discrete-event kernel. It owns simulated time, the event queue (ordered by time, then
// by a sequence number, so ties never depend on pointers or hashing), the seeded RNG streams,
// the network, the disks and the fault schedule. Models never see it: they receive inputs
// and return effects, which the kernel applies. Single-threaded and deterministic: the same
// plan, actors and seed give the same history, byte for byte. Timer events made stale by a
// cancel, a re-arm or a crash are skipped without counting as steps and purged from the queue
// in bulk; the ops go to the run's history, or to a sink when the run streams them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/assert.hpp"
#include "history/history.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "sim/kernel_queue.hpp"
#include "sim/kernel_sink.hpp"
#include "sim/kernel_timers.hpp"
#include "sim/network.hpp"
#include "sim/plan.hpp"
#include "sim/rng.hpp"
#include "sim/sample.hpp"

namespace mqcheck::sim {

/// Returns true when two records name the same messages in the same order.
bool same_messages(std::vector<history::Record> const& a, std::vector<history::Record> const& b);

template <class Model>
class Kernel;

/// Lets the explorer (explore/) borrow a world builder's kernel: while `hook` is set,
/// Kernel<Model>::run() hands the kernel, built with its plan, initial actors and resolver, to
/// the hook instead of simulating, and returns what the hook returns. The world builders
/// (sim/world_*.cpp) keep their configurations alive for exactly that call, so the explorer
/// drives the very actors `mqcheck run` would. Not for concurrent use; null in every
/// simulation, where it costs one pointer test per run.
template <class Model>
struct RunTakeover {
  static inline std::function<RunResult(Kernel<Model>&)>* hook = nullptr;
};

template <class Model>
class Kernel {
  using Message = typename Model::Message;
  using Entry = typename Model::Entry;
  using Actor = typename Model::Actor;
  using Output = model::Out<Message, Entry>;
  using TimerId = model::TimerId;

 public:
  /// `actors[i]` is node i's initial state; a restart returns the node to it, then recovers.
  Kernel(RunPlan plan, std::vector<Actor> actors, std::uint64_t seed);

  /// Runs until no event is left, quiesce + drain passes, or `steps_max` events have fired.
  RunResult run();

  /// Answers a fault selector such as "leader(orders-0)" from the current state, when the
  /// fault fires (PlannedFault::selector). Without one, such faults strike nobody.
  using Resolver = std::function<std::vector<NodeId>(Kernel const&, std::string const&)>;
  void set_resolver(Resolver resolver) { resolver_ = std::move(resolver); }
  /// Returns node n's current actor state and whether it is up (for resolvers).
  Actor const& actor(NodeId n) const { return nodes_[n.value].actor; }
  bool up(NodeId n) const { return nodes_[n.value].up; }

  /// Returns the plan and the nodes' initial actors (for the explorer, via RunTakeover).
  RunPlan const& plan() const { return plan_; }
  std::vector<Actor> const& initial_actors() const { return initial_; }
  /// Resolves `selector` as the resolver would if node n's actor were `actor_of(n)` and its
  /// liveness `up[n]`: the explorer's current state. Node n's actor is taken again only when
  /// `digests[n]` differs from the digest it was last taken at (the explorer's input digest: a
  /// deterministic actor's state is a function of it), so one call costs the nodes that
  /// changed, whichever explorer thread called last. Overwrites this kernel's node states, so
  /// it is only for a kernel borrowed through RunTakeover, never one that runs.
  template <class ActorOf>
  std::vector<NodeId> resolve_in(std::string const& selector,
                                 std::vector<std::uint64_t> const& digests,
                                 std::vector<bool> const& up, ActorOf&& actor_of) {
    resolved_at_.resize(nodes_.size());
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      if (resolved_at_[n] != digests[n]) {
        nodes_[n].actor = actor_of(n);
        resolved_at_[n] = digests[n];
      }
      nodes_[n].up = up[n];
    }
    return resolver_ ? resolver_(*this, selector) : std::vector<NodeId>{};
  }

 private:
  struct Event {
    enum class Kind : std::uint8_t { message, timer, fault, strike, restore, quiesce };
    SimTimeUs at;
    std::uint64_t seq;
    Kind kind;
    NodeId node;
    NodeId from;
    std::uint32_t incarnation;
    std::uint64_t payload;     // Message slot, timer id, fault or process index, action.
    std::uint64_t generation;  // Timers: only the latest setting of an id fires.
  };
  struct Earlier {
    bool operator()(Event const& a, Event const& b) const {
      return a.at != b.at ? a.at < b.at : a.seq < b.seq;
    }
  };
  static constexpr std::uint32_t not_kept = UINT32_MAX;
  struct OpenOp {
    std::uint64_t invoke;  // Its index in the history, which keeps the op (no copy here)...
    history::OpType on_crash;
    // ...unless ops are streamed (sink_): then it is kept_[kept]. A slot index, not the op:
    // completing an op erases it from the middle of `open`, and shifting whole ops (six
    // strings each) was the streamed run's largest cost.
    std::uint32_t kept;
    // A summary of the invoke, so matching a completion rarely reads the op itself (far back
    // in the history: a cache miss): its kind, message count and first message id.
    history::OpKind f;
    std::size_t count;
    MessageId first;
  };
  struct Node {
    Actor actor;
    bool up = true;
    bool paused = false;
    std::uint32_t incarnation = 0;  // Bumped by every crash: stale timers and messages die.
    TimerTable timers;              // Armed timer -> its live generation.
    std::vector<Event> deferred;              // What arrived while paused, in order.
    model::Disk<Entry> disk;
    std::vector<OpenOp> open;  // Client ops invoked and not yet completed.
    Rng rng;                   // This node's timer delays.
  };

  void push(Event e);
  bool stale(Event const& e) const;
  void forget_timer_event() { ++stale_; }
  void purge_stale();
  DurationUs draw(Rng& rng, Distribution const& d) const;
  void step(Event const& e);
  void deliver(Event const& e);
  void fire_timer(Event const& e);
  void apply(NodeId n);
  void apply_disk(Node& node, NodeId n);
  void observe(NodeId n, model::Observe&& observed);
  std::uint64_t record(history::Op&& op);
  history::Op const& invoke_of(OpenOp const& o) const {
    return o.kept != not_kept ? kept_[o.kept] : history_.ops()[o.invoke];
  }
  std::uint32_t keep(history::Op&& op);
  void release(OpenOp const& o) {
    if (o.kept != not_kept) kept_free_.push_back(o.kept);
  }
  static MessageId first_id(history::Op const& op) {
    return op.value.empty() ? MessageId{} : op.value.front().id;
  }
  void transmit(NodeId from, NodeId to, Message message);
  void record_event(std::string process, history::OpKind f, std::string detail);
  void dropped(NodeId from, NodeId to, char const* reason);
  template <class F>
  void call(NodeId n, F&& f);

  void fault(PlannedFault const& f);
  void node_fault(FaultAction action, NodeId n);
  void crash(NodeId n, bool power_loss);
  void restart(NodeId n);
  void pause(NodeId n);
  void resume(NodeId n);
  void strike(std::size_t process);
  void quiesce();
  void fired(std::string what) { faults_.push_back({now_, std::move(what)}); }

  RunPlan plan_;
  std::vector<Actor> initial_;
  std::vector<Node> nodes_;
  QuadHeap<Event, Earlier> queue_;  // Pending events, earliest first (kernel_queue.hpp).
  // Timer events in queue_ that can no longer fire (cancelled, re-armed, or their node
  // crashed), at most: purge_stale() drops them once they are half the queue, so cancelled
  // long timeouts (delivery.timeout.ms) do not pile up in the heap.
  std::size_t stale_ = 0;
  bool purged_beyond_end_ = false;  // A purged event lay after quiesce + drain.
  SimTimeUs purged_last_{};          // The latest purged event up to quiesce + drain.
  static constexpr std::size_t stale_purge_min = 64;
  std::vector<Message> slots_;  // Messages in flight, by slot.
  std::vector<std::uint64_t> free_slots_;
  Output out_;  // Reused by every step.
  Network network_;
  Rng fault_rng_;
  history::History history_;
  OpSink const* sink_ = RunSink::sink;  // Streaming: ops go here, not into history_.
  std::vector<history::Op> kept_;        // Streaming: the open invokes, by slot...
  std::vector<std::uint32_t> kept_free_;  // ...and the free slots (reused: no allocation).
  std::uint64_t streamed_ = 0;          // Ops handed to sink_ so far.
  SimTimeUs streamed_time_{};           // The time of the last of them.
  std::vector<FiredFault> faults_;
  SimTimeUs now_{};
  std::uint64_t seq_ = 0;
  std::uint64_t timer_generation_ = 0;
  bool quiesced_ = false;
  Resolver resolver_;
  std::vector<std::optional<std::uint64_t>> resolved_at_;  // resolve_in: digest each actor is at.
  std::map<std::size_t, std::vector<NodeId>> resolved_;  // Fault source -> targets it struck.
};

}  // namespace mqcheck::sim

#include "sim/kernel_impl.hpp"
