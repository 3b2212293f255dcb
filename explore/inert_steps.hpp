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
#include <type_traits>
#include <variant>

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

/// What an inert-step check needs of node `n` before the step: the node (held, so the step
/// copies it rather than writing in place) and the World's client-op sum.
template <class Model>
struct InertProbe {
  std::uint32_t n = 0;
  std::shared_ptr<NodeState<Model> const> before;
  std::uint64_t observed = 0;
};

template <class Model>
InertProbe<Model> probe_node(World<Model> const& w, std::uint32_t n) {
  return {n, w.nodes[n], w.observed};
}

/// After a delivery to or a timer of `probe.n` took the World to `w`: when the node's actor is
/// equal to before, its disk untouched (the same storage: a write copies a shared disk) and no
/// client op was recorded (so its open ops are as they were), gives the node back its input
/// digests from before the step. Returns whether it did.
template <class Model>
bool forget_if_inert(World<Model>& w, InertProbe<Model> const& probe) {
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
