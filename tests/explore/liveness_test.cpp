// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/liveness_test.cpp (tests, layer: explore)
// Liveness through terminal strongly connected components (explore/liveness.hpp): on
// hand-built graphs (a livelock cycle the system never leaves, a cycle with a way out, a
// fault edge that does not count as a way out), and through explore(): a search cut by its
// depth bound says "unknown", never "holds".
#include <catch2/catch.hpp>
#include <vector>

#include "explore/explore.hpp"
#include "explore/liveness.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::GraphEdge;
using explore::testing::scenario;
using explore::testing::tiny;

}  // namespace

TEST_CASE("a cycle with no way out is a terminal component; its cycle is found") {
  // 0 -> 1 -> 2 -> 3 -> 2 (a livelock between 2 and 3); 1 -> 4 (a quiet end state).
  std::vector<GraphEdge> const edges{
      {0, 1, 0, false}, {1, 2, 0, false}, {2, 3, 0, false}, {3, 2, 1, false}, {1, 4, 1, false}};
  auto const terminal = explore::terminal_components(5, edges);
  REQUIRE(terminal.size() == 2);
  CHECK(terminal[0] == std::vector<std::uint32_t>{2, 3});
  CHECK(terminal[1] == std::vector<std::uint32_t>{4});
  std::vector<GraphEdge> const cycle = explore::cycle_in(terminal[0], edges);
  REQUIRE(cycle.size() == 2);
  CHECK((cycle[0].from == 2 && cycle[0].to == 3 && cycle[1].from == 3 && cycle[1].to == 2));
  CHECK(cycle[1].choice == 1);
  CHECK(explore::cycle_in(terminal[1], edges).empty());  // It stops there.
}

TEST_CASE("a cycle with a fault-free way out is not terminal; a fault edge is no way out") {
  // 0 <-> 1, and 1 -> 2 by a fault only: with faults stopped, {0, 1} is never left.
  std::vector<GraphEdge> edges{{0, 1, 0, false}, {1, 0, 0, false}, {1, 2, 1, true}};
  auto terminal = explore::terminal_components(3, edges);
  REQUIRE(terminal.size() == 2);
  CHECK(terminal[0] == std::vector<std::uint32_t>{0, 1});
  CHECK(terminal[1] == std::vector<std::uint32_t>{2});
  edges.back().fault = false;  // Now 1 -> 2 is the system's own step: {0, 1} is left.
  terminal = explore::terminal_components(3, edges);
  REQUIRE(terminal.size() == 1);
  CHECK(terminal[0] == std::vector<std::uint32_t>{2});
}

TEST_CASE("liveness of a search cut by its depth bound is unknown, not holds") {
  explore::Bounds b = tiny(4);
  b.liveness = true;
  explore::ExploreResult const r =
      explore::explore(scenario("reference-ack-after-processing.yaml"), b);
  REQUIRE(r.liveness);
  CHECK(r.liveness->status == explore::LivenessResult::Status::unknown);
  CHECK_THAT(r.liveness->why, Catch::Contains("search cut at depth 4"));
}

TEST_CASE("liveness: a consumer that acks before processing and crashes loses for good") {
  explore::Bounds b = tiny(16);
  b.liveness = true;
  explore::ExploreResult const r =
      explore::explore(scenario("reference-ack-before-processing.yaml"), b);
  REQUIRE(r.liveness);
  // The search is cut (the redelivery timer of a consumer that stays down runs forever), but
  // a quiet state after the restart is terminal however deep one looks.
  CHECK(r.stats.depth_cut);
  REQUIRE(r.liveness->status == explore::LivenessResult::Status::violated);
  CHECK(r.liveness->cycle.empty());  // Nothing more happens there.
  // Both messages sent and delivered, the second acked at once; the consumer crashes before
  // processing it and restarts: the queue has forgotten it. 13 choices, the shortest path to
  // such a state (breadth-first entries come in depth order).
  REQUIRE(r.liveness->path.size() == 13);
  CHECK(r.liveness->path[11].find("billing-0 crashes") == 0);
  CHECK(r.liveness->path[12].find("billing-0 restarts") == 0);
  CHECK_THAT(r.liveness->why, Catch::Contains("lost"));
}

TEST_CASE("liveness holds on a graph explored whole: every end state processed the message") {
  explore::Bounds b = tiny(30);
  b.liveness = true;
  explore::ExploreResult const r =
      explore::explore(scenario("reference-liveness-power-loss.yaml"), b);
  CHECK(r.stats.distinct == 77);
  CHECK(r.stats.transitions == 95);
  CHECK_FALSE(r.stats.depth_cut);
  REQUIRE(r.liveness);
  CHECK(r.liveness->status == explore::LivenessResult::Status::holds);
  CHECK(r.liveness->components == 10);
}

TEST_CASE("liveness is refused with partial-order reduction (it needs every transition)") {
  explore::Bounds b = tiny(4);
  b.liveness = true;
  b.por = true;
  CHECK_THROWS_WITH(explore::explore(scenario("reference-liveness-power-loss.yaml"), b),
                    Catch::Contains("--liveness"));
}
