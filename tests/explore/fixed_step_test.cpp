// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/fixed_step_test.cpp (tests, layer: explore)
// Shortcuts of the delay search's unstored walk (explore/search_delay.hpp walk_tail) must give
// what they stand for, on every state along paths that take every kind of step:
// Engine::fixed_step is choices()[default_choice()], Engine::offers_fault is "choices() holds a
// fault"; and the inert probe (explore/inert_steps.hpp) decides the same, and leaves the same
// input digests, whether the World shares the node (the probe holds it) or holds it alone (the
// probe copies the actor only). And World::edit's copies, assigned into recycled nodes
// (explore/world.hpp NodePool), are equal to the node copied and independent of it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "explore/engine.hpp"
#include "explore/explore_model.hpp"
#include "explore/inert_steps.hpp"
#include "model/kafka/model.hpp"
#include "model/reference/model.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;

// Checks the shortcuts on `w`; returns its choices.
template <class Model>
std::vector<explore::Choice> check_state(explore::Engine<Model>& engine,
                                         explore::World<Model> const& w) {
  std::vector<explore::Choice> choices;
  engine.choices(w, choices);
  std::optional<std::uint32_t> const def = engine.default_choice(w, choices);
  std::optional<explore::Choice> const fixed = engine.fixed_step(w);
  REQUIRE(fixed.has_value() == def.has_value());
  if (def) CHECK(*fixed == choices[*def]);
  if (!choices.empty()) {
    bool const fault = std::any_of(choices.begin(), choices.end(),
                                   [](explore::Choice const& c) { return is_fault(c.kind); });
    CHECK(engine.offers_fault(w) == fault);
  }
  return choices;
}

// Applies `c` (a delivery or timer) to a World sharing node `c.node` and to one holding it
// alone, each through the inert probe: the same decision and the same input digests.
template <class Model>
bool check_probe(explore::Engine<Model>& engine, explore::World<Model> const& w,
                 explore::Choice const& c) {
  explore::World<Model> shared = w;  // Shares every node with w.
  explore::World<Model> alone = w;
  alone.edit(c.node.value);  // Its own copy of the node: use count 1.
  REQUIRE(alone.nodes[c.node.value].use_count() == 1);
  explore::InertProbe<Model> const a = explore::probe_node(shared, c.node.value);
  explore::InertProbe<Model> const b = explore::probe_node(alone, c.node.value);
  CHECK(a.before != nullptr);
  CHECK(b.before == nullptr);
  engine.apply(shared, c);
  engine.apply(alone, c);
  bool const inert = explore::forget_if_inert(shared, a);
  CHECK(explore::forget_if_inert(alone, b) == inert);
  CHECK(shared.node(c.node.value).inputs == alone.node(c.node.value).inputs);
  CHECK(explore::fingerprint(shared, explore::FingerprintMode::inputs) ==
        explore::fingerprint(alone, explore::FingerprintMode::inputs));
  return inert;
}

// Walks `steps` steps from the initial state, taking at step k the choice k * 7 mod the count
// (every kind comes up), checking every state and probing every delivery and timer offered.
// Returns how many probes found an inert step (so the test sees both answers).
template <class Model>
std::size_t walk_and_check(std::string const& file, std::uint32_t crashes, std::uint32_t drops,
                           std::size_t steps) {
  sim::Scenario const s = explore::testing::scenario(file);
  std::size_t inert = 0;
  explore::detail::with_kernel<Model>(s, [&](sim::Kernel<Model>& kernel) {
    explore::Engine<Model> engine(kernel, crashes, milliseconds(1));
    engine.set_network_faults(drops, 0);
    explore::World<Model> w = engine.initial();
    for (std::size_t k = 0; k < steps; ++k) {
      std::vector<explore::Choice> const choices = check_state(engine, w);
      if (choices.empty()) break;
      for (explore::Choice const& c : choices) {
        if (c.kind != explore::ChoiceKind::deliver && c.kind != explore::ChoiceKind::timer)
          continue;
        if (check_probe(engine, w, c)) ++inert;
      }
      engine.apply(w, choices[(k * 7) % choices.size()]);
    }
  });
  return inert;
}

}  // namespace

TEST_CASE("fixed step: the walk's shortcuts give what choices() gives (Kafka)", "[explore]") {
  CHECK(walk_and_check<model::kafka::Model>("kafka-acks1-leader-crash.yaml", 1, 1, 60) > 0);
  CHECK(walk_and_check<model::kafka::Model>("kafka-min-isr-2-shrink-power-loss.yaml", 0, 0, 60) >
        0);
  // A partition in the budget: offered, then cut (the walk takes it), then healed.
  CHECK(walk_and_check<model::kafka::Model>("kafka-acks1-leader-isolated.yaml", 0, 0, 60) > 0);
}

TEST_CASE("fixed step: the walk's shortcuts give what choices() gives (reference)", "[explore]") {
  walk_and_check<model::reference::Model>("reference-ack-before-processing.yaml", 1, 1, 40);
  walk_and_check<model::reference::Model>("reference-liveness-power-loss.yaml", 0, 0, 40);
}

TEST_CASE("node pool: a copy into a recycled node equals the node and is its own", "[explore]") {
  using M = model::kafka::Model;
  sim::Scenario const s = explore::testing::scenario("kafka-acks1-leader-crash.yaml");
  explore::detail::with_kernel<M>(s, [&](sim::Kernel<M>& kernel) {
    explore::Engine<M> engine(kernel, 0, milliseconds(1));
    explore::World<M> w = engine.initial();
    std::vector<explore::Choice> choices;
    for (std::size_t k = 0; k < 40; ++k) {
      // Copies made and let go at every step, so later copies land in recycled nodes that
      // held other states of the same kind of actor.
      for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
        explore::World<M> copy = w;
        explore::NodeState<M>& mine = copy.edit(n);
        explore::NodeState<M> const& theirs = w.node(n);
        REQUIRE(&mine != &theirs);
        CHECK(explore::same_actor(mine.actor, theirs.actor));
        CHECK(mine.inputs == theirs.inputs);
        CHECK(mine.timers.size() == theirs.timers.size());
        CHECK(mine.open.size() == theirs.open.size());
        CHECK(&mine.disk.get() == &theirs.disk.get());
        CHECK(explore::fingerprint(copy, explore::FingerprintMode::state) ==
              explore::fingerprint(w, explore::FingerprintMode::state));
        mine.inputs += 1;  // A write to the copy leaves the original as it was.
        mine.timers.clear();
        CHECK(w.node(n).inputs == theirs.inputs);
        CHECK(explore::fingerprint(copy, explore::FingerprintMode::inputs) !=
              explore::fingerprint(w, explore::FingerprintMode::inputs));
      }
      choices.clear();
      engine.choices(w, choices);
      if (choices.empty()) break;
      engine.apply(w, choices[(k * 5) % choices.size()]);
    }
  });
}
