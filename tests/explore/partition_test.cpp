// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/partition_test.cpp (tests, layer: explore)
// Network partitions as explorer choices: a scenario's `partition:` fault strikes once, at any
// moment; messages across the cut are dropped when sent and when they would arrive (as the
// kernel drops them); a heal is a choice while the cut holds, and the settle heals first, as
// the simulator's quiesce does. Known answers: an acks=1 leader cut off with its producer
// loses an acknowledged write (Jepsen's Kafka finding); with acks=all it does not.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "tests/common/soak.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::result;
using explore::testing::scenario;
using explore::testing::tiny;

explore::Bounds one_delay(sim::Scenario const& s) {
  explore::Bounds b = tiny(1'000'000);
  b.order = explore::SearchOrder::delay;
  b.delays_max = 1;
  b.horizon = s.quiesce;
  b.latency_max.reset();
  b.states_max = 2'000'000;
  return b;
}

bool has_op(history::History const& h, history::OpKind f, std::string const& detail) {
  for (history::Op const& op : h.ops()) {
    if (op.f == f && op.detail == detail) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a partition strikes once, drops what crosses it, and heals as a choice or at the settle",
          "[explore]") {
  sim::Scenario const s = scenario("kafka-acks1-leader-isolated.yaml");
  explore::Bounds b = tiny(3);
  explore::ExploreResult const r = explore::explore(s, b);
  CHECK(r.unsupported.empty());  // Partitions are enumerated now.
  // The fault's words name both sides.
  CHECK(r.bounds.find("partition [broker-0 p1] | [controller broker-1 broker-2 billing-0] x1") !=
        std::string::npos);

  // Replay by hand: the partition first, then the messages the start-up sent across it.
  explore::Trace t;
  t.bounds = tiny(1000);
  std::vector<std::string> words;
  // Find the partition's choice index in the initial state through a one-step trace: the
  // initial state's choices are the start-up's deliveries, its timers, then the fault.
  for (std::uint32_t i = 0; i < 64; ++i) {
    t.choices = {i};
    t.steps.clear();
    try {
      explore::Counterexample const cx = explore::replay(s, t);
      if (cx.steps.front().find("the network partitions") == 0) {
        words = cx.steps;
        break;
      }
    } catch (InputError const&) {
      break;
    }
  }
  REQUIRE(words.size() == 1);
  CHECK(words[0] ==
        "the network partitions (partition [broker-0 p1] | [controller broker-1 broker-2 "
        "billing-0])");
  // Then the oldest message in flight, p1's start-up metadata request, meets the cut.
  t.choices.push_back(0);
  explore::Counterexample const cut = explore::replay(s, t);
  REQUIRE(cut.steps.size() == 2);
  CHECK(cut.steps[1] == "the network drops MetadataRequest from p1 to controller (partitioned)");
  CHECK(has_op(cut.history, history::OpKind::partition,
               "partition [broker-0 p1] | [controller broker-1 broker-2 billing-0]"));
  CHECK(has_op(cut.history, history::OpKind::drop, "p1 -> controller: partitioned"));
  CHECK(has_op(cut.history, history::OpKind::heal, "quiesce: heal"));  // The settle heals.
}

TEST_CASE("an acks=1 leader cut off with its producer loses a write; acks=all does not",
          "[explore]" MQCHECK_NOT_SANITIZED) {
  sim::Scenario const acks1 = scenario("kafka-acks1-leader-isolated.yaml");
  explore::ExploreResult const lost = explore::explore(acks1, one_delay(acks1));
  CHECK(lost.stats.stopped.empty());
  CHECK(lost.stats.distinct == 100104);
  explore::GuaranteeResult const& alo = result(lost, "at-least-once");
  REQUIRE(alo.violated);
  CHECK(alo.counterexample->delays == 0);  // The fixed schedule and the cut suffice.
  bool partitioned = false;
  for (std::string const& step : alo.counterexample->steps) {
    partitioned = partitioned || step.find("the network partitions") == 0;
    CHECK(step.find("crashes") == std::string::npos);  // No process crashes.
  }
  CHECK(partitioned);
  explore::Counterexample const again =
      explore::testing::replayed(acks1, *alo.counterexample, "at-least-once", one_delay(acks1));
  CHECK(again.steps == alo.counterexample->steps);

  sim::Scenario const all = scenario("kafka-acks-all-leader-isolated.yaml");
  explore::ExploreResult const kept = explore::explore(all, one_delay(all));
  CHECK(kept.stats.stopped.empty());
  CHECK(kept.stats.distinct == 100489);
  for (explore::GuaranteeResult const& g : kept.guarantees) CHECK_FALSE(g.violated);
}
