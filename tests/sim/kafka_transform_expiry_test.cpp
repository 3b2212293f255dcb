// SPDX-License-Identifier: Apache-2.0
// The consume-transform-produce client expires its output records at delivery.timeout.ms as
// the transactional producer does (KIP-91; the Java Sender fails an expired batch and the
// TransactionManager makes the transaction abortable): while the transform cannot reach the
// cluster its outputs expire, its commit fails, it rewinds to the committed offsets and redoes
// the inputs once the network heals, and the pipeline stays exactly-once.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "tests/sim/verdict_of.hpp"

namespace mqcheck::sim {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;
using testing::history_of;
using testing::verdict_of;

// xf-0 cannot send anything from 30 ms to 130 ms (a one-way partition: its requests are
// dropped); delivery.timeout.ms is 60 ms, so the outputs it sends in that window expire.
std::string transform_scenario(std::string const& delivery_timeout) {
  return R"(name: k
broker: kafka
version: "3.7"
cluster: {brokers: 3}
broker_config: {replica.lag.time.max.ms: 200, replica.fetch.wait.max.ms: 10,
                broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50}
topics: [{name: orders, partitions: 2, config: {replication.factor: 3}},
         {name: invoices, partitions: 2, config: {replication.factor: 3}}]
producers: [{id: p1, topic: orders, messages: 60, rate_per_s: 1000}]
consumers:
  - group: xf
    topic: orders
    processing: 2ms
    config: {enable.auto.commit: false, auto.offset.reset: earliest, max.poll.records: 10,
             fetch.max.wait.ms: 10, request.timeout.ms: 30}
    transform:
      output: invoices
      config: {transactional.id: xf, request.timeout.ms: 30, retry.backoff.ms: 5,
               delivery.timeout.ms: )" +
         delivery_timeout + R"(}
  - {group: billing, topic: invoices, processing: 100us, commit: after-processing,
     config: {isolation.level: read_committed, enable.auto.commit: false,
              auto.offset.reset: earliest, fetch.max.wait.ms: 10, request.timeout.ms: 30}}
network: {latency: {distribution: exponential, mean: 300us, min: 100us}}
faults:
  - {at: 30ms, for: 100ms, partition: {groups: [[xf-0]], one_way: true}}
quiesce: 300ms
drain: 3s
)";
}

struct TransformSeen {
  std::size_t expired = 0;         // xf-0's output sends ended by delivery.timeout.ms.
  std::size_t failed_commits = 0;  // txn-commit fail: the transaction aborted instead.
};

TransformSeen transform_seen(history::History const& h) {
  TransformSeen s;
  for (Op const& op : h.ops()) {
    if (op.process != "xf-0") continue;
    if (op.f == OpKind::send && op.type != OpType::invoke && op.type != OpType::ok &&
        op.detail.find("delivery.timeout.ms") != std::string::npos) {
      ++s.expired;
    }
    if (op.f == OpKind::txn_commit && op.type == OpType::fail) ++s.failed_commits;
  }
  return s;
}

TEST_CASE("a transform's outputs expire at delivery.timeout.ms and its transaction aborts",
          "[sim][kafka][txn]") {
  history::History const h = history_of(transform_scenario("60"));
  TransformSeen const s = transform_seen(h);
  CHECK(s.expired > 0);
  CHECK(s.failed_commits > 0);
  // The rewind redoes the inputs of the aborted transaction: exactly-once end to end.
  CHECK(verdict_of(h, "exactly-once-pipeline").validity == checker::Validity::valid);
  CHECK(verdict_of(h, "transactional-visibility").validity == checker::Validity::valid);
  CHECK(verdict_of(h, "exactly-once").validity == checker::Validity::valid);
}

TEST_CASE("with delivery.timeout.ms above the outage nothing of the transform expires",
          "[sim][kafka][txn]") {
  history::History const h = history_of(transform_scenario("120000"));
  CHECK(transform_seen(h).expired == 0);
  CHECK(verdict_of(h, "exactly-once-pipeline").validity == checker::Validity::valid);
}

}  // namespace
}  // namespace mqcheck::sim
