// SPDX-License-Identifier: Apache-2.0
// File: explore/actor_box.hpp (layer: explore)
// A node's actor in the explorer (NodeState::actor): the model's actor variant, with the
// alternative it holds on the heap at its own size. A std::variant is as large as its largest
// alternative (a Kafka actor is 1,184 bytes because its consumer is, while a broker or the
// controller is 200), and World::edit copies a whole node for each step: every copied node,
// which is most of what a search's frontier holds per state, cost the largest actor's size.
// Boxed, a node is ~150 bytes plus its own actor. Copying deep-copies the actor (a copy is a
// value, as before); hashing gives what hash_value gives for the variant itself.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

#include "explore/value_hash.hpp"

namespace mqcheck::explore {

template <class Variant>
class ActorBox;

template <class... A>
class ActorBox<std::variant<A...>> {
 public:
  using Actor = std::variant<A...>;

  ActorBox() : ActorBox(Actor{}) {}
  /// Boxes a copy of `actor`'s alternative. Implicit, as the variant it stands for.
  ActorBox(Actor const& actor)  // NOLINT(google-explicit-constructor)
      : held_(std::visit([](auto const& a) -> Held { return box(a); }, actor)) {}
  ActorBox(ActorBox const& other)
      : held_(std::visit([](auto const& p) -> Held { return box(*p); }, other.held_)) {}
  ActorBox(ActorBox&&) noexcept = default;
  ActorBox& operator=(ActorBox const& other) {
    if (this != &other) assign(other);
    return *this;
  }
  ActorBox& operator=(ActorBox&&) noexcept = default;
  ActorBox& operator=(Actor const& actor) { return *this = ActorBox(actor); }
  ~ActorBox() = default;

  /// Calls `f` on the actor (its alternative's type), as std::visit(f, variant) would.
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit([&f](auto& p) -> decltype(auto) { return f(*p); }, held_);
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit([&f](auto const& p) -> decltype(auto) { return f(std::as_const(*p)); },
                      held_);
  }

  /// Makes this box hold a copy of `other`'s actor (operator= does this). When both hold the
  /// same alternative it is copy-assigned in place, so the actor's containers keep their
  /// buffers (the inert probe's spare copies, explore/inert_steps.hpp, and recycled nodes,
  /// explore/world.hpp NodePool); else it is boxed anew.
  void assign(ActorBox const& other) {
    if (held_.index() != other.held_.index()) {
      held_ = ActorBox(other).held_;  // Moves the fresh copy's box in.
      return;
    }
    std::visit(
        [](auto& p, auto const& q) {
          using T = typename std::decay_t<decltype(p)>::element_type;
          using U = typename std::decay_t<decltype(q)>::element_type;
          if constexpr (std::is_same_v<T, U> && std::is_copy_assignable_v<T>) {
            *p = *q;
          } else if constexpr (std::is_same_v<T, U>) {
            p = std::make_unique<T>(*q);
          }
        },
        held_, other.held_);
  }

  /// Returns the actor as the model's variant (a copy).
  Actor value() const {
    return visit(
        [](auto const& a) { return Actor(std::in_place_type<std::decay_t<decltype(a)>>, a); });
  }
  /// The bytes the box holds on the heap: the actor's own size (not what it allocates).
  std::size_t bytes() const {
    return visit([](auto const& a) { return sizeof(a); });
  }
  /// The alternative held, as the variant's index().
  std::size_t index() const { return held_.index(); }
  /// As hash_value hashes the variant: the alternative's index, then its content.
  void hash_into(Hasher& h) const {
    h.add(held_.index());
    visit([&h](auto const& a) { hash_value(h, a); });
  }

 private:
  using Held = std::variant<std::unique_ptr<A>...>;
  template <class T>
  static Held box(T const& a) {
    return Held(std::in_place_type<std::unique_ptr<T>>, std::make_unique<T>(a));
  }
  Held held_;
};

}  // namespace mqcheck::explore
