// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/horizon_test.cpp (tests, layer: explore)
// The time horizon (Bounds::horizon): a state whose clock has reached it offers no choices and
// is judged as an end state. With the horizon at the scenario's quiesce, the reference model's
// periodic redelivery no longer branches forever: the search ends by itself (no depth cut, no
// stop) with the known answer, and every search order and thread count finds the same states.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::result;
using explore::testing::scenario;
using explore::testing::tiny;

// A depth far beyond what 20 ms of the scenario takes: only the horizon can end the search.
explore::Bounds to_quiesce(sim::Scenario const& s) {
  explore::Bounds b = tiny(1000);
  b.horizon = s.quiesce;
  return b;
}

}  // namespace

TEST_CASE("a horizon at quiesce exhausts the reference model, with its known answer", "[explore]") {
  sim::Scenario const s = scenario("reference-ack-before-processing.yaml");
  explore::ExploreResult const r = explore::explore(s, to_quiesce(s));
  CHECK(r.stats.stopped.empty());
  CHECK_FALSE(r.stats.depth_cut);
  CHECK(r.stats.distinct == 150);
  CHECK(r.stats.transitions == 229);
  CHECK(r.stats.depth_reached == 14);
  CHECK(r.bounds.find("time <= 20ms") != std::string::npos);
  CHECK_FALSE(result(r, "at-most-once").violated);
  explore::GuaranteeResult const& alo = result(r, "at-least-once");
  REQUIRE(alo.violated);
  CHECK(alo.counterexample->choices.size() == 4);  // As without a horizon (explore_test.cpp).

  // Without it no depth is exhausted: periodic timers fire forever (27 more states a level).
  explore::Bounds open = tiny(30);
  open.states_max = 5'000;
  explore::ExploreResult const unbounded = explore::explore(s, open);
  CHECK((unbounded.stats.depth_cut || !unbounded.stats.stopped.empty()));
  CHECK(unbounded.stats.distinct > r.stats.distinct);
}

TEST_CASE("under a horizon every order, thread count and reduction finds the same states",
          "[explore][threads]") {
  sim::Scenario const s = scenario("reference-two-producers-ack-before-processing.yaml");
  explore::Bounds const b = to_quiesce(s);
  explore::ExploreResult const bfs = explore::explore(s, b);
  REQUIRE(bfs.stats.stopped.empty());
  CHECK(bfs.stats.distinct == 420);
  CHECK(bfs.stats.transitions == 800);

  explore::Bounds threaded = b;
  threaded.threads = 2;
  explore::ExploreResult const par = explore::explore(s, threaded);
  CHECK(par.stats.distinct == bfs.stats.distinct);
  CHECK(par.stats.transitions == bfs.stats.transitions);
  CHECK(result(par, "at-least-once").counterexample->choices ==
        result(bfs, "at-least-once").counterexample->choices);

  explore::Bounds dfs = b;
  dfs.order = explore::SearchOrder::dfs;
  CHECK(explore::explore(s, dfs).stats.distinct == bfs.stats.distinct);

  explore::Bounds por = b;
  por.por = true;
  explore::ExploreResult const reduced = explore::explore(s, por);
  CHECK(reduced.stats.distinct == bfs.stats.distinct);
  CHECK(reduced.stats.transitions == 678);  // Sleep sets: fewer transitions, same states.

  por.symmetry = true;  // The two producers swap: fewer states, the same verdicts.
  explore::ExploreResult const sym = explore::explore(s, por);
  CHECK(sym.stats.stopped.empty());
  CHECK(sym.stats.distinct == 213);
  CHECK(result(sym, "at-least-once").violated == result(bfs, "at-least-once").violated);
}

// A path's states before the horizon offer the same choices as without it, so a
// counterexample found under a horizon replays without one (trace files do not record it).
TEST_CASE("a counterexample found under a horizon replays without it", "[explore]") {
  sim::Scenario const s = scenario("reference-ack-before-processing.yaml");
  explore::ExploreResult const r = explore::explore(s, to_quiesce(s));
  explore::Counterexample const& cx = *result(r, "at-least-once").counterexample;
  explore::Counterexample const again = explore::testing::replayed(s, cx, "at-least-once");
  CHECK(again.steps == cx.steps);
  CHECK(again.history.size() == cx.history.size());
}

TEST_CASE("the liveness check refuses a horizon", "[explore]") {
  sim::Scenario const s = scenario("reference-ack-before-processing.yaml");
  explore::Bounds b = to_quiesce(s);
  b.liveness = true;
  CHECK_THROWS_AS(explore::explore(s, b), InputError);
}
