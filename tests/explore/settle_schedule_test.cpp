// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/settle_schedule_test.cpp (tests, layer: explore)
// Engine::settle keeps the messages it sends in a queue of its own (no World::in_flight entry,
// no shared pointer, no digest), and must still run the documented schedule: restart what is
// down, then every message in flight oldest first (those in flight before the settle, then
// those it sent, in send order) before the timer due soonest (ties by node, then id), until
// the drain has passed or the step limit. Here the schedule is replayed with the ordinary
// steps (deliver_oldest, apply of a timer choice) on a copy, and both histories must be equal
// op for op; cut short by the step limit, the messages left must be in flight in the same
// order, with the same content. Also: World::faults_used (a bit set) reads and hashes as the
// std::vector<bool> it replaced.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "explore/engine.hpp"
#include "explore/explore_model.hpp"
#include "model/kafka/model.hpp"
#include "model/reference/model.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;

// Runs the settle's schedule on `w` with the ordinary steps: at most `steps_max` steps, until
// `drain` of time has passed. Returns whether the step limit stopped it.
template <class Model>
bool settle_by_hand(explore::Engine<Model>& engine, explore::World<Model>& w, DurationUs drain,
                    std::uint64_t steps_max) {
  engine.restart_all(w);
  SimTimeUs const end = w.now + drain;
  for (std::uint64_t step = 0; step < steps_max; ++step) {
    if (!w.in_flight.empty()) {
      engine.deliver_oldest(w);
      continue;
    }
    // The timer due soonest from now, ties by node then id (a table iterates ids in order).
    std::int64_t soonest = explore::TimerWindow::unbounded;
    explore::Choice due{explore::ChoiceKind::timer, NodeId{0}, 0};
    for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
      for (auto const& [id, window] : w.node(n).timers) {
        std::int64_t const from_now = explore::relative(window.lo, w.now);
        if (from_now >= soonest) continue;
        soonest = from_now;
        due = {explore::ChoiceKind::timer, NodeId{n}, id};
      }
    }
    if (soonest == explore::TimerWindow::unbounded) return false;
    if (w.now + DurationUs{soonest} > end) return false;
    engine.apply(w, due);
  }
  return true;
}

// The ops of `w`'s history (path and settle), in order.
template <class Model>
std::vector<history::Op> ops_of(explore::Engine<Model> const& engine,
                                explore::World<Model> const& w) {
  history::History const h = engine.history(w, true);
  return {h.ops().begin(), h.ops().end()};
}

// Takes the first `count` choices in turn (each the first offered of `kind` when one is, else
// the first offered): a state with messages in flight, and with `kind` a crash, a node down.
template <class Model>
void walk(explore::Engine<Model>& engine, explore::World<Model>& w, std::size_t count,
          explore::ChoiceKind kind) {
  std::vector<explore::Choice> choices;
  for (std::size_t k = 0; k < count; ++k) {
    choices.clear();
    engine.choices(w, choices);
    REQUIRE(!choices.empty());
    explore::Choice chosen = choices.front();
    for (explore::Choice const& c : choices) {
      if (c.kind == kind) {
        chosen = c;
        break;
      }
    }
    engine.apply(w, chosen);
  }
}

template <class Model>
void check_settle_matches_schedule(std::string const& file, std::size_t walked,
                                   explore::ChoiceKind kind) {
  sim::Scenario const s = explore::testing::scenario(file);
  explore::detail::with_kernel<Model>(s, [&](sim::Kernel<Model>& kernel) {
    explore::Engine<Model> engine(kernel, 0, milliseconds(1));
    explore::World<Model> start = engine.initial();
    walk(engine, start, walked, kind);
    REQUIRE(!start.in_flight.empty());  // The settle starts with messages in flight.
    explore::World<Model> first = start;   // And one at least is left after 3 steps.
    REQUIRE(settle_by_hand(engine, first, s.drain, 3));
    REQUIRE(!first.in_flight.empty());

    explore::World<Model> settled = start;
    engine.settle(settled, s.drain, 100'000);
    explore::World<Model> by_hand = start;
    settle_by_hand(engine, by_hand, s.drain, 100'000);
    std::vector<history::Op> const a = ops_of(engine, settled);
    std::vector<history::Op> const b = ops_of(engine, by_hand);
    CHECK(a.size() > ops_of(engine, start).size() + 5);  // The settle did something.
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      INFO("op " << i << ": " << a[i].process << " / " << b[i].process);
      CHECK(a[i] == b[i]);
    }
    CHECK(settled.now == by_hand.now);

    // Cut short by the step limit: the same ops, and the messages still queued are in flight
    // afterwards, in order, with the same content.
    for (std::uint64_t limit : {3u, 5u, 17u, 40u}) {
      explore::World<Model> cut = start;
      bool const drained = engine.settle(cut, s.drain, limit);
      explore::World<Model> cut_by_hand = start;
      bool const limited = settle_by_hand(engine, cut_by_hand, s.drain, limit);
      INFO("limit " << limit);
      if (limited) CHECK_FALSE(drained);  // Cut short: the history is not drained.
      CHECK(ops_of(engine, cut) == ops_of(engine, cut_by_hand));
      REQUIRE(cut.in_flight.size() == cut_by_hand.in_flight.size());
      for (std::size_t i = 0; i < cut.in_flight.size(); ++i) {
        CHECK(cut.in_flight[i].from == cut_by_hand.in_flight[i].from);
        CHECK(cut.in_flight[i].to == cut_by_hand.in_flight[i].to);
        Hasher x;
        Hasher y;
        explore::hash_value(x, *cut.in_flight[i].message);
        explore::hash_value(y, *cut_by_hand.in_flight[i].message);
        CHECK(x.digest() == y.digest());
      }
    }
  });
}

}  // namespace

TEST_CASE("settle: the reference model settles as the documented schedule runs") {
  check_settle_matches_schedule<model::reference::Model>("reference-ack-before-processing.yaml",
                                                         3, explore::ChoiceKind::timer);
}

TEST_CASE("settle: a Kafka state, and one with a broker down, settle as the schedule runs") {
  // Four steps of start-up: the settle's first steps deliver what was in flight before it.
  check_settle_matches_schedule<model::kafka::Model>("kafka-acks1-leader-crash.yaml", 4,
                                                     explore::ChoiceKind::deliver);
  // Then a broker crashes (the --crashes budget): the settle restarts it first.
  sim::Scenario const s = explore::testing::scenario("kafka-acks1-leader-crash.yaml");
  explore::detail::with_kernel<model::kafka::Model>(s, [&](sim::Kernel<model::kafka::Model>& kernel) {
    explore::Engine<model::kafka::Model> engine(kernel, 1, milliseconds(1));
    explore::World<model::kafka::Model> w = engine.initial();
    walk(engine, w, 4, explore::ChoiceKind::deliver);
    walk(engine, w, 1, explore::ChoiceKind::crash);
    REQUIRE(std::any_of(w.nodes.begin(), w.nodes.end(), [](auto const& n) { return !n->up; }));
    explore::World<model::kafka::Model> settled = w;
    explore::World<model::kafka::Model> by_hand = w;
    engine.settle(settled, s.drain, 100'000);
    settle_by_hand(engine, by_hand, s.drain, 100'000);
    CHECK(ops_of(engine, settled) == ops_of(engine, by_hand));
  });
}

TEST_CASE("fault set: reads and hashes as the std::vector<bool> it replaced") {
  explore::FaultSet set;
  set.assign(5, false);
  set.set(1);
  set.set(4);
  std::vector<bool> const expected{false, true, false, false, true};
  REQUIRE(set.size() == expected.size());
  std::vector<bool> read;
  for (bool used : set) read.push_back(used);
  CHECK(read == expected);
  for (std::size_t k = 0; k < expected.size(); ++k) CHECK(set[k] == expected[k]);
  // The fingerprint folds it in with add_each: each bit, then the count, as for the vector.
  Hasher a;
  Hasher b;
  a.add_each(set, [](Hasher& h, bool used) { h.add(used ? 1u : 0u); });
  b.add_each(expected, [](Hasher& h, bool used) { h.add(used ? 1u : 0u); });
  CHECK(a.digest() == b.digest());
  explore::FaultSet full;
  full.assign(explore::FaultSet::max, true);
  CHECK(full[0]);
  CHECK(full[explore::FaultSet::max - 1]);
  full.assign(0, true);
  CHECK(full.size() == 0);
  CHECK(full.begin() == full.end());
}
