// SPDX-License-Identifier: Apache-2.0
// File: explore/sleep_sets.hpp (layer: explore)
// Partial-order reduction by sleep sets (P. Godefroid, "Partial-Order Methods for the
// Verification of Concurrent Systems", LNCS 1032, 1996, ch. 5; also Clarke, Grumberg and
// Peled, "Model Checking", MIT Press 1999, ch. 10). A state carries the set of transitions
// already covered by an interleaving explored from an ancestor; those are not taken again.
// Sleep sets never drop a reachable state (Godefroid, Theorem 5.11): the same distinct states
// and verdicts, fewer transitions (each one a World copy, a step and a fingerprint).
//
// Why sleep sets and not persistent (ample) sets: an ample set must be closed under every
// transition dependent on it that can happen first (condition C1). A timer firing moves time
// and so changes every window, deadline and which other timers may fire: it is dependent on
// every delivery, and the Kafka model has an armed timer in almost every state. C1 would then
// force the ample set to be all enabled choices, a reduction of nothing. Deliveries alone do
// not escape it either: the network is a multiset, so a message sent later may overtake one in
// flight to the same node, and C1 would have to hold every step that may send it one first
// (tests/explore/ample_sets_test.cpp; measured in docs/explorer.md, Reductions). Sleep sets only
// need the independence of two transitions enabled together, which holds here (below).
//
// Independence, computed conservatively from the two choices alone: two deliveries to
// different nodes. Each runs one handler of its own receiver, which reads and writes only that
// node (actor, timers, disk, open ops, input digest); time does not move; what they send joins
// the in-flight multiset (fingerprinted as a sum, order-free); the client ops they record join
// the `observed` multiset. Neither removes or changes the other's message, so each stays
// enabled after the other, and both orders reach the same fingerprint. Everything else (a timer,
// a crash or power loss, which may resolve a selector against every node, a restart, a
// network drop or duplicate) is taken as dependent on everything.
//
// With stored states: breadth-first with `inputs` fingerprints reaches a state only in the
// layer of its depth (every choice adds one input to one node, or spends one network fault, so
// the depth is a function of the fingerprint); every edge into a state is therefore seen before
// it is expanded, and it is expanded with the intersection of the sleep sets it was reached
// with (Godefroid 1996, section 5.3: a state matched again needs the smaller set).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "explore/choice.hpp"
#include "explore/world.hpp"

namespace mqcheck::explore {

/// A delivery as it is named across states (an in-flight index is not stable): the message's
/// digest (sender, receiver, incarnation, content), its deadline (from now) and its receiver.
struct SleepItem {
  std::uint64_t digest = 0;
  std::int64_t deadline = 0;
  std::uint32_t to = 0;
  bool operator==(SleepItem const&) const = default;
};

using SleepSet = std::vector<SleepItem>;

/// Returns the delivery `c` names in `w` as a SleepItem; `c` must be a delivery.
template <class Model>
SleepItem sleep_item(World<Model> const& w, Choice const& c) {
  InFlight<Model> const& m = w.in_flight[static_cast<std::size_t>(c.item)];
  return {m.digest, relative(m.deadline, w.now), m.to.value};
}

/// Returns whether `c` (a choice of `w`) is asleep in `sleep`: only deliveries ever are.
template <class Model>
bool asleep(World<Model> const& w, Choice const& c, SleepSet const& sleep) {
  if (c.kind != ChoiceKind::deliver || sleep.empty()) return false;
  SleepItem const item = sleep_item(w, c);
  return std::find(sleep.begin(), sleep.end(), item) != sleep.end();
}

/// Returns the sleep set of the child reached by `c`, given the parent's set and the choices of
/// the parent taken before `c` (`done`, deliveries only): those independent of `c` stay asleep.
inline SleepSet child_sleep(Choice const& c, SleepSet const& parent, SleepSet const& done) {
  SleepSet out;
  if (c.kind != ChoiceKind::deliver) return out;  // Dependent on everything: nothing sleeps.
  std::uint32_t const to = c.node.value;
  for (SleepSet const* from : {&parent, &done}) {
    for (SleepItem const& u : *from) {
      if (u.to != to && std::find(out.begin(), out.end(), u) == out.end()) out.push_back(u);
    }
  }
  return out;
}

/// Keeps in `into` only what is also in `other`: a state reached along several edges sleeps
/// only on what every one of them covered.
inline void intersect(SleepSet& into, SleepSet const& other) {
  std::erase_if(into, [&](SleepItem const& u) {
    return std::find(other.begin(), other.end(), u) == other.end();
  });
}

}  // namespace mqcheck::explore
