// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/delay_search_test.cpp (tests, layer: explore)
// The delay-bounded search (explore/search_delay.hpp): with as many delays as a path has steps
// it reaches every state of the exhaustive breadth-first search under the same horizon and
// finds the same violations, though it judges end states only; with one delay it exhausts the
// Kafka known answers that the breadth-first search can only cut at a depth; its
// counterexamples replay. State counts are pinned, as Stateright pins them.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "tests/common/soak.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::delay_bounds;
using explore::testing::result;
using explore::testing::scenario;
using explore::testing::tiny;

// Kafka's acks scenarios with one delay and no latency bound: a message may wait while timers
// fire (the delay is what bounds the schedule).
explore::ExploreResult one_delay_any_latency(std::string const& name) {
  sim::Scenario const s = scenario(name);
  explore::Bounds b = delay_bounds(s, 1);
  b.latency_max.reset();
  return explore::explore(s, b);
}

// The violated guarantees, in order.
std::vector<std::string> violated(explore::ExploreResult const& r) {
  std::vector<std::string> out;
  for (explore::GuaranteeResult const& g : r.guarantees) {
    if (g.violated) out.push_back(g.guarantee);
  }
  return out;
}

// The exhaustive breadth-first search under the horizon against the delay search with more
// delays than any path has steps: the same states (so the delay search misses none), and the
// same violations although it judges only end states (docs/explorer.md, "Delay-bounded").
void check_covers_exhaustive(std::string const& name, std::uint32_t drops) {
  INFO(name);
  sim::Scenario const s = scenario(name);
  explore::Bounds bfs = tiny(200);
  bfs.horizon = s.quiesce;
  bfs.drops = drops;
  explore::ExploreResult const full = explore::explore(s, bfs);
  REQUIRE(full.stats.stopped.empty());
  REQUIRE_FALSE(full.stats.depth_cut);
  explore::Bounds d = delay_bounds(s, 200);
  d.drops = drops;
  d.store_every_state = true;
  explore::ExploreResult const delayed = explore::explore(s, d);
  REQUIRE(delayed.stats.stopped.empty());
  CHECK_FALSE(delayed.stats.delays_cut);
  CHECK(delayed.stats.distinct == full.stats.distinct);
  CHECK(delayed.stats.passed == 0);
  CHECK(delayed.stats.settled <= full.stats.settled);  // End states only.
  CHECK(violated(delayed) == violated(full));
  CHECK_FALSE(violated(full).empty());  // The comparison has something to find.
}

}  // namespace

TEST_CASE("with enough delays the delay search covers the exhaustive search", "[explore]") {
  check_covers_exhaustive("reference-ack-before-processing.yaml", 0);
  check_covers_exhaustive("reference-two-producers-ack-before-processing.yaml", 0);
  check_covers_exhaustive("reference-ack-after-processing.yaml", 1);
  check_covers_exhaustive("reference-retry-lost-confirm.yaml", 1);
}

// Where the fixed schedule's step is the only one left (no fault in the budget, no delay
// left), the search walks on without storing: fewer states stored, the same end states
// judged, the same answers.
TEST_CASE("the delay search stores only states that branch or end", "[explore]") {
  for (char const* name : {"reference-two-producers-ack-before-processing.yaml",
                           "reference-ack-after-processing.yaml"}) {
    INFO(name);
    sim::Scenario const s = scenario(name);
    explore::Bounds b = delay_bounds(s, 1);
    b.drops = 1;
    b.store_every_state = true;
    explore::ExploreResult const every = explore::explore(s, b);
    b.store_every_state = false;
    explore::ExploreResult const walked = explore::explore(s, b);
    CHECK(every.stats.passed == 0);
    CHECK(walked.stats.passed > 0);
    CHECK(walked.stats.distinct < every.stats.distinct);
    CHECK(walked.stats.distinct + walked.stats.passed >= every.stats.distinct);
    CHECK(walked.stats.settled == every.stats.settled);
    CHECK(violated(walked) == violated(every));
    CHECK_FALSE(violated(every).empty());
    // A counterexample through unstored steps comes back as choice indices, and replays.
    for (explore::GuaranteeResult const& g : walked.guarantees) {
      if (!g.violated) continue;
      explore::Counterexample const again =
          explore::testing::replayed(s, *g.counterexample, g.guarantee, b);
      CHECK(again.steps == g.counterexample->steps);
    }
  }
}

TEST_CASE("the delay bound grows the search level by level", "[explore]") {
  sim::Scenario const s = scenario("reference-two-producers-ack-before-processing.yaml");
  std::uint64_t before = 0;
  for (std::uint32_t k : {0u, 1u, 2u}) {
    INFO("delays " << k);
    explore::ExploreResult const r = explore::explore(s, delay_bounds(s, k));
    CHECK(r.stats.stopped.empty());
    CHECK(r.stats.distinct > before);
    CHECK(r.stats.delays_reached == k);
    CHECK(r.stats.delays_cut);
    CHECK(r.bounds.find("delays <= " + std::to_string(k)) == 0);
    before = r.stats.distinct;
  }
  // No delay: the fixed schedule and the budget's crash of the consumer at every step.
  explore::ExploreResult const zero = explore::explore(s, delay_bounds(s, 0));
  CHECK(zero.stats.distinct == 29);
  CHECK(result(zero, "at-least-once").violated);
  CHECK(result(zero, "at-least-once").counterexample->delays == 0);
}

TEST_CASE("a delay-bounded counterexample replays to the same history", "[explore]") {
  sim::Scenario const s = scenario("reference-ack-before-processing.yaml");
  explore::ExploreResult const r = explore::explore(s, delay_bounds(s, 1));
  explore::Counterexample const& cx = *result(r, "at-least-once").counterexample;
  CHECK(cx.delayed.size() == cx.steps.size());
  CHECK(cx.routine.size() == cx.steps.size());
  explore::Counterexample const again = explore::testing::replayed(s, cx, "at-least-once");
  CHECK(again.steps == cx.steps);
  CHECK(again.history.size() == cx.history.size());
  CHECK(again.delays == cx.delays);
}

TEST_CASE("the delay search refuses partial-order reduction and the liveness check", "[explore]") {
  sim::Scenario const s = scenario("reference-ack-before-processing.yaml");
  explore::Bounds b = delay_bounds(s, 1);
  b.por = true;
  CHECK_THROWS_AS(explore::explore(s, b), InputError);
  b.por = false;
  b.liveness = true;
  CHECK_THROWS_AS(explore::explore(s, b), InputError);
}

// Release: about 1 s each for the acks scenarios; the sanitizer
// build leaves them to the optimised suite, as known_answers_test.cpp does.
TEST_CASE("one delay exhausts Kafka's acks known answers", "[explore]" MQCHECK_NOT_SANITIZED) {
  explore::ExploreResult const lost = one_delay_any_latency("kafka-acks1-leader-crash.yaml");
  CHECK(lost.stats.stopped.empty());
  CHECK(lost.stats.distinct == 82174);
  explore::GuaranteeResult const& alo = result(lost, "at-least-once");
  REQUIRE(alo.violated);
  explore::Counterexample const& cx = *alo.counterexample;
  CHECK(cx.delays == 1);
  // The delay: the leader's parked fetch times out while the produce is in flight, so the
  // record lands with no follower fetch waiting; the ack comes back, then the leader crashes.
  std::size_t const delay = static_cast<std::size_t>(
      std::find(cx.delayed.begin(), cx.delayed.end(), true) - cx.delayed.begin());
  REQUIRE(delay + 5 < cx.steps.size());
  CHECK(cx.steps[delay] == "broker-0's timer 3 fires");
  CHECK(cx.steps[delay + 1] == "broker-0 receives ProduceRequest from p1");
  CHECK(cx.steps[delay + 5] == "broker-0 crashes (crash leader(orders-0))");
  CHECK_FALSE(result(lost, "at-most-once").violated);

  explore::ExploreResult const kept = one_delay_any_latency("kafka-acks-all-leader-crash.yaml");
  CHECK(kept.stats.stopped.empty());
  CHECK(kept.stats.distinct == 82175);
  CHECK(violated(kept).empty());
}

TEST_CASE("one delay finds the loss min.insync.replicas=2 does not prevent (KIP-966)",
          "[explore]" MQCHECK_NOT_SANITIZED) {
  // The follower crashes and comes back (out of the ISR until it catches up), and the leader,
  // the last replica standing, loses power before that: it is elected again with the
  // acknowledged record gone, and the follower truncates its copy: KIP-966's "last replica
  // standing". Two unclean shutdowns, one more than eligible leader replicas (4.1) tolerate
  // with min.insync.replicas=2. The breadth-first search holds at depth 9: it takes 21 steps.
  sim::Scenario const s = scenario("kafka-min-isr-2-shrink-power-loss.yaml");
  explore::ExploreResult const r = explore::explore(s, delay_bounds(s, 1));
  CHECK(r.stats.stopped.empty());
  CHECK(r.stats.distinct == 1052);
  explore::GuaranteeResult const& alo = result(r, "at-least-once");
  REQUIRE(alo.violated);
  std::vector<std::string> const& steps = alo.counterexample->steps;
  REQUIRE(steps.size() == 21);
  CHECK(steps[13].find("p1 receives ProduceResponse from broker-0 (p1: send ok [1])") == 0);
  CHECK(steps[14] == "broker-1 crashes (crash broker-1)");
  CHECK(steps[15] == "broker-1 restarts and recovers from its disk");
  CHECK(alo.counterexample->delayed[15]);  // Restarting before the settle is the delay.
  CHECK(steps[19].find("broker-0 loses power") == 0);
  CHECK_FALSE(result(r, "at-most-once").violated);
}

TEST_CASE("one delay exhausts the consumer's and producer's known answers",
          "[explore]" MQCHECK_NOT_SANITIZED) {
  sim::Scenario const before = scenario("kafka-commit-before-processing.yaml");
  explore::ExploreResult const lost = explore::explore(before, delay_bounds(before, 1));
  CHECK(lost.stats.distinct == 879);
  CHECK(result(lost, "at-least-once").violated);
  CHECK_FALSE(result(lost, "at-most-once").violated);

  sim::Scenario const after = scenario("kafka-commit-after-processing.yaml");
  explore::Bounds b = delay_bounds(after, 1);
  b.drops = 1;
  explore::ExploreResult const twice = explore::explore(after, b);
  CHECK(twice.stats.distinct == 14218);
  CHECK(result(twice, "at-most-once").violated);

  sim::Scenario const retries = scenario("kafka-retries-lost-response.yaml");
  sim::Scenario const idempotent = scenario("kafka-retries-lost-response-idempotent.yaml");
  explore::Bounds r = delay_bounds(retries, 1);
  r.drops = 1;
  explore::ExploreResult const dup = explore::explore(retries, r);
  explore::ExploreResult const once = explore::explore(idempotent, r);
  CHECK(dup.stats.distinct == 3718);
  CHECK(once.stats.distinct == 3718);
  CHECK(result(dup, "at-most-once").violated);
  CHECK_FALSE(result(once, "at-most-once").violated);
}
