// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/known_answers_test.cpp (tests, layer: explore)
// Issue 5's known answers that need deeper Kafka searches than explore_test.cpp's: a Kafka
// consumer that commits before processing loses a record under one consumer crash; one that
// commits after processing duplicates one under a consumer crash and a lost commit. Run with
// partial-order reduction (the same states and verdicts as the full search, proven in
// reductions_test.cpp) to keep the Debug suite fast; the state counts are pinned.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

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

// Committing after processing is at-least-once: the duplicate needs the processing done and
// its commit never landing. A one-record batch's processing ends and its commit request leaves
// in one handler step, and a request sent before a crash still lands, so the commit must be
// lost (--drops 1): the consumer processes, crashes, the commit is dropped, and the restarted
// consumer reads the record again from the old committed position. ~9 s in Release on the
// shared machine, so the sanitizer build leaves it to the optimised suite.
TEST_CASE("kafka commit after processing: a consumer crash and a lost commit duplicate",
          "[explore]" MQCHECK_NOT_SANITIZED) {
  explore::Bounds b = tiny(13);
  b.por = true;
  b.drops = 1;
  explore::ExploreResult const r =
      explore::explore(scenario("kafka-commit-after-processing.yaml"), b);
  CHECK(r.stats.distinct == 151933);
  CHECK(r.stats.transitions == 338059);
  CHECK_FALSE(result(r, "at-least-once").violated);
  explore::GuaranteeResult const& amo = result(r, "at-most-once");
  REQUIRE(amo.violated);
  std::vector<std::string> const& steps = amo.counterexample->steps;
  REQUIRE(steps.size() == 13);
  CHECK(steps[10].find("process ok [1]") != std::string::npos);
  CHECK(steps[11].find("billing-0 crashes") == 0);
  CHECK(steps[12].find("the network drops OffsetCommitRequest") == 0);
  CHECK(validity(amo.counterexample->report, "at-most-once") == checker::Validity::invalid);
}

// acks=all with min.insync.replicas=1: once the ISR has shrunk to the leader, the leader alone
// acknowledges, and a power loss (Kafka does not fsync each write) loses the acknowledged
// record. The twin with min.insync.replicas=2 holds at the same depth (checked by hand:
// docs/explorer.md). ~5 s of CPU in Release, so the optimised suite only.
TEST_CASE("kafka acks=all, min.insync.replicas=1: a write acknowledged by a lone leader is lost",
          "[explore]" MQCHECK_NOT_SANITIZED) {
  explore::Bounds b = tiny(9);
  b.latency_max.reset();  // Timeouts are long here; time must be free to reach them.
  b.por = true;
  explore::ExploreResult const r =
      explore::explore(scenario("kafka-min-isr-1-shrink-power-loss.yaml"), b);
  CHECK(r.stats.distinct == 142335);
  CHECK(r.stats.transitions == 282026);
  CHECK_FALSE(result(r, "at-most-once").violated);
  explore::GuaranteeResult const& alo = result(r, "at-least-once");
  REQUIRE(alo.violated);
  // The produce waits for the follower; the follower crashes and registers again, the
  // controller shrinks the ISR to the leader, which acknowledges; then the leader loses power.
  std::vector<std::string> const& steps = alo.counterexample->steps;
  REQUIRE(steps.size() == 9);
  CHECK(steps[4] == "broker-1 crashes (crash broker-1)");
  CHECK(steps[7].find("broker-0 receives LeaderAndIsr from controller") == 0);
  CHECK(steps[8].find("broker-0 loses power") == 0);
  CHECK(validity(alo.counterexample->report, "at-least-once") == checker::Validity::invalid);
}
