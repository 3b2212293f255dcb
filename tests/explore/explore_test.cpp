// SPDX-License-Identifier: Apache-2.0
// The explorer's known answers on tiny models (issue 5): the reference queue's consumer that
// acks before processing loses a message under one crash and the one that acks after
// processing duplicates instead; Kafka acks=1 loses an acknowledged write under one leader
// crash and acks=all with min.insync.replicas=2 does not (within the bound). State counts are
// pinned, Stateright-style: a change in the step semantics or the fingerprint shows here.
// A found counterexample replays to the same history and verdict.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "explore/trace_file.hpp"
#include "sim/scenario.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::result;
using explore::testing::scenario;
using explore::testing::tiny;
using explore::testing::validity;

}  // namespace

TEST_CASE("reference queue, ack before processing: one consumer crash loses a message") {
  explore::ExploreResult const r =
      explore::explore(scenario("reference-ack-before-processing.yaml"), tiny(8));
  CHECK(r.stats.distinct == 49);
  CHECK(r.stats.transitions == 71);
  CHECK(r.stats.stopped.empty());
  explore::GuaranteeResult const& alo = result(r, "at-least-once");
  REQUIRE(alo.violated);
  // Publish, deliver (acked at once), crash before processing: the shortest way.
  explore::Counterexample const& cx = *alo.counterexample;
  REQUIRE(cx.steps.size() == 4);
  CHECK(cx.steps[3].find("billing-0 crashes") == 0);
  CHECK(validity(cx.report, "at-least-once") == checker::Validity::invalid);
  CHECK_FALSE(result(r, "at-most-once").violated);
  CHECK_FALSE(result(r, "no-unexpected").violated);
}

TEST_CASE("reference queue, ack after processing: one consumer crash duplicates, loses nothing") {
  explore::ExploreResult const r =
      explore::explore(scenario("reference-ack-after-processing.yaml"), tiny(8));
  CHECK(r.stats.distinct == 49);
  CHECK_FALSE(result(r, "at-least-once").violated);
  explore::GuaranteeResult const& amo = result(r, "at-most-once");
  REQUIRE(amo.violated);
  CHECK(amo.counterexample->steps.back().find("billing-0 crashes") == 0);
  CHECK(validity(amo.counterexample->report, "at-most-once") == checker::Validity::invalid);
}

TEST_CASE("without a latency bound a producer's timeout overtakes its publish and duplicates") {
  explore::Bounds b = tiny(6);
  b.latency_max.reset();
  explore::ExploreResult const r =
      explore::explore(scenario("reference-ack-after-processing.yaml"), b);
  CHECK(r.stats.distinct == 388);
  explore::GuaranteeResult const& amo = result(r, "at-most-once");
  REQUIRE(amo.violated);
  CHECK(amo.counterexample->steps.size() == 3);  // Send, then the timeout fires twice.
}

TEST_CASE("state fingerprints merge more states and reach the same verdicts as input ones") {
  for (char const* name :
       {"reference-ack-before-processing.yaml", "reference-ack-after-processing.yaml"}) {
    explore::Bounds b = tiny(8);
    explore::ExploreResult const by_inputs = explore::explore(scenario(name), b);
    b.fingerprint = explore::FingerprintMode::state;
    explore::ExploreResult const by_state = explore::explore(scenario(name), b);
    CHECK(by_state.stats.distinct <= by_inputs.stats.distinct);
    for (std::size_t g = 0; g < by_inputs.guarantees.size(); ++g) {
      CHECK(by_state.guarantees[g].violated == by_inputs.guarantees[g].violated);
      if (!by_inputs.guarantees[g].violated) continue;
      CHECK(by_state.guarantees[g].counterexample->steps.size() ==
            by_inputs.guarantees[g].counterexample->steps.size());
    }
  }
}

TEST_CASE("a counterexample replays to the same history and verdict") {
  sim::Scenario const s = scenario("reference-ack-before-processing.yaml");
  explore::Bounds const b = tiny(8);
  explore::ExploreResult const r = explore::explore(s, b);
  explore::Counterexample const& found = *result(r, "at-least-once").counterexample;
  explore::Trace trace{s.file, b, "at-least-once", found.choices, found.steps};
  explore::Trace const back = explore::parse_trace(explore::format_trace(trace), "t.json");
  explore::Counterexample const again = explore::replay(s, back);
  CHECK(again.steps == found.steps);
  CHECK(again.history == found.history);
  CHECK(again.report == found.report);
  CHECK(validity(again.report, "at-least-once") == checker::Validity::invalid);
}

TEST_CASE("a trace from another scenario is refused, not replayed silently") {
  sim::Scenario const s = scenario("reference-ack-before-processing.yaml");
  explore::Trace trace;
  trace.scenario = s.file;
  trace.bounds = tiny(8);
  trace.choices = {0, 0, 0, 0, 7};
  CHECK_THROWS_AS(explore::replay(s, trace), InputError);
  trace.choices = {0};
  trace.steps = {"p1 does something else"};
  CHECK_THROWS_WITH(explore::replay(s, trace), Catch::Contains("does not match"));
}

TEST_CASE("kafka acks=1: one leader crash loses an acknowledged write") {
  explore::ExploreResult const r =
      explore::explore(scenario("kafka-acks1-leader-crash.yaml"), tiny(5));
  CHECK(r.stats.distinct == 925);
  explore::GuaranteeResult const& alo = result(r, "at-least-once");
  REQUIRE(alo.violated);
  // Metadata, send, the leader appends and answers, the leader crashes: five choices.
  std::vector<std::string> const& steps = alo.counterexample->steps;
  REQUIRE(steps.size() == 5);
  CHECK(steps[3].find("broker-0 receives ProduceRequest from p1") == 0);
  CHECK(steps[4].find("broker-0 crashes (crash leader(orders-0))") == 0);
  CHECK_FALSE(result(r, "at-most-once").violated);
  CHECK_FALSE(result(r, "no-unexpected").violated);
}

TEST_CASE("kafka acks=all, min.insync.replicas=2: no leader crash loses a write (within bounds)") {
  explore::ExploreResult const r =
      explore::explore(scenario("kafka-acks-all-leader-crash.yaml"), tiny(5));
  CHECK(r.stats.distinct > 0);
  CHECK(r.stats.stopped.empty());
  for (explore::GuaranteeResult const& g : r.guarantees) {
    INFO(g.guarantee);
    CHECK_FALSE(g.violated);
  }
}

TEST_CASE("the state graph of a small model is drawn, violating states in red") {
  explore::Bounds b = tiny(4);
  b.dot_states_max = 100;
  explore::ExploreResult const r =
      explore::explore(scenario("reference-ack-before-processing.yaml"), b);
  REQUIRE(r.graph);
  REQUIRE(r.graph->recording());
  auto const& edges = r.graph->edges();
  CHECK(std::any_of(edges.begin(), edges.end(), [](auto const& e) {
    return e.from == 0 && e.to == 1 && e.label == "p1's timer 0 fires";
  }));
  bool violating = false;  // The 4-choice loss is within depth 4.
  for (std::uint32_t s = 0; s < r.graph->size(); ++s) violating |= r.graph->violating_at(s);
  CHECK(violating);
  REQUIRE(r.graph_trace.size() == 5);  // The initial state and one state per choice.
  CHECK(r.graph_trace.front() == 0);
  CHECK(r.graph->violating_at(r.graph_trace.back()));
  b.dot_states_max = 3;
  CHECK_FALSE(explore::explore(scenario("reference-ack-before-processing.yaml"), b)
                  .graph->recording());
}
