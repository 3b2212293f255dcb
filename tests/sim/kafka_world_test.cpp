// SPDX-License-Identifier: Apache-2.0
// The Kafka world builder: bad Kafka configuration is an InputError naming the key (with the
// nearest key suggested), KIP-679's explicit-idempotence conflict is refused, leader(T-P)
// fault targets are checked by name and resolved when the fault fires.
#include <algorithm>
#include <catch2/catch.hpp>
#include <utility>

#include "sim/run.hpp"
#include "tests/sim/error_of.hpp"

namespace mqcheck::sim {
namespace {

std::string const base = R"(name: k
broker: kafka
version: "3.7"
cluster: {brokers: 3}
broker_config: {broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50}
topics: [{name: orders, partitions: 2, config: {replication.factor: 3}}]
)";

using testing::error_of;

TEST_CASE("kafka configuration errors name the key and suggest the nearest", "[sim][kafka]") {
  CHECK_THAT(error_of(base + "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1,"
                             " config: {ack: all}}]\n"),
             Catch::Contains("producers[0].config.ack") && Catch::Contains("did you mean 'acks'"));
  CHECK_THAT(error_of(base + "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1,"
                             " config: {acks: 2}}]\n"),
             Catch::Contains("producers[0].config.acks"));
  CHECK_THAT(error_of("name: k\nbroker: kafka\nversion: \"1.1\"\n"), Catch::Contains("2.1 to 4.x"));
  CHECK_THAT(error_of(base + "consumers: [{group: g, topic: orders, config: {auto.offset.reset: "
                             "earlist}}]\n"),
             Catch::Contains("did you mean 'earliest'"));
}

TEST_CASE(
    "explicit idempotence with acks=1 is a configuration error; default idempotence "
    "yields silently",
    "[sim][kafka]") {
  CHECK_THAT(error_of(base + "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1,"
                             " config: {acks: 1, enable.idempotence: true}}]\n"),
             Catch::Contains("producers[0].config.acks") && Catch::Contains("ConfigException"));
  CHECK(error_of(base + "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1,"
                        " config: {acks: 1}}]\n") == "(no error)");
}

TEST_CASE("leader(T-P) targets are checked by name and strike the current leader", "[sim][kafka]") {
  CHECK_THAT(error_of(base + "faults: [{at: 1ms, crash: leader(order-0)}]\nquiesce: 2ms\n"),
             Catch::Contains("did you mean 'leader(orders-0)'"));
  Scenario const s = parse_scenario(
      base +
          "faults: [{at: 10ms, crash: leader(orders-1), for: 5ms}]\nquiesce: 20ms\ndrain: 50ms\n",
      "s.yaml");
  RunResult const run = simulate(s, 1);
  REQUIRE(run.faults.size() == 2);
  CHECK(run.faults[0].what == "crash broker-1");  // Partition 1's preferred leader.
  CHECK(run.faults[1].what == "restart broker-1");
}

TEST_CASE("consumers take commit: after-processing or before-processing", "[sim][kafka]") {
  Scenario const s = parse_scenario(
      base + "consumers: [{group: g, topic: orders, commit: before-processing}]\n", "s.yaml");
  REQUIRE(s.consumers.size() == 1);
  CHECK(s.consumers[0].commit == "before-processing");
  CHECK_THAT(error_of(base + "consumers: [{group: g, topic: orders, commit: after-procesing}]\n"),
             Catch::Contains("did you mean 'after-processing'"));
  CHECK_THAT(error_of("name: r\nbroker: reference\nqueues: [{name: q}]\n"
                      "consumers: [{group: g, topic: q, commit: after-processing}]\n"),
             Catch::Contains("use config: {ack: ...}"));
  CHECK_THAT(error_of("name: k\nbroker: kafka\nqueues: [{name: q}]\n"),
             Catch::Contains("Kafka has topics, not queues"));
}

// Two instances of one group over two partitions; g-0 crashes and stays down past its
// session timeout. Subscribed, the coordinator moves its partition to g-1 (an `assign` op of
// g-1 holding both); assigned statically, g-1 keeps its own partition only.
TEST_CASE("consumers subscribe by default; assignment: assign keeps static partitions",
          "[sim][kafka]") {
  auto widest_assign = [&](std::string const& extra) {
    std::string const text =
        base +
        "producers: [{id: p1, topic: orders, messages: 20, rate_per_s: 100}]\n"
        "consumers:\n  - {group: g, topic: orders, instances: 2" +
        extra +
        ", config: {session.timeout.ms: 60, heartbeat.interval.ms: 20, "
        "fetch.max.wait.ms: 10, auto.offset.reset: earliest}}\n"
        "faults: [{at: 30ms, crash: g-0, for: 300ms}]\nquiesce: 400ms\ndrain: 1s\n";
    RunResult const r = simulate(parse_scenario(text, "s.yaml"), 1);
    std::size_t widest = 0, count = 0;
    for (history::Op const& op : r.history.ops()) {
      if (op.f != history::OpKind::assign || op.process != "g-1") continue;
      widest = std::max(widest, op.value.size());
      ++count;
    }
    return std::pair{widest, count};
  };
  CHECK(widest_assign("").first == 2);
  CHECK(widest_assign(", assignment: assign") == std::pair<std::size_t, std::size_t>{1, 1});
  CHECK_THAT(
      error_of(base + "consumers: [{group: g, topic: orders, assignment: asign}]\n"),
      Catch::Contains("consumers[0].assignment") && Catch::Contains("did you mean 'assign'"));
  CHECK_THAT(error_of("name: r\nbroker: reference\nqueues: [{name: q}]\n"
                      "consumers: [{group: g, topic: q, assignment: assign}]\n"),
             Catch::Contains("no consumer groups"));
}

}  // namespace
}  // namespace mqcheck::sim
