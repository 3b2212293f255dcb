// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/delay_threads_test.cpp (tests, layer: explore)
// `--search delay --threads N` (explore/search_delay_parallel.hpp): the walk runs ahead of
// its verdicts, which worker threads give in batches, and every count, verdict and
// counterexample equals the single-threaded search's: when the search exhausts, when it stops
// at --max-states, and when a verdict stops it (every guarantee judged is violated), which
// sets the counts back to that state's. `--guarantee` narrows what is judged, so a search can
// stop at its first counterexample.
#include <catch2/catch.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "explore/explore.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::delay_bounds;
using explore::testing::scenario;

auto counts(explore::ExploreStats const& s) {
  return std::make_tuple(s.explored, s.distinct, s.transitions, s.settled, s.passed,
                         s.depth_reached, s.depth_cut, s.delays_reached, s.delays_cut, s.stopped,
                         s.memory_bytes, s.table_bytes);
}

// Runs `b` on one thread and on `threads`; every figure and answer must be equal.
void check_threads_agree(std::string const& name, explore::Bounds b, std::uint32_t threads) {
  INFO(name << " with " << threads << " threads");
  sim::Scenario const s = scenario(name);
  b.threads = 1;
  explore::ExploreResult const serial = explore::explore(s, b);
  b.threads = threads;
  explore::ExploreResult const parallel = explore::explore(s, b);
  CHECK(counts(parallel.stats) == counts(serial.stats));
  REQUIRE(parallel.guarantees.size() == serial.guarantees.size());
  for (std::size_t g = 0; g < serial.guarantees.size(); ++g) {
    explore::GuaranteeResult const& one = serial.guarantees[g];
    explore::GuaranteeResult const& many = parallel.guarantees[g];
    INFO(one.guarantee);
    CHECK(many.violated == one.violated);
    CHECK(many.unknown_states == one.unknown_states);
    if (!one.violated || !many.violated) continue;
    CHECK(many.counterexample->choices == one.counterexample->choices);
    CHECK(many.counterexample->steps == one.counterexample->steps);
  }
}

}  // namespace

TEST_CASE("delay search on threads: the serial search's counts when it exhausts",
          "[explore][threads]") {
  sim::Scenario const two = scenario("reference-two-producers-ack-before-processing.yaml");
  check_threads_agree("reference-two-producers-ack-before-processing.yaml", delay_bounds(two, 2),
                      2);
  sim::Scenario const after = scenario("reference-ack-after-processing.yaml");
  explore::Bounds b = delay_bounds(after, 1);
  b.drops = 1;
  b.stop_when_all_violated = false;
  check_threads_agree("reference-ack-after-processing.yaml", b, 3);
  sim::Scenario const before = scenario("kafka-commit-before-processing.yaml");
  check_threads_agree("kafka-commit-before-processing.yaml", delay_bounds(before, 1), 2);
}

TEST_CASE("delay search on threads: the serial search's counts at --max-states",
          "[explore][threads]") {
  sim::Scenario const s = scenario("reference-two-producers-ack-before-processing.yaml");
  explore::Bounds b = delay_bounds(s, 2);
  b.states_max = 150;
  explore::ExploreResult const stopped = explore::explore(s, b);
  REQUIRE(stopped.stats.stopped == "max-states");
  check_threads_agree("reference-two-producers-ack-before-processing.yaml", b, 2);
}

// With at-least-once alone judged, its first counterexample ends the search: the parallel
// walk has run on by then, and must come back to the serial search's counts.
TEST_CASE("delay search on threads: a verdict that stops the search sets the counts back",
          "[explore][threads]") {
  for (char const* name : {"reference-two-producers-ack-before-processing.yaml",
                           "kafka-commit-before-processing.yaml"}) {
    sim::Scenario const s = scenario(name);
    explore::Bounds b = delay_bounds(s, 2);
    b.stop_when_all_violated = true;
    b.guarantees = {"at-least-once"};
    explore::ExploreResult const serial = explore::explore(s, b);
    REQUIRE(serial.guarantees.size() == 1);
    CHECK(serial.guarantees[0].violated);
    b.guarantees.clear();
    explore::ExploreResult const all = explore::explore(s, b);
    CHECK(serial.stats.distinct < all.stats.distinct);  // It stopped early.
    b.guarantees = {"at-least-once"};
    check_threads_agree(name, b, 2);
  }
}
