// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/reductions_test.cpp (tests, layer: explore)
// Partial-order reduction by sleep sets (explore/sleep_sets.hpp) on tiny models of the
// reference broker and Kafka: the reduced search reaches the same distinct states, the same
// verdicts, the same violated guarantees with counterexamples of the same length (breadth-
// first), through fewer transitions. Both counts are pinned, as the full search's are in
// explore_test.cpp; the combinations the reduction is unsound with are refused.
#include <catch2/catch.hpp>
#include <string>

#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::scenario;
using explore::testing::tiny;

struct Pinned {
  char const* scenario;
  std::uint32_t depth;
  std::uint64_t distinct;
  std::uint64_t full_transitions;
  std::uint64_t reduced_transitions;
};

// The same verdicts, the same violated guarantees, counterexamples of the same length.
void check_same_answers(explore::ExploreResult const& full, explore::ExploreResult const& por) {
  REQUIRE(full.guarantees.size() == por.guarantees.size());
  for (std::size_t g = 0; g < full.guarantees.size(); ++g) {
    INFO(full.guarantees[g].guarantee);
    CHECK(por.guarantees[g].violated == full.guarantees[g].violated);
    CHECK(por.guarantees[g].unknown_states == full.guarantees[g].unknown_states);
    if (!full.guarantees[g].violated || !por.guarantees[g].violated) continue;
    CHECK(por.guarantees[g].counterexample->steps.size() ==
          full.guarantees[g].counterexample->steps.size());
  }
}

}  // namespace

TEST_CASE("partial-order reduction: same states and verdicts, fewer transitions") {
  Pinned const cases[] = {
      {"reference-ack-before-processing.yaml", 8, 49, 71, 67},
      {"reference-ack-after-processing.yaml", 8, 49, 68, 66},
      {"kafka-acks1-leader-crash.yaml", 5, 925, 1947, 1610},
  };
  for (Pinned const& c : cases) {
    INFO(c.scenario);
    explore::Bounds b = tiny(c.depth);
    explore::ExploreResult const full = explore::explore(scenario(c.scenario), b);
    b.por = true;
    explore::ExploreResult const por = explore::explore(scenario(c.scenario), b);
    CHECK(full.stats.distinct == c.distinct);
    CHECK(por.stats.distinct == c.distinct);
    CHECK(full.stats.transitions == c.full_transitions);
    CHECK(por.stats.transitions == c.reduced_transitions);
    CHECK(por.stats.transitions + por.stats.slept >= full.stats.transitions);
    CHECK(full.stats.slept == 0);
    CHECK(por.por);
    check_same_answers(full, por);
  }
}

TEST_CASE("a consumer that waits for due times is refused: explored time does not pass") {
  sim::Scenario const s = sim::load_scenario(std::string(MQCHECK_SOURCE_DIR) +
                                             "/scenarios/kafka/delay-pattern-pause-resume.yaml");
  CHECK_THROWS_WITH(explore::explore(s, tiny(2)),
                    Catch::Contains("consumers[0].delay") &&
                        Catch::Contains("never come due"));
}

TEST_CASE("partial-order reduction is refused where sleep sets are unsound") {
  explore::Bounds b = tiny(4);
  b.por = true;
  b.order = explore::SearchOrder::dfs;
  CHECK_THROWS_AS(explore::explore(scenario("reference-ack-before-processing.yaml"), b),
                  InputError);
  b.order = explore::SearchOrder::bfs;
  b.fingerprint = explore::FingerprintMode::state;
  CHECK_THROWS_WITH(explore::explore(scenario("reference-ack-before-processing.yaml"), b),
                    Catch::Contains("--fingerprint state"));
  b.fingerprint = explore::FingerprintMode::inputs;
  b.threads = 2;
  CHECK_THROWS_AS(explore::explore(scenario("reference-ack-before-processing.yaml"), b),
                  InputError);
}
