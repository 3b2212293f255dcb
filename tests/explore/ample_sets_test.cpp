// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/ample_sets_test.cpp (tests, layer: explore)
// Why the explorer has no persistent (ample, stubborn) sets, only sleep sets: the network is a
// multiset, so a message sent later may arrive before one already in flight to the same node,
// and a node's deliveries do not commute with each other. A persistent set built from the
// deliveries in flight ("deliveries to different nodes are independent") therefore misses
// every schedule in which a later message overtakes: condition C1 (Clarke, Grumberg and
// Peled, "Model Checking", 1999, ch. 10) must count the deliveries of messages not yet sent.
// Issue 5's first known answer is such a schedule, which this test pins so that the argument
// in docs/explorer.md (Reductions) fails loudly if the model stops making it. Measured with a
// throw-away ample set that ignored overtaking (session 11): it lost this loss at every depth
// tried (to 14), and commit-before-processing's at its depth of 11.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "explore/explore.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::result;
using explore::testing::scenario;
using explore::testing::tiny;

bool ample_starts_with(std::string const& text, std::string const& prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("kafka acks=1: the shortest loss needs a later message to overtake earlier ones",
          "[explore]") {
  explore::Bounds b = tiny(5);
  b.dot_states_max = 100'000;  // Keep the edges: the initial state's choices are read below.
  explore::ExploreResult const r = explore::explore(scenario("kafka-acks1-leader-crash.yaml"), b);
  REQUIRE(r.graph.has_value());

  // In the initial state the followers' fetches are already in flight to broker-0, the leader.
  std::vector<std::string> first;
  for (auto const& e : r.graph->edges()) {
    if (e.from == 0) first.push_back(e.label);
  }
  auto const offered = [&](std::string const& label) {
    return std::find(first.begin(), first.end(), label) != first.end();
  };
  CHECK(offered("broker-0 receives FetchRequest from broker-1"));
  CHECK(offered("broker-0 receives FetchRequest from broker-2"));
  CHECK_FALSE(offered("broker-0 receives ProduceRequest from p1"));  // Not sent yet.

  // The loss: broker-0 takes p1's ProduceRequest, sent after the start, before either fetch,
  // answers it and crashes; the followers never had the record.
  explore::GuaranteeResult const& alo = result(r, "at-least-once");
  REQUIRE(alo.violated);
  std::vector<std::string> const& steps = alo.counterexample->steps;
  REQUIRE(steps.size() == 5);
  std::size_t produce = steps.size();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (ample_starts_with(steps[i], "broker-0 receives ProduceRequest from p1")) produce = i;
  }
  REQUIRE(produce < steps.size());
  CHECK(ample_starts_with(steps[produce - 1], "p1's timer 0 fires"));  // Sent after the start.
  for (std::size_t i = 0; i < produce; ++i) {
    INFO(steps[i]);
    CHECK_FALSE(ample_starts_with(steps[i], "broker-0 receives FetchRequest"));
  }
  CHECK(ample_starts_with(steps.back(), "broker-0 crashes"));
}
