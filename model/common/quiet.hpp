// SPDX-License-Identifier: Apache-2.0
// File: model/common/quiet.hpp (layer: model)
// What a model reads to say that a world is quiet: that from here to a given time, if nothing
// but the model's own timers and messages runs (no fault, every node up, nothing in flight),
// it records no client op a delivery verdict reads. The explorer's settle (explore/engine.hpp,
// settle_steps) stops there instead of running the model's idle periodic traffic (heartbeats,
// empty fetches and polls) to the drain's end. A model that defines no `quiet` never stops
// early. docs/explorer.md, "Judging a state: settle, then check".
#pragma once

#include <cstdint>
#include <span>
#include <variant>

#include "core/time.hpp"
#include "model/common/out.hpp"

namespace mqcheck::model {

/// An armed timer and the earliest time it may fire (absolute, microseconds).
struct ArmedTimer {
  TimerId id = 0;
  std::int64_t earliest_us = 0;
};

template <class Variant>
struct ActorPointers;
/// An actor of a model's variant `std::variant<A...>` where it lies: monostate for a node
/// that is down.
template <class... A>
struct ActorPointers<std::variant<A...>> {
  using type = std::variant<std::monostate, A const*...>;
};

/// One node as the quiet predicate sees it: its actor and its armed timers, by id.
template <class Actor>
struct QuietNode {
  typename ActorPointers<Actor>::type actor;
  std::span<ArmedTimer const> timers;
};

}  // namespace mqcheck::model
