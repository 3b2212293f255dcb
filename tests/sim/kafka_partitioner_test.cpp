// SPDX-License-Identifier: Apache-2.0
// Where a producer's keyless records land, by release and partitioner.class
// (model/kafka/partitioner.hpp; scenarios/kafka/sticky-partitioner-keyless-runs.yaml): round-
// robin before 2.4; KIP-480's sticky partitioner (2.4-3.2), which with linger.ms 0 moves at
// every new batch, so almost every record; KIP-794's built-in partitioner (3.3+), which keeps
// a partition for about 2 x batch.size bytes; RoundRobinPartitioner, which before 4.0 skips
// every other partition when each record starts a batch (KAFKA-16283).
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/sim/verdict_of.hpp"

namespace mqcheck::sim {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;
using testing::history_of;

std::string keyless_scenario(std::string const& version, int partitions,
                             std::string const& producer_config) {
  return "name: k\nbroker: kafka\nversion: \"" + version +
         "\"\ncluster: {brokers: 3}\n"
         "broker_config: {replica.lag.time.max.ms: 200, replica.fetch.wait.max.ms: 10,\n"
         "                broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50}\n"
         "topics: [{name: orders, partitions: " +
         std::to_string(partitions) +
         ", config: {replication.factor: 3}}]\n"
         "producers: [{id: p1, topic: orders, messages: 60, rate_per_s: 1000, config: {" +
         producer_config +
         "}}]\n"
         "consumers: [{group: billing, topic: orders, processing: 100us, commit: "
         "after-processing,\n"
         "  config: {enable.auto.commit: false, auto.offset.reset: earliest, "
         "fetch.max.wait.ms: 10}}]\n"
         "network: {latency: {distribution: exponential, mean: 300us, min: 100us}}\n"
         "drain: 1s\n";
}

// The partition of each acknowledged send, in message id order.
std::vector<std::int32_t> partitions_by_id(history::History const& h) {
  std::map<std::uint64_t, std::int32_t> by_id;
  for (Op const& op : h.ops()) {
    if (op.f != OpKind::send || op.type != OpType::ok) continue;
    for (auto const& r : op.value) {
      if (r.partition) by_id[r.id.value] = *r.partition;
    }
  }
  std::vector<std::int32_t> out;
  for (auto const& [id, p] : by_id) out.push_back(p);
  return out;
}

// Runs of consecutive records on one partition.
std::size_t runs_of(std::vector<std::int32_t> const& ps) {
  std::size_t runs = 0;
  for (std::size_t i = 0; i < ps.size(); ++i) runs += i == 0 || ps[i] != ps[i - 1] ? 1 : 0;
  return runs;
}

std::vector<std::int32_t> keyless(std::string const& version, int partitions,
                                  std::string const& config) {
  std::vector<std::int32_t> const ps =
      partitions_by_id(history_of(keyless_scenario(version, partitions, config)));
  REQUIRE(ps.size() == 60);
  return ps;
}

TEST_CASE("before 2.4 keyless records go round-robin", "[sim][kafka][partitioner]") {
  std::vector<std::int32_t> const ps = keyless("2.3", 3, "");
  for (std::size_t i = 1; i < ps.size(); ++i) CHECK(ps[i] == (ps[i - 1] + 1) % 3);
}

TEST_CASE("KIP-480 with linger.ms 0 moves at almost every record", "[sim][kafka][partitioner]") {
  std::vector<std::int32_t> const ps = keyless("2.8", 3, "batch.size: 1000");
  // Each record's batch is drained at once, so the next one needs a new batch and the
  // partitioner moves to another partition (never the same one).
  CHECK(runs_of(ps) >= 50);
  // With linger.ms the batch stays open and the records stick to it until it is sent.
  std::vector<std::int32_t> const lingering = keyless("2.8", 3, "batch.size: 1000, linger.ms: 20");
  CHECK(runs_of(lingering) <= 10);
}

TEST_CASE("KIP-794 keeps a partition for about twice batch.size bytes",
          "[sim][kafka][partitioner]") {
  for (std::string const version : {"3.3", "3.7", "4.0"}) {
    CAPTURE(version);
    std::vector<std::int32_t> const ps = keyless(version, 3, "batch.size: 1000");
    // 60 records of 171 bytes each (a batch each): a switch every 12 records, at 2000 bytes,
    // and the draw may pick the same partition again.
    CHECK(runs_of(ps) <= 5);
    CHECK(runs_of(ps) >= 2);
    std::set<std::int32_t> const used(ps.begin(), ps.end());
    CHECK(used.size() >= 2);
  }
}

TEST_CASE("the explicit DefaultPartitioner keeps KIP-480 on 3.3-3.9, refused on 4.0",
          "[sim][kafka][partitioner]") {
  std::string const cls =
      "batch.size: 1000, partitioner.class: "
      "org.apache.kafka.clients.producer.internals.DefaultPartitioner";
  CHECK(runs_of(keyless("3.7", 3, cls)) >= 50);
  CHECK_THROWS_AS(history_of(keyless_scenario("4.0", 3, cls)), InputError);
  CHECK_THROWS_AS(history_of(keyless_scenario("3.2", 3, "partitioner.ignore.keys: true")),
                  InputError);
  CHECK_THROWS_AS(history_of(keyless_scenario("3.7", 3, "partitioner.class: com.acme.Mine")),
                  InputError);
}

TEST_CASE("RoundRobinPartitioner skips every other partition before 4.0 (KAFKA-16283)",
          "[sim][kafka][partitioner]") {
  std::string const cls =
      "partitioner.class: org.apache.kafka.clients.producer.RoundRobinPartitioner";
  std::vector<std::int32_t> const old = keyless("3.7", 4, cls);
  std::set<std::int32_t> const old_used(old.begin(), old.end());
  CHECK(old_used.size() == 2);  // Each record starts a batch: the counter advances twice.
  std::vector<std::int32_t> const fixed = keyless("4.0", 4, cls);
  std::set<std::int32_t> const fixed_used(fixed.begin(), fixed.end());
  CHECK(fixed_used.size() == 4);
  for (std::size_t i = 1; i < fixed.size(); ++i) CHECK(fixed[i] == (fixed[i - 1] + 1) % 4);
}

TEST_CASE("keyed records go by murmur2 unless partitioner.ignore.keys",
          "[sim][kafka][partitioner]") {
  std::string text = keyless_scenario("3.7", 3, "batch.size: 1000");
  text.replace(text.find("messages: 60"), 12, "messages: 60, keys: 3");
  std::vector<std::int32_t> const ps = partitions_by_id(history_of(text));
  REQUIRE(ps.size() == 60);
  for (std::size_t i = 3; i < ps.size(); ++i) CHECK(ps[i] == ps[i - 3]);  // Key i mod 3.
  std::string ignoring =
      keyless_scenario("3.7", 3, "batch.size: 1000, partitioner.ignore.keys: true");
  ignoring.replace(ignoring.find("messages: 60"), 12, "messages: 60, keys: 3");
  CHECK(runs_of(partitions_by_id(history_of(ignoring))) <= 5);
}

}  // namespace
}  // namespace mqcheck::sim
