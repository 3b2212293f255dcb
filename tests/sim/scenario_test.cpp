// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/scenario_test.cpp (layer: sim tests)
// Valid scenarios parse into exactly the expected values: the two files in tests/sim/data/
// (every key, and the minimal one with every default), then each fault kind on its own.
// Errors are in scenario_errors_test.cpp, value syntaxes in scenario_values_test.cpp.
#include "sim/scenario.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <variant>

#include "core/distribution.hpp"
#include "core/ratio.hpp"
#include "core/time.hpp"

using mqcheck::Distribution;
using mqcheck::microseconds;
using mqcheck::milliseconds;
using mqcheck::Ratio;
using mqcheck::seconds;
using namespace mqcheck::sim;

namespace {

using Kind = Distribution::Kind;

std::string data_path(std::string const& name) {
  return std::string(MQCHECK_SOURCE_DIR) + "/tests/sim/data/" + name;
}

bool same(Ratio a, Ratio b) { return a.num == b.num && a.den == b.den; }  // Reduced, exactly.

Distribution exponential(std::int64_t mean_us, std::int64_t min_us) {
  return {Kind::exponential, microseconds(mean_us), microseconds(min_us), {}, {}};
}

}  // namespace

TEST_CASE("the every-key scenario: header, cluster and broker_config", "[scenario]") {
  std::string const path = data_path("kafka_every_key.yaml");
  Scenario const s = load_scenario(path);
  CHECK(s.file == path);
  CHECK(s.name == "kafka acks=1 loses acknowledged writes when the leader dies");
  CHECK(s.description ==
        "The leader acknowledges before replicating, so crashing it loses acknowledged writes.");
  CHECK(s.broker == BrokerKind::kafka);
  CHECK(s.version == "3.7");
  CHECK(s.seed == 42);
  CHECK(s.brokers == 3);
  REQUIRE(s.broker_config.size() == 2);
  mqcheck::ConfigValue const& isr = s.broker_config.at("min.insync.replicas");
  CHECK(isr.text == "2");
  CHECK(isr.mark.file == path);
  CHECK(isr.mark.line == 11);
  CHECK(isr.mark.column == 24);
  CHECK(s.broker_config.at("unclean.leader.election.enable").text == "false");
}

TEST_CASE("the every-key scenario: topics, queues, producers, consumers", "[scenario]") {
  Scenario const s = load_scenario(data_path("kafka_every_key.yaml"));
  REQUIRE(s.topics.size() == 2);
  CHECK(s.topics[0].name == "orders");
  CHECK(s.topics[0].partitions == 3);
  CHECK(s.topics[0].config.at("replication.factor").text == "3");
  CHECK(s.topics[0].config.at("cleanup.policy").text == "delete");
  CHECK(s.topics[0].mark.line == 14);
  CHECK(s.topics[0].mark.column == 5);
  CHECK(s.topics[1].name == "audit");  // A queue: one partition, no config.
  CHECK(s.topics[1].partitions == 1);
  CHECK(s.topics[1].config.empty());

  REQUIRE(s.producers.size() == 2);
  ProducerSpec const& p1 = s.producers[0];
  CHECK(p1.id == "p1");
  CHECK(p1.topic == "orders");
  CHECK(p1.messages == 200);
  CHECK(p1.interval == Distribution::constant(microseconds(1000)));  // 1000 per second.
  CHECK(p1.start == milliseconds(5));
  CHECK(p1.keys == 8);
  CHECK(p1.config.at("acks").text == "1");
  CHECK(p1.config.at("retries").text == "0");
  CHECK(p1.mark.line == 20);
  ProducerSpec const& p2 = s.producers[1];
  CHECK(p2.topic == "audit");
  CHECK(p2.messages == 0);
  CHECK(p2.interval == exponential(2000, 100));
  CHECK(p2.start == microseconds(0));
  CHECK(p2.keys == 0);

  REQUIRE(s.consumers.size() == 2);
  ConsumerSpec const& c0 = s.consumers[0];
  CHECK(c0.group == "billing");
  CHECK(c0.topic == "orders");
  CHECK(c0.instances == 2);
  CHECK(c0.processing ==
        Distribution{Kind::uniform, {}, microseconds(100), microseconds(1500), {}});
  CHECK(c0.config.at("enable.auto.commit").text == "false");
  ConsumerSpec const& c1 = s.consumers[1];  // Same group name, other topic: allowed.
  CHECK(c1.topic == "audit");
  CHECK(c1.instances == 1);
  CHECK(c1.processing ==
        Distribution{Kind::normal, milliseconds(1), microseconds(10), {}, microseconds(250)});
}

TEST_CASE("the every-key scenario: network and links", "[scenario]") {
  Scenario const s = load_scenario(data_path("kafka_every_key.yaml"));
  CHECK(s.network.latency == exponential(2000, 100));
  CHECK(same(s.network.drop, Ratio{1, 1000}));
  CHECK(same(s.network.duplicate, Ratio{1, 1000}));  // 0.1%
  CHECK(same(s.network.reorder, Ratio{1, 1000}));    // 0.001
  REQUIRE(s.network.links.size() == 2);
  LinkSpec const& l0 = s.network.links[0];
  CHECK(l0.from == "broker-0");
  CHECK(l0.to == "*");
  REQUIRE(l0.latency.has_value());
  CHECK(*l0.latency == Distribution::constant(milliseconds(10)));
  CHECK_FALSE(l0.drop.has_value());
  CHECK_FALSE(l0.duplicate.has_value());
  CHECK_FALSE(l0.reorder.has_value());
  LinkSpec const& l1 = s.network.links[1];
  CHECK(l1.from == "*");
  CHECK(l1.to == "p1");
  CHECK_FALSE(l1.latency.has_value());
  REQUIRE(l1.drop.has_value());
  CHECK(same(*l1.drop, Ratio{1, 1}));
  CHECK(same(l1.duplicate.value(), Ratio{0, 1}));
  CHECK(same(l1.reorder.value(), Ratio{1, 2}));  // 50%
}

TEST_CASE("the every-key scenario: timed faults of every kind", "[scenario]") {
  Scenario const s = load_scenario(data_path("kafka_every_key.yaml"));
  REQUIRE(s.faults.size() == 8);
  CHECK(s.faults[0].at == milliseconds(50));
  CHECK(std::get<Crash>(s.faults[0].what).target == "broker-0");
  CHECK(s.faults[0].duration == milliseconds(20));
  CHECK(s.faults[0].mark.line == 49);
  CHECK(s.faults[0].mark.column == 5);
  CHECK(std::get<PowerLoss>(s.faults[1].what).target == "broker-1");
  CHECK_FALSE(s.faults[1].duration.has_value());
  CHECK(std::get<Restart>(s.faults[2].what).target == "broker-1");
  CHECK(std::get<Pause>(s.faults[3].what).target == "billing-0");
  CHECK(std::get<Resume>(s.faults[4].what).target == "billing-0");
  Partition const& one_way = std::get<Partition>(s.faults[5].what);
  CHECK(s.faults[5].at == milliseconds(100));
  CHECK(one_way.groups ==
        std::vector<std::vector<std::string>>{{"broker-0"}, {"broker-1", "broker-2"}});
  CHECK(one_way.one_way);
  CHECK(s.faults[5].duration == milliseconds(15));
  Partition const& isolate = std::get<Partition>(s.faults[6].what);
  CHECK(isolate.groups == std::vector<std::vector<std::string>>{{"p1"}});
  CHECK_FALSE(isolate.one_way);
  CHECK(std::holds_alternative<Heal>(s.faults[7].what));
  CHECK(s.faults[7].at == milliseconds(150));  // At quiesce is still allowed.
}

TEST_CASE("the every-key scenario: fault rates, quiesce, drain, expect", "[scenario]") {
  Scenario const s = load_scenario(data_path("kafka_every_key.yaml"));
  REQUIRE(s.fault_rates.size() == 3);
  RandomFault const& crash = s.fault_rates[0];
  CHECK(crash.kind == RandomFault::Kind::crash);
  CHECK(crash.targets == std::vector<std::string>{"broker-1", "broker-2"});
  CHECK(crash.interval == exponential(400'000, 0));  // 2.5 per second.
  CHECK(crash.downtime == milliseconds(30));
  CHECK(s.fault_rates[1].kind == RandomFault::Kind::power_loss);
  CHECK(s.fault_rates[1].interval == exponential(333'333, 0));  // 10^6 / 3, rounded.
  CHECK(s.fault_rates[1].downtime == seconds(1));
  CHECK(s.fault_rates[2].kind == RandomFault::Kind::pause);
  CHECK(s.fault_rates[2].interval == exponential(2'000'000, 0));  // 0.5 per second.
  CHECK(s.fault_rates[2].downtime == microseconds(1500));
  CHECK(s.quiesce == milliseconds(150));
  CHECK(s.drain == seconds(2));
  REQUIRE(s.expect.size() == 4);  // In file order.
  CHECK(s.expect[0].guarantee == "at-least-once");
  CHECK(s.expect[0].verdict == "invalid");
  CHECK(s.expect[1].guarantee == "at-most-once");
  CHECK(s.expect[1].verdict == "valid");
  CHECK(s.expect[2].guarantee == "exactly-once");
  CHECK(s.expect[2].verdict == "invalid");
  CHECK(s.expect[3].guarantee == "no-unexpected");
  CHECK(s.expect[3].verdict == "valid");
  CHECK(s.expect[3].mark.line == 71);
  CHECK(s.expect[3].mark.column == 3);
}

TEST_CASE("the minimal scenario takes every documented default", "[scenario]") {
  Scenario const s = load_scenario(data_path("reference_minimal.yaml"));
  CHECK(s.name == "reference queue without faults");
  CHECK(s.description.empty());
  CHECK(s.broker == BrokerKind::reference);
  CHECK(s.version.empty());
  CHECK(s.seed == 1);
  CHECK(s.brokers == 1);
  CHECK(s.broker_config.empty());
  REQUIRE(s.topics.size() == 1);
  CHECK(s.topics[0].name == "jobs");
  CHECK(s.topics[0].partitions == 1);
  REQUIRE(s.producers.size() == 1);
  CHECK(s.producers[0].interval == Distribution::constant(milliseconds(10)));
  CHECK(s.producers[0].start == microseconds(0));
  CHECK(s.producers[0].keys == 0);
  REQUIRE(s.consumers.size() == 1);
  CHECK(s.consumers[0].instances == 1);
  CHECK(s.consumers[0].processing == Distribution::constant(microseconds(0)));
  CHECK(s.network.latency == Distribution::constant(microseconds(100)));
  CHECK(same(s.network.drop, Ratio{0, 1}));
  CHECK(same(s.network.duplicate, Ratio{0, 1}));
  CHECK(same(s.network.reorder, Ratio{0, 1}));
  CHECK(s.network.links.empty());
  CHECK(s.faults.empty());
  CHECK(s.fault_rates.empty());
  CHECK(s.quiesce == microseconds(0));
  CHECK(s.drain == seconds(10));
  CHECK(s.expect.empty());
}

TEST_CASE("the same text parses to the same scenario every time", "[scenario][determinism]") {
  Scenario const a = load_scenario(data_path("kafka_every_key.yaml"));
  Scenario const b = load_scenario(data_path("kafka_every_key.yaml"));
  CHECK(a.network.latency == b.network.latency);
  CHECK(a.producers[0].interval == b.producers[0].interval);
  CHECK(a.faults.size() == b.faults.size());
  CHECK(a.broker_config.begin()->first == "min.insync.replicas");  // Ordered by key.
}

TEST_CASE("queues and topics may be mixed, and names in flow or block style", "[scenario]") {
  Scenario const s = parse_scenario(R"(name: mixed
broker: rabbitmq
version: 3.13
queues:
  - name: q1
    config:
      x-queue-type: quorum
      x-delivery-limit: 5
producers:
  - id: "10"
    topic: q1
    messages: 3
    interval: 250us
consumers:
  - {group: g, topic: q1, processing: 0}
)",
                                    "mixed.yaml");
  CHECK(s.broker == BrokerKind::rabbitmq);
  CHECK(s.version == "3.13");  // Kept as text: not the number 3.13 nor 3.1.
  CHECK(s.topics[0].config.at("x-queue-type").text == "quorum");
  CHECK(s.topics[0].config.at("x-delivery-limit").mark.line == 8);
  CHECK(s.producers[0].id == "10");
  CHECK(s.producers[0].interval == Distribution::constant(microseconds(250)));
  CHECK(s.consumers[0].processing == Distribution::constant(microseconds(0)));
}

TEST_CASE("rocketmq and a seed of 2^64 - 1", "[scenario]") {
  Scenario const s = parse_scenario(
      "name: r\nbroker: rocketmq\nseed: 18446744073709551615\nbroker_config: {flushDiskType: "
      "SYNC_FLUSH}\n",
      "r.yaml");
  CHECK(s.broker == BrokerKind::rocketmq);
  CHECK(s.seed == 18'446'744'073'709'551'615ULL);
  CHECK(s.broker_config.at("flushDiskType").text == "SYNC_FLUSH");
}
