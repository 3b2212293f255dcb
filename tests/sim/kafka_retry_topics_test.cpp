// SPDX-License-Identifier: Apache-2.0
// Retry topics, the non-blocking retry PATTERN (Spring Kafka's @RetryableTopic;
// model/kafka/consumer_dead_letter.cpp, sim/world_kafka_patterns.cpp): a failed record is tried
// once per topic, each retry topic's consumers wait out its back-off, the attempts are written
// as the application's, and a record exhausted by the chain lands in the dead-letter topic.
// A flaky record's later success is out of its partition's order; blocking retries in place
// keep the order. Acknowledged forwards survive a retry topic's outage; fire-and-forget ones
// are lost.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "checker/check.hpp"
#include "sim/run.hpp"
#include "tests/sim/error_of.hpp"
#include "tests/sim/op_count.hpp"
#include "tests/sim/verdict_of.hpp"

namespace mqcheck::sim {
namespace {

using history::OpKind;
using history::OpType;
using testing::count_ops;
using testing::error_of;
using testing::history_of;
using testing::verdict_of;

// Topics in this order put orders-retry-50's single replica on broker-1 (world_kafka.cpp:
// partition p of topic t on brokers (t + p + k) mod N), and orders' leader on broker-0.
std::string const cluster = R"(name: k
broker: kafka
version: "3.7"
cluster: {brokers: 3}
broker_config: {broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50,
  replica.fetch.wait.max.ms: 10}
topics:
  - {name: orders, partitions: 1, config: {replication.factor: 3}}
  - {name: orders-retry-50, partitions: 1, config: {replication.factor: 1}}
  - {name: orders-retry-100, partitions: 1, config: {replication.factor: 3}}
  - {name: orders-dlt, partitions: 1, config: {replication.factor: 3}}
producers: [{id: p1, topic: orders, messages: 20, rate_per_s: 1000}]
quiesce: 300ms
drain: 2s
)";

std::string const consumer_head =
    "consumers:\n  - {group: billing, topic: orders, assignment: assign, processing: 1ms,\n"
    "     commit: after-processing, config: {enable.auto.commit: false,\n"
    "     auto.offset.reset: earliest, fetch.max.wait.ms: 10, request.timeout.ms: 30}";

// The billing consumer with retry topics; `failures` says which records fail.
std::string retrying(std::string const& failures, std::string const& publish = "sync",
                     std::string const& producer_keys = "") {
  return consumer_head +
         ",\n     retry_topics: {retries: [{topic: orders-retry-50, delay: 50ms},\n"
         "       {topic: orders-retry-100, delay: 100ms}], dlt: orders-dlt, " +
         failures + ", publish: " + publish +
         ", config: {request.timeout.ms: 30, retry.backoff.ms: 5" + producer_keys + "}}}\n";
}

}  // namespace

TEST_CASE("retry topics: one attempt per topic, the application's group, then the DLT",
          "[sim][kafka][retry-topics]") {
  // Ids 10 and 20 always fail (3 attempts, then orders-dlt); 3, 6, 9, 12, 15, 18 fail once.
  history::History const h = history_of(cluster + retrying("poison_every: 10, flaky_every: 3"));
  CHECK(count_ops(h, OpKind::process, OpType::ok, "orders") == 18);
  CHECK(count_ops(h, OpKind::process, OpType::ok, "orders", "billing-retry-50-") == 6);
  CHECK(count_ops(h, OpKind::process, OpType::fail, "orders") == 6 + 2 * 3);
  CHECK(count_ops(h, OpKind::nack, OpType::ok, "orders") == 12);
  CHECK(count_ops(h, OpKind::send, OpType::ok, "orders-retry-50") == 8);
  CHECK(count_ops(h, OpKind::send, OpType::ok, "orders-retry-100") == 2);
  CHECK(count_ops(h, OpKind::send, OpType::ok, "orders-dlt") == 2);
  // Every process and nack is the application's: group billing, naming the main topic.
  for (history::Op const& op : h.ops()) {
    if (op.f != OpKind::process && op.f != OpKind::nack) continue;
    CHECK(op.group == "billing");
    CHECK(op.value.front().topic == "orders");
  }
  CHECK(h.header().groups.at("billing").dead_letter_topic == "orders-dlt");
  CHECK(h.header().groups.at("billing").dead_letter_after == 3);
  CHECK(h.header().groups.count("billing-retry-50") == 0);
  CHECK(verdict_of(h, "at-least-once").validity == checker::Validity::valid);
  CHECK(verdict_of(h, "dead-letter").validity == checker::Validity::valid);
  CHECK(verdict_of(h, "ordering").validity == checker::Validity::invalid);
}

TEST_CASE("a retry topic's consumer processes a record no sooner than its back-off allows",
          "[sim][kafka][retry-topics]") {
  history::History const h = history_of(cluster + retrying("poison_every: 5"));
  // When each record failed last (ms, as the forward's timestamp), and the next try began.
  std::map<std::uint64_t, std::int64_t> failed_ms;
  std::size_t retried = 0;
  for (history::Op const& op : h.ops()) {
    if (op.f != OpKind::process) continue;
    std::uint64_t const id = op.value.front().id.value;
    if (op.type == OpType::fail) failed_ms[id] = op.time.us / 1'000;
    if (op.type != OpType::invoke || !failed_ms.contains(id)) continue;
    std::int64_t const delay = op.process.starts_with("billing-retry-50-") ? 50 : 100;
    CHECK(op.time.us >= (failed_ms[id] + delay) * 1'000);
    ++retried;
  }
  CHECK(retried == 4 * 2);  // Ids 5, 10, 15, 20, each on both retry topics.
}

TEST_CASE("retry topics reorder a partition; blocking retries in place keep its order",
          "[sim][kafka][retry-topics]") {
  history::History const poison = history_of(cluster + retrying("poison_every: 10"));
  CHECK(verdict_of(poison, "ordering").validity == checker::Validity::valid);  // None succeeds.

  history::History const flaky = history_of(cluster + retrying("flaky_every: 3"));
  checker::Verdict const order = verdict_of(flaky, "ordering");
  CHECK(order.validity == checker::Validity::invalid);
  REQUIRE_FALSE(order.anomalies.empty());
  CHECK(order.anomalies.front().kind == "reordered");

  history::History const blocking = history_of(
      cluster + consumer_head +
      ",\n     dead_letter: {topic: orders-dlt, after: 3, flaky_every: 3, flaky_failures: 2}}\n");
  CHECK(count_ops(blocking, OpKind::process, OpType::ok, "orders") == 20);
  CHECK(count_ops(blocking, OpKind::process, OpType::fail, "orders") == 6 * 2);
  CHECK(count_ops(blocking, OpKind::send, OpType::ok, "orders-dlt") == 0);
  CHECK(verdict_of(blocking, "ordering").validity == checker::Validity::valid);
}

TEST_CASE("through a retry topic's outage, acknowledged forwards keep every record",
          "[sim][kafka][retry-topics]") {
  std::string const outage = "faults: [{at: 5ms, crash: broker-1, for: 200ms}]\n";
  std::string const expiry = ", delivery.timeout.ms: 60";
  history::History const sync =
      history_of(cluster + outage + retrying("flaky_every: 4", "sync", expiry));
  CHECK(count_ops(sync, OpKind::send, OpType::fail, "orders-retry-50") > 0);  // Forwarded again.
  CHECK(verdict_of(sync, "at-least-once").validity == checker::Validity::valid);

  history::History const async =
      history_of(cluster + outage + retrying("flaky_every: 4", "async", expiry));
  CHECK(count_ops(async, OpKind::send, OpType::fail, "orders-retry-50") > 0);
  checker::Verdict const lost = verdict_of(async, "at-least-once");
  CHECK(lost.validity == checker::Validity::invalid);
  REQUIRE_FALSE(lost.anomalies.empty());
  CHECK(lost.anomalies.front().kind == "lost");
}

TEST_CASE("retry_topics input errors", "[sim][kafka][retry-topics]") {
  std::string const head =
      cluster + "consumers:\n  - {group: billing, topic: orders, retry_topics: {";
  std::string const retries = "retries: [{topic: orders-retry-50, delay: 50ms}], ";
  CHECK_THAT(error_of(head + "dlt: orders-dlt, poison_every: 5}}\n"), Catch::Contains("retries"));
  CHECK_THAT(error_of(head + "retries: [], dlt: orders-dlt, poison_every: 5}}\n"),
             Catch::Contains("at least one retry topic"));
  CHECK_THAT(error_of(head + "retires: [], dlt: orders-dlt, poison_every: 5}}\n"),
             Catch::Contains("retries"));
  CHECK_THAT(error_of(head + "retries: [{topic: orders-retry-50, delay: 1500us}], "
                             "dlt: orders-dlt, poison_every: 5}}\n"),
             Catch::Contains("whole number of milliseconds"));
  CHECK_THAT(error_of(head + retries + "dlt: orders-dlt}}\n"),
             Catch::Contains("poison_every") && Catch::Contains("flaky_every"));
  CHECK_THAT(error_of(head + retries + "dlt: orders-dlt, flaky_failures: 2}}\n"),
             Catch::Contains("flaky_failures needs flaky_every"));
  CHECK_THAT(error_of(head + retries + "dlt: orders, poison_every: 5}}\n"),
             Catch::Contains("retry_topics.dlt") && Catch::Contains("used twice"));
  CHECK_THAT(error_of(head + retries + "dlt: orders-dlq, poison_every: 5}}\n"),
             Catch::Contains("orders-dlt"));
  CHECK_THAT(error_of(head + retries + "dlt: orders-dlt, poison_every: 5, config: {acks: 0}}}\n"),
             Catch::Contains("acks"));
  CHECK_THAT(error_of(head + retries +
                      "dlt: orders-dlt, poison_every: 5},\n"
                      "     dead_letter: {topic: orders-dlt, after: 2, "
                      "poison_every: 5}}\n"),
             Catch::Contains("not modelled"));
  CHECK_THAT(error_of(head + retries +
                      "dlt: orders-dlt, poison_every: 5}}\n"
                      "  - {group: billing-retry-50, topic: orders}\n"),
             Catch::Contains("billing-retry-50") && Catch::Contains("also declares"));
  CHECK_THAT(error_of("name: r\nbroker: reference\nqueues: [{name: q}, {name: r}, {name: d}]\n"
                      "consumers: [{group: g, topic: q, retry_topics: {retries: [{topic: r, "
                      "delay: 5ms}], dlt: d, poison_every: 2}}]\n"),
             Catch::Contains("only broker: kafka"));
}

}  // namespace mqcheck::sim
