// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/explore_fixture.hpp (tests, layer: explore)
// What the explorer tests share: the scenarios of scenarios/explore/, the tiny bounds their
// pinned counts are measured with, and the lookup of one guarantee's result or verdict.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "explore/explore.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::explore::testing {

inline sim::Scenario scenario(std::string const& name) {
  return sim::load_scenario(std::string(MQCHECK_SOURCE_DIR) + "/scenarios/explore/" + name);
}

/// Depth `depth`, every message within 1 ms, and the search runs on after every guarantee
/// has a counterexample (counts must not depend on what was found first).
inline Bounds tiny(std::uint32_t depth) {
  Bounds b;
  b.depth_max = depth;
  b.latency_max = milliseconds(1);
  b.stop_when_all_violated = false;
  return b;
}

/// The delay-bounded search with at most `delays` delays: every message within 1 ms, the
/// horizon at the scenario's quiesce, no depth bound.
inline Bounds delay_bounds(sim::Scenario const& s, std::uint32_t delays) {
  Bounds b = tiny(1'000'000);
  b.order = SearchOrder::delay;
  b.delays_max = delays;
  b.horizon = s.quiesce;
  b.states_max = 2'000'000;
  return b;
}

/// Replays `cx`, guarantee `g`'s counterexample found in `s`, as `mqcheck replay` does: with
/// the budgets of `bounds` (drops and crashes change the choices offered) and no horizon (a
/// trace file does not record one).
inline Counterexample replayed(sim::Scenario const& s, Counterexample const& cx,
                               std::string const& g, Bounds const& bounds = tiny(1000)) {
  Trace t;
  t.bounds = bounds;
  t.bounds.horizon.reset();
  t.guarantee = g;
  t.choices = cx.choices;
  t.steps = cx.steps;
  return replay(s, t);
}

inline GuaranteeResult const& result(ExploreResult const& r, std::string const& g) {
  for (GuaranteeResult const& x : r.guarantees) {
    if (x.guarantee == g) return x;
  }
  FAIL("no guarantee " << g);
  return r.guarantees.front();
}

inline checker::Validity validity(checker::DeliveryReport const& report, std::string const& g) {
  for (checker::Verdict const& v : report.verdicts) {
    if (v.guarantee == g) return v.validity;
  }
  return checker::Validity::unknown;
}

/// Checks that a reduced search gave the full one's answers: the same violated guarantees,
/// counterexamples of the same length and, unless `unknowns` is false (symmetry judges one
/// state per orbit), the same number of states left unknown.
inline void check_same_answers(ExploreResult const& full, ExploreResult const& reduced,
                               bool unknowns = true) {
  REQUIRE(full.guarantees.size() == reduced.guarantees.size());
  for (std::size_t g = 0; g < full.guarantees.size(); ++g) {
    INFO(full.guarantees[g].guarantee);
    CHECK(reduced.guarantees[g].violated == full.guarantees[g].violated);
    if (unknowns) CHECK(reduced.guarantees[g].unknown_states == full.guarantees[g].unknown_states);
    if (!full.guarantees[g].violated || !reduced.guarantees[g].violated) continue;
    CHECK(reduced.guarantees[g].counterexample->steps.size() ==
          full.guarantees[g].counterexample->steps.size());
  }
}

}  // namespace mqcheck::explore::testing
