// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/reductions_test.cpp (tests, layer: explore)
// Partial-order reduction by sleep sets (explore/sleep_sets.hpp) on tiny models of the
// reference broker and Kafka: the reduced search reaches the same distinct states, the same
// verdicts, the same violated guarantees with counterexamples of the same length (breadth-
// first), through fewer transitions. Both counts are pinned, as the full search's are in
// explore_test.cpp; the combinations the reduction is unsound with are refused. Also: a
// consumer that waits on the models' clock (the delay pattern) explores without a false loss.
#include <catch2/catch.hpp>
#include <string>

#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "sim/scenario.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::check_same_answers;
using explore::testing::scenario;
using explore::testing::tiny;

struct Pinned {
  char const* scenario;
  std::uint32_t depth;
  std::uint64_t distinct;
  std::uint64_t full_transitions;
  std::uint64_t reduced_transitions;
};

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

// The Kafka delay pattern (model/kafka/consumer_delay.cpp: pause the partition, seek back,
// resume once the record is due) on kafka-acks1-leader-crash.yaml's world without its crash:
// the record is due 50 ms after its CreateTime. The consumer reads the models' clock, which the
// explorer hands to every handler (Engine::call); without it a record would never come due and
// every one would look lost (a false at-least-once counterexample, refused until session 9).
char const* const delayed_consumer = R"(name: explore kafka delay pattern, pause and resume
broker: kafka
version: "3.7"
cluster: {brokers: 3}
broker_config: {min.insync.replicas: 2, replica.lag.time.max.ms: 200,
                replica.fetch.wait.max.ms: 10, broker.heartbeat.interval.ms: 10,
                broker.session.timeout.ms: 50}
topics: [{name: orders, partitions: 1, config: {replication.factor: 3}}]
producers:
  - {id: p1, topic: orders, messages: 1, rate_per_s: 1000,
     config: {acks: 1, enable.idempotence: false, retries: 0, request.timeout.ms: 30,
              delivery.timeout.ms: 100, retry.backoff.ms: 10, metadata.max.age.ms: 100}}
consumers:
  - {group: billing, topic: orders, processing: 100us, commit: after-processing,
     delay: {ms: 50, wait: pause},
     config: {enable.auto.commit: false, auto.offset.reset: earliest, fetch.max.wait.ms: 10,
              request.timeout.ms: 30, metadata.max.age.ms: 100}}
quiesce: 100ms
drain: 300ms
)";

TEST_CASE("a consumer that waits for due times explores without a false loss: time passes") {
  sim::Scenario const s = sim::parse_scenario(delayed_consumer, "delay.yaml");
  explore::Bounds const b = tiny(6);
  explore::ExploreResult const r = explore::explore(s, b);
  CHECK_FALSE(explore::testing::result(r, "at-least-once").violated);
  CHECK_FALSE(explore::testing::result(r, "at-most-once").violated);
  // The initial state's settle: the record is polled before it is due (a pause and seek
  // back), then processed once the explorer's clock has passed its due time.
  explore::Counterexample const settled = explore::replay(s, {s.file, b, "at-least-once", {}, {}});
  history::Op const* sent = nullptr;
  history::Op const* paused = nullptr;
  history::Op const* processed = nullptr;
  for (history::Op const& op : settled.history.ops()) {
    if (op.f == history::OpKind::send && op.type == history::OpType::invoke) sent = &op;
    if (op.f == history::OpKind::assign && op.detail.find("delay pattern") != std::string::npos)
      paused = paused != nullptr ? paused : &op;
    if (op.f == history::OpKind::process && op.type == history::OpType::ok) processed = &op;
  }
  REQUIRE(sent != nullptr);
  REQUIRE(paused != nullptr);
  REQUIRE(processed != nullptr);
  CHECK(paused->index < processed->index);
  CHECK(processed->time.us >= sent->time.us + 50'000);
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
