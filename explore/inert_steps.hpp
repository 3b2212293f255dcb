// SPDX-License-Identifier: Apache-2.0
// File: explore/inert_steps.hpp (layer: explore)
// The inert-step reduction (Bounds::inert, `--reduce inert`): a delivery or timer firing that
// leaves its node's actor equal (the model's operator==), its disk untouched and no client op
// recorded is not folded into the node's input digest. It removes states, not transitions.
//
// Why it is sound. The `inputs` fingerprint rests on one premise (docs/explorer.md,
// Fingerprints): a deterministic actor's state, disk and open ops are a function of the inputs
// it took. An input after which they are what they were before changes none of them, so they
// are still a function of the other inputs; what the step did change elsewhere is fingerprinted
// directly: its sends (the in-flight multiset), its timers (their windows), the clock (through
// those windows). Two paths that differ only in when (or whether) such inputs arrived reach
// equal fingerprints only if their nodes, messages, timers, budget and client ops are equal, so
// they have the same futures and the same delivery verdicts: the same argument as for merging
// states at all. The usual case is a request a node answers without changing its state (a
// MetadataRequest at a broker, an empty fetch): interleavings of such requests at one node were
// distinct states under `inputs` alone (a hash chain is ordered), and now merge.
//
// What it needs from a model: operator== on every actor that compares its whole state (Kafka's
// Broker compares its request counter too, though it only names requests). An actor without
// operator== is never taken as unchanged, which only merges less.
//
// Unlike every choice before, an inert step adds no input, so a state's depth is no longer a
// function of its fingerprint (a delivery to a node that then crashes, and the crash alone,
// can meet), which sleep sets need (explore/sleep_sets.hpp): `por` is refused with it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <variant>
#include <vector>

#include "explore/actor_box.hpp"
#include "explore/world.hpp"

namespace mqcheck::explore {

/// Returns whether two boxed actors hold the same alternative with equal state (operator==);
/// false when that alternative has no operator== (never taken as unchanged).
template <class... A>
bool same_actor(ActorBox<std::variant<A...>> const& a, ActorBox<std::variant<A...>> const& b) {
  return a.visit([&b](auto const& x) {
    using T = std::decay_t<decltype(x)>;
    return b.visit([&x](auto const& y) {
      if constexpr (std::is_same_v<T, std::decay_t<decltype(y)>> && requires { x == y; }) {
        return static_cast<bool>(x == y);
      } else {
        return false;
      }
    });
  });
}

/// A copy of node `n`'s actor for an inert-step check, made into a spare box kept per node
/// (one per thread and model) and given back when the check is done: the copy is then an
/// assignment into the actor the last check of that node left (ActorBox::assign), whose
/// containers keep their buffers, instead of fresh allocations freed right after.
template <class Model>
class SpareActor {
 public:
  using Box = ActorBox<typename Model::Actor>;

  SpareActor() = default;
  SpareActor(std::uint32_t n, Box const& actor) : n_(n) {
    std::vector<std::optional<Box>>& spares = pool();
    if (n < spares.size() && spares[n]) {
      box_ = std::move(spares[n]);
      spares[n].reset();
      box_->assign(actor);
    } else {
      box_.emplace(actor);
    }
  }
  SpareActor(SpareActor&& other) noexcept : n_(other.n_), box_(std::move(other.box_)) {
    other.box_.reset();
  }
  SpareActor(SpareActor const&) = delete;
  SpareActor& operator=(SpareActor const&) = delete;
  SpareActor& operator=(SpareActor&& other) noexcept {
    if (this == &other) return *this;
    give_back();
    n_ = other.n_;
    box_ = std::move(other.box_);
    other.box_.reset();
    return *this;
  }
  ~SpareActor() { give_back(); }

  Box const& operator*() const { return *box_; }

 private:
  void give_back() noexcept {
    if (!box_) return;
    std::vector<std::optional<Box>>& spares = pool();
    if (spares.size() <= n_) spares.resize(n_ + 1);  // Allocates once per node and thread.
    spares[n_] = std::move(box_);
    box_.reset();
  }
  static std::vector<std::optional<Box>>& pool() {
    thread_local std::vector<std::optional<Box>> spares;
    return spares;
  }
  std::uint32_t n_ = 0;
  std::optional<Box> box_;
};

/// What an inert-step check needs of node `n` before the step. A node the World shares with
/// another is held (the step copies it anyway: World::edit), so the check reads it as it was.
/// A node this World alone holds is edited in place, and holding it made the step copy the
/// whole node (actor, timers, open ops: the search's largest single cost, 11% of a delay
/// search's instructions with the node's release); then only what the check reads is kept: a
/// copy of the actor, its disk (shared: a write copies it, so a write still shows as new
/// storage), its input digests and the counts the check compares.
template <class Model>
struct InertProbe {
  std::uint32_t n = 0;
  std::shared_ptr<NodeState<Model> const> before;  // The node, when shared; else null.
  SpareActor<Model> actor;                         // Else: its actor, copied.
  SharedDisk<typename Model::Entry> disk;          // And the rest the check reads.
  std::uint64_t inputs = 0;
  std::vector<std::uint64_t> inputs_renamed;
  std::size_t open = 0;
  bool up = false;
  std::uint32_t incarnation = 0;
  std::uint64_t observed = 0;
};

template <class Model>
InertProbe<Model> probe_node(World<Model> const& w, std::uint32_t n) {
  InertProbe<Model> probe;
  probe.n = n;
  probe.observed = w.observed;
  if (w.nodes[n].use_count() != 1) {
    probe.before = w.nodes[n];
    return probe;
  }
  NodeState<Model> const& node = *w.nodes[n];
  probe.actor = SpareActor<Model>(n, node.actor);
  probe.disk = node.disk;
  probe.inputs = node.inputs;
  probe.inputs_renamed = node.inputs_renamed;
  probe.open = node.open.size();
  probe.up = node.up;
  probe.incarnation = node.incarnation;
  return probe;
}

/// forget_if_inert for a node the World held alone (probe_node kept its parts, not the node):
/// the same tests on the kept parts. The node was edited in place, so it is still this
/// World's alone.
template <class Model>
bool forget_if_inert_alone(World<Model>& w, InertProbe<Model> const& probe) {
  NodeState<Model> const& after = w.node(probe.n);
  if (w.observed != probe.observed || after.open.size() != probe.open) return false;
  if (after.up != probe.up || after.incarnation != probe.incarnation) return false;
  if (&after.disk.get() != &probe.disk.get()) return false;
  if (!same_actor(after.actor, *probe.actor)) return false;
  NodeState<Model>& node = w.edit(probe.n);
  node.inputs = probe.inputs;
  node.inputs_renamed = probe.inputs_renamed;
  return true;
}

/// After a delivery to or a timer of `probe.n` took the World to `w`: when the node's actor is
/// equal to before, its disk untouched (the same storage: a write copies a shared disk) and no
/// client op was recorded (so its open ops are as they were), gives the node back its input
/// digests from before the step. Returns whether it did.
template <class Model>
bool forget_if_inert(World<Model>& w, InertProbe<Model> const& probe) {
  if (probe.before == nullptr) return forget_if_inert_alone(w, probe);
  NodeState<Model> const& before = *probe.before;
  NodeState<Model> const& after = w.node(probe.n);
  if (&after == &before) return false;  // The step did not touch the node (none do).
  if (w.observed != probe.observed || after.open.size() != before.open.size()) return false;
  if (after.up != before.up || after.incarnation != before.incarnation) return false;
  if (&after.disk.get() != &before.disk.get()) return false;
  if (!same_actor(after.actor, before.actor)) return false;
  NodeState<Model>& node = w.edit(probe.n);
  node.inputs = before.inputs;
  node.inputs_renamed = before.inputs_renamed;
  return true;
}

}  // namespace mqcheck::explore
