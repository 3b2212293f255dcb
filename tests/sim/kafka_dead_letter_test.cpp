// SPDX-License-Identifier: Apache-2.0
// The retry and dead-letter PATTERN in the Kafka world (model/kafka/consumer_dead_letter.cpp):
// a poison record is attempted `after` times (failed process + ok nack each), then published
// to the dead-letter topic; waiting for the acknowledgement keeps every dead letter through an
// outage, fire-and-forget loses them; idempotence keeps a retried publish to one copy.
#include <algorithm>
#include <catch2/catch.hpp>
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

std::string const cluster = R"(name: k
broker: kafka
version: "3.7"
cluster: {brokers: 3}
broker_config: {broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50,
  replica.fetch.wait.max.ms: 10}
topics:
  - {name: orders, partitions: 1, config: {replication.factor: 3}}
  - {name: orders.DLT, partitions: 1, config: {replication.factor: 1}}
producers: [{id: p1, topic: orders, messages: 20, rate_per_s: 1000}]
quiesce: 300ms
drain: 2s
)";

// The billing consumer, with `dead_letter` (empty: none) and the dead-letter producer's keys.
std::string consumer(std::string const& publish, std::string const& producer_keys) {
  std::string text =
      "consumers:\n  - {group: billing, topic: orders, assignment: assign, processing: 1ms,\n"
      "     commit: after-processing, config: {enable.auto.commit: false,\n"
      "     auto.offset.reset: earliest, fetch.max.wait.ms: 10, request.timeout.ms: 30}";
  if (publish.empty()) return text + "}\n";
  return text +
         ",\n     dead_letter: {topic: orders.DLT, after: 3, poison_every: 5, publish: " + publish +
         ", config: {request.timeout.ms: 30, retry.backoff.ms: 5" + producer_keys + "}}}\n";
}

using testing::count_ops;
using testing::error_of;
using testing::history_of;
using testing::verdict_of;

}  // namespace

TEST_CASE("a poison record is attempted `after` times, then dead-lettered once",
          "[sim][kafka][dead-letter]") {
  history::History const plain = history_of(cluster + consumer("", ""));
  CHECK(count_ops(plain, OpKind::process, OpType::ok, "orders") == 20);
  CHECK(count_ops(plain, OpKind::nack, OpType::ok, "orders") == 0);
  CHECK(plain.header().groups.at("billing").dead_letter_topic.empty());

  history::History const h = history_of(cluster + consumer("sync", ""));
  CHECK(count_ops(h, OpKind::process, OpType::ok, "orders") == 16);  // Ids 5, 10, 15, 20 fail.
  CHECK(count_ops(h, OpKind::process, OpType::fail, "orders") == 12);
  CHECK(count_ops(h, OpKind::nack, OpType::ok, "orders") == 12);
  CHECK(count_ops(h, OpKind::send, OpType::ok, "orders.DLT") == 4);
  CHECK(h.header().groups.at("billing").dead_letter_topic == "orders.DLT");
  CHECK(h.header().groups.at("billing").dead_letter_after == 3);
  CHECK(verdict_of(h, "dead-letter").validity == checker::Validity::valid);
  CHECK(verdict_of(h, "at-least-once").validity == checker::Validity::valid);
}

TEST_CASE(
    "through a dead-letter topic outage, sync publishing keeps every dead letter and "
    "fire-and-forget loses them",
    "[sim][kafka][dead-letter]") {
  std::string const outage = "faults: [{at: 5ms, crash: broker-1, for: 200ms}]\n";
  std::string const expiry = ", delivery.timeout.ms: 60";
  history::History const sync = history_of(cluster + outage + consumer("sync", expiry));
  CHECK(count_ops(sync, OpKind::send, OpType::fail, "orders.DLT") > 0);  // Published again.
  CHECK(verdict_of(sync, "dead-letter").validity == checker::Validity::valid);
  CHECK(verdict_of(sync, "at-least-once").validity == checker::Validity::valid);

  history::History const async = history_of(cluster + outage + consumer("async", expiry));
  CHECK(count_ops(async, OpKind::send, OpType::fail, "orders.DLT") > 0);
  checker::Verdict const dead = verdict_of(async, "dead-letter");
  CHECK(dead.validity == checker::Validity::invalid);
  REQUIRE_FALSE(dead.anomalies.empty());
  CHECK(dead.anomalies.front().kind == "dlq-missing");
  CHECK(verdict_of(async, "at-least-once").validity == checker::Validity::invalid);
}

TEST_CASE("a dead-letter publish retried after lost answers lands once only with idempotence",
          "[sim][kafka][dead-letter]") {
  // Every answer from the dead-letter topic's broker to billing-0 is lost: each publish is
  // retried until delivery.timeout.ms, and every attempt reaches the log.
  // Ten messages: poison records 5 and 10, both published (one request in flight per
  // partition, so more would wait behind them past delivery.timeout.ms).
  std::string ten = cluster;
  ten.replace(ten.find("messages: 20"), 12, "messages: 10");
  std::string const lossy = "network: {links: [{from: broker-1, to: billing-0, drop: 100%}]}\n";
  std::string const keys = ", delivery.timeout.ms: 100";
  history::History const idempotent = history_of(ten + lossy + consumer("async", keys));
  CHECK(count_ops(idempotent, OpKind::send, OpType::info, "orders.DLT") == 2);
  CHECK(count_ops(idempotent, OpKind::append, OpType::event, "orders.DLT") == 2);
  CHECK(verdict_of(idempotent, "dead-letter").validity == checker::Validity::valid);

  history::History const plain =
      history_of(ten + lossy + consumer("async", keys + ", enable.idempotence: false"));
  CHECK(count_ops(plain, OpKind::append, OpType::event, "orders.DLT") > 2);
  checker::Verdict const dead = verdict_of(plain, "dead-letter");
  CHECK(dead.validity == checker::Validity::invalid);
  REQUIRE_FALSE(dead.anomalies.empty());
  CHECK(dead.anomalies.front().kind == "dlq-duplicate");
}

TEST_CASE("dead_letter input errors", "[sim][kafka][dead-letter]") {
  std::string const head =
      cluster + "consumers:\n  - {group: billing, topic: orders, dead_letter: {";
  CHECK_THAT(error_of(head + "topic: orders.DLQ, after: 3, poison_every: 5}}\n"),
             Catch::Contains("dead_letter.topic") && Catch::Contains("orders.DLT"));
  CHECK_THAT(error_of(head + "topic: orders.DLT, after: 3}}\n"), Catch::Contains("poison_every"));
  CHECK_THAT(error_of(head + "topic: orders.DLT, after: 3, poison_every: 5, publish: later}}\n"),
             Catch::Contains("publish") && Catch::Contains("async"));
  CHECK_THAT(error_of(head + "topic: orders.DLT, after: 3, poison_every: 5, config: {acks: 0}}}\n"),
             Catch::Contains("acks"));
  CHECK_THAT(error_of(head + "topic: orders, after: 3, poison_every: 5}}\n"),
             Catch::Contains("must differ"));
  CHECK_THAT(error_of("name: r\nbroker: reference\nqueues: [{name: q}, {name: d}]\n"
                      "consumers: [{group: g, topic: q, dead_letter: {topic: d, after: 1, "
                      "poison_every: 2}}]\n"),
             Catch::Contains("only broker: kafka"));
}

}  // namespace mqcheck::sim
