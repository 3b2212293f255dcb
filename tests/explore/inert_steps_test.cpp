// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/inert_steps_test.cpp (tests, layer: explore)
// The inert-step reduction (explore/inert_steps.hpp, --reduce inert): a delivery or timer that
// leaves its node's actor equal, its disk untouched and no client op recorded adds no input to
// the node's digest. On tiny reference and Kafka models the reduced search gives the same
// verdicts, the same unknown counts and counterexamples of the same length (breadth-first) as
// the full one, with fewer states; both counts are pinned. --threads and depth-first agree with
// it; the combinations it is unsound or untried with are refused.
#include <catch2/catch.hpp>
#include <string>

#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "tests/common/soak.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::check_same_answers;
using explore::testing::result;
using explore::testing::scenario;
using explore::testing::tiny;

struct InertPinned {
  char const* scenario;
  std::uint32_t depth;
  std::uint32_t drops;
  std::uint64_t full_states;
  std::uint64_t inert_states;
  std::uint64_t inert_transitions;
};

void inert_check(InertPinned const& c) {
  INFO(c.scenario);
  explore::Bounds b = tiny(c.depth);
  b.drops = c.drops;
  explore::ExploreResult const full = explore::explore(scenario(c.scenario), b);
  b.inert = true;
  explore::ExploreResult const inert = explore::explore(scenario(c.scenario), b);
  CHECK(full.stats.distinct == c.full_states);
  CHECK(inert.stats.distinct == c.inert_states);
  CHECK(inert.stats.transitions == c.inert_transitions);
  CHECK(inert.inert);
  CHECK_FALSE(full.inert);
  check_same_answers(full, inert);
}

}  // namespace

TEST_CASE("inert steps: the same verdicts and violations as the full search, fewer states",
          "[explore]") {
  // The reference broker changes its state on every input it takes: nothing to merge but one
  // state of the deduplicating consumer (a duplicate it drops).
  inert_check({"reference-ack-before-processing.yaml", 12, 0, 164, 164, 232});
  inert_check({"reference-retry-lost-confirm-dedup.yaml", 12, 1, 39, 38, 49});
}

// Kafka: metadata requests and some fetches a broker answers without changing. ~1.3 s in
// Release; their full searches take tens of seconds under the sanitizers (as the known answers
// do), so the sanitizer build leaves them to the optimised suite.
TEST_CASE("inert steps: Kafka's known answers with fewer states",
          "[explore]" MQCHECK_NOT_SANITIZED) {
  inert_check({"kafka-acks1-leader-crash.yaml", 8, 0, 12566, 6059, 14602});
  inert_check({"kafka-retries-lost-response.yaml", 10, 1, 5412, 736, 1931});
  // Commit before processing loses a record in the same 11 choices.
  inert_check({"kafka-commit-before-processing.yaml", 11, 0, 22943, 2325, 6027});
}

TEST_CASE("inert steps: --threads and depth-first agree; symmetry combines", "[explore][threads]") {
  explore::Bounds b = tiny(6);
  b.inert = true;
  explore::ExploreResult const serial =
      explore::explore(scenario("kafka-acks1-leader-crash.yaml"), b);
  b.threads = 2;
  explore::ExploreResult const threads =
      explore::explore(scenario("kafka-acks1-leader-crash.yaml"), b);
  CHECK(threads.stats.distinct == serial.stats.distinct);
  CHECK(threads.stats.transitions == serial.stats.transitions);
  CHECK(threads.stats.settled == serial.stats.settled);
  check_same_answers(serial, threads);
  REQUIRE(result(serial, "at-least-once").violated);
  CHECK(result(threads, "at-least-once").counterexample->choices ==
        result(serial, "at-least-once").counterexample->choices);
  b.threads = 1;
  b.order = explore::SearchOrder::dfs;
  explore::ExploreResult const dfs = explore::explore(scenario("kafka-acks1-leader-crash.yaml"), b);
  CHECK(dfs.stats.distinct == serial.stats.distinct);
  for (std::size_t g = 0; g < serial.guarantees.size(); ++g) {
    CHECK(dfs.guarantees[g].violated == serial.guarantees[g].violated);
  }

  // Two alike producers: symmetry and inert steps merge different states, and together more.
  explore::Bounds s = tiny(5);
  s.symmetry = true;
  explore::ExploreResult const sym =
      explore::explore(scenario("kafka-two-producers-acks1-leader-crash.yaml"), s);
  s.inert = true;
  explore::ExploreResult const both =
      explore::explore(scenario("kafka-two-producers-acks1-leader-crash.yaml"), s);
  CHECK(sym.stats.distinct == 1640);
  CHECK(both.stats.distinct == 810);
  check_same_answers(sym, both);
}

TEST_CASE("inert steps: a counterexample found with them replays without them", "[explore]") {
  explore::Bounds b = tiny(8);
  b.inert = true;
  sim::Scenario const s = scenario("kafka-acks1-leader-crash.yaml");
  explore::ExploreResult const r = explore::explore(s, b);
  explore::GuaranteeResult const& alo = result(r, "at-least-once");
  REQUIRE(alo.violated);
  explore::Bounds plain = tiny(8);  // What a trace file keeps: no reductions.
  explore::Counterexample const again = explore::replay(
      s, {s.file, plain, "at-least-once", alo.counterexample->choices, alo.counterexample->steps});
  CHECK(again.steps == alo.counterexample->steps);
  CHECK(again.history.size() == alo.counterexample->history.size());
  CHECK(explore::testing::validity(again.report, "at-least-once") == checker::Validity::invalid);
}

TEST_CASE("inert steps are refused with por, liveness and state fingerprints", "[explore]") {
  sim::Scenario const s = scenario("reference-ack-before-processing.yaml");
  explore::Bounds b = tiny(4);
  b.inert = true;
  b.por = true;
  CHECK_THROWS_WITH(explore::explore(s, b), Catch::Contains("'por'"));
  b.por = false;
  b.liveness = true;
  CHECK_THROWS_WITH(explore::explore(s, b), Catch::Contains("--liveness"));
  b.liveness = false;
  b.fingerprint = explore::FingerprintMode::state;
  CHECK_THROWS_WITH(explore::explore(s, b), Catch::Contains("--fingerprint state"));
}
