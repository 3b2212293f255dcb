// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/known_answers_test.cpp (tests, layer: explore)
// Issue 5's known answers that need deeper Kafka searches than explore_test.cpp's: a Kafka
// consumer that commits before processing loses a record under one consumer crash. Run with
// partial-order reduction (the same states and verdicts as the full search, proven in
// reductions_test.cpp) to keep the Debug suite fast; the state counts are pinned.
#include <catch2/catch.hpp>
#include <string>

#include "explore/explore.hpp"
#include "tests/common/soak.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::result;
using explore::testing::scenario;
using explore::testing::tiny;
using explore::testing::validity;

}  // namespace

// Its 22,943 states take ~19 s under the sanitizers, for an answer, not a code path: the
// sanitizer build runs the smaller known answers of explore_test.cpp, the optimised suite
// this one.
TEST_CASE("kafka commit before processing: one consumer crash loses a record",
          "[explore]" MQCHECK_NOT_SANITIZED) {
  explore::Bounds b = tiny(11);
  b.por = true;
  explore::ExploreResult const r =
      explore::explore(scenario("kafka-commit-before-processing.yaml"), b);
  CHECK(r.stats.distinct == 22943);
  CHECK(r.stats.transitions == 36000);
  CHECK_FALSE(result(r, "at-most-once").violated);
  explore::GuaranteeResult const& alo = result(r, "at-least-once");
  REQUIRE(alo.violated);
  // Metadata and offsets for both clients, the send, the fetch: the consumer polls the record
  // and sends its commit; it crashes before processing, and the commit still lands.
  std::vector<std::string> const& steps = alo.counterexample->steps;
  REQUIRE(steps.size() == 11);
  CHECK(steps[9].find("commit invoke [1]") != std::string::npos);
  CHECK(steps[10].find("billing-0 crashes") == 0);
  CHECK(validity(alo.counterexample->report, "at-least-once") == checker::Validity::invalid);
}
