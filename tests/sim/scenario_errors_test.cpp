// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/scenario_errors_test.cpp (layer: sim tests)
// Every class of bad scenario input gives an InputError whose full message is asserted: file,
// 1-based line and column, dotted key, the problem and the suggested key. Lines and columns
// were counted by hand from the texts below.
#include <catch2/catch.hpp>
#include <string>

#include "core/input_error.hpp"
#include "sim/scenario.hpp"

using mqcheck::InputError;
using mqcheck::sim::load_scenario;
using mqcheck::sim::parse_scenario;

namespace {

/// Returns the message of the InputError that parsing `text` throws, or "no error".
std::string error_of(std::string const& text) {
  try {
    (void)parse_scenario(text, "t.yaml");
  } catch (InputError const& e) {
    return e.what();
  }
  return "no error";
}

/// Lines 1 and 2 of most texts below; a queue `jobs` on line 3.
std::string const head = "name: n\nbroker: reference\n";
std::string const head_jobs = head + "queues: [{name: jobs}]\n";

}  // namespace

TEST_CASE("an InputError carries file, line, column, key and problem", "[scenario][errors]") {
  try {
    (void)parse_scenario(head + "drain: 5 s\n", "dir/s.yaml");
    FAIL("no error");
  } catch (InputError const& e) {
    CHECK(e.mark().file == "dir/s.yaml");
    CHECK(e.mark().line == 3);
    CHECK(e.mark().column == 8);
    CHECK(e.key() == "drain");
    CHECK(e.problem() == "expected a duration such as 250us, 15ms or 2s, got '5 s'");
    CHECK(std::string(e.what()) ==
          "dir/s.yaml:3:8: key 'drain': expected a duration such as 250us, 15ms or 2s, got "
          "'5 s'");
  }
}

TEST_CASE("unknown keys name the nearest valid key, or list the valid ones", "[scenario][errors]") {
  CHECK(error_of("name: n\nbrokr: kafka\n") ==
        "t.yaml:2:1: key 'brokr': unknown key; did you mean 'broker'?");
  CHECK(error_of(head_jobs + "producers:\n  - id: p1\n    topic: jobs\n    messages: 10\n"
                             "    rate_pr_s: 100\n") ==
        "t.yaml:8:5: key 'producers[0].rate_pr_s': unknown key; did you mean 'rate_per_s'?");
  CHECK(error_of(head + "network: {latency: 1ms, drops: 0}\n") ==
        "t.yaml:3:25: key 'network.drops': unknown key; did you mean 'drop'?");
  CHECK(error_of(head + "colour: red\n") ==
        "t.yaml:3:1: key 'colour': unknown key; valid keys are 'name', 'description', 'broker', "
        "'version', 'seed', 'cluster', 'broker_config', 'broker_config_file', 'topics', "
        "'queues', 'producers', 'consumers', 'network', 'faults', 'fault_rates', 'quiesce', "
        "'drain', 'expect', 'acls', 'quotas'");
  // A broker key written where the scenario's own keys go gets a hint.
  CHECK(error_of(head + "topics:\n  - {name: t, replication.factor: 3}\n") ==
        "t.yaml:4:15: key 'topics[0].replication.factor': unknown key; valid keys are 'name', "
        "'partitions', 'config'; a broker's own keys go under 'config'");
  CHECK(error_of(head + "queues: [{name: q, partitions: 2}]\n") ==
        "t.yaml:3:20: key 'queues[0].partitions': unknown key; valid keys are 'name', "
        "'config'; a broker's own keys go under 'config'");
}

TEST_CASE("wrong types say what was expected and what was found", "[scenario][errors]") {
  CHECK(
      error_of(head_jobs + "producers: [{id: p1, topic: jobs, messages: abc, rate_per_s: 1}]\n") ==
      "t.yaml:4:45: key 'producers[0].messages': expected an integer, got 'abc'");
  CHECK(error_of("name: {a: 1}\nbroker: reference\n") ==
        "t.yaml:1:7: key 'name': expected a string, got a map");
  CHECK(error_of("name:\nbroker: reference\n") ==
        "t.yaml:1:1: key 'name': expected a string, got nothing");
  CHECK(error_of(head + "topics: {name: t}\n") ==
        "t.yaml:3:9: key 'topics': expected a sequence, got a map");
  CHECK(error_of(head + "network: [1ms]\n") ==
        "t.yaml:3:10: key 'network': expected a map, got a sequence");
  CHECK(error_of(head + "seed: -1\n") ==
        "t.yaml:3:7: key 'seed': expected an unsigned integer, got '-1'");
  CHECK(error_of(head + "seed: 18446744073709551616\n") ==
        "t.yaml:3:7: key 'seed': must be at most 18446744073709551615");
  CHECK(error_of(head +
                 "faults: [{at: 0, partition: {groups: [[a]], one_way: yes}}]\nquiesce: 1s\n") ==
        "t.yaml:3:54: key 'faults[0].partition.one_way': expected true or false, got 'yes'");
  CHECK(error_of(head + "broker_config: {[a]: 1}\n") ==
        "t.yaml:3:17: key 'broker_config': a key must be a scalar, got a sequence");
}

TEST_CASE("values out of range are errors, never clamped", "[scenario][errors]") {
  CHECK(error_of(head_jobs + "producers: [{id: p1, topic: jobs, messages: -1, rate_per_s: 1}]\n") ==
        "t.yaml:4:45: key 'producers[0].messages': must be within [0, 1000000000], got -1");
  CHECK(error_of(head_jobs + "producers: [{id: p1, topic: jobs, messages: 1, rate_per_s: 0}]\n") ==
        "t.yaml:4:60: key 'producers[0].rate_per_s': must be positive, got 0");
  CHECK(error_of(head + "topics: [{name: t, partitions: 0}]\n") ==
        "t.yaml:3:32: key 'topics[0].partitions': must be within [1, 10000], got 0");
  CHECK(error_of(head + "cluster: {brokers: 0}\n") ==
        "t.yaml:3:20: key 'cluster.brokers': must be within [1, 1000], got 0");
  CHECK(error_of(head_jobs + "consumers: [{group: g, topic: jobs, instances: 1001}]\n") ==
        "t.yaml:4:48: key 'consumers[0].instances': must be within [1, 1000], got 1001");
  CHECK(error_of(head + "network: {drop: 3/2}\n") ==
        "t.yaml:3:17: key 'network.drop': expected a probability such as 1/1000, 0.1% or "
        "0.001, got '3/2' (it must be within [0, 1])");
}

TEST_CASE("a missing required key is reported at its enclosing map", "[scenario][errors]") {
  CHECK(error_of("broker: reference\n") == "t.yaml:1:1: key 'name': required key is missing");
  CHECK(error_of("name: n\n") == "t.yaml:1:1: key 'broker': required key is missing");
  CHECK(error_of(head_jobs + "producers:\n  - {id: p1, topic: jobs, rate_per_s: 100}\n") ==
        "t.yaml:5:5: key 'producers[0].messages': required key is missing");
  CHECK(error_of(head_jobs + "producers:\n  - {id: p1, topic: jobs, messages: 1}\n") ==
        "t.yaml:5:5: key 'producers[0].rate_per_s': required key is missing (or give "
        "'interval' instead)");
  CHECK(error_of(head + "cluster: {}\n") ==
        "t.yaml:3:10: key 'cluster.brokers': required key is missing");
  CHECK(error_of(head + "faults: [{at: 1ms, crash: broker-0}]\n") ==
        "t.yaml:1:1: key 'quiesce': required key is missing: 'faults' or 'fault_rates' are "
        "given, and 'quiesce' says when they stop");
}

TEST_CASE("a key given twice in one map is an error", "[scenario][errors]") {
  CHECK(error_of("name: a\nbroker: reference\nname: b\n") ==
        "t.yaml:3:1: key 'name': duplicate key (first given at line 1)");
  CHECK(error_of(head + "broker_config:\n  acks: 1\n  acks: all\n") ==
        "t.yaml:5:3: key 'broker_config.acks': duplicate key (first given at line 4)");
}

TEST_CASE("YAML syntax errors keep yaml-cpp's position, 1-based", "[scenario][errors]") {
  CHECK(error_of("name: [unclosed\nbroker: reference\n") ==
        "t.yaml:2:7: YAML syntax error: end of sequence flow not found");
  CHECK(error_of("name: \"a\nbroker: x") ==
        "t.yaml:2:10: YAML syntax error: illegal EOF in scalar");
  CHECK(error_of(head + "  x: 1\n") == "t.yaml:3:4: YAML syntax error: illegal map value");
}

TEST_CASE("empty files, other top levels and several documents", "[scenario][errors]") {
  std::string const empty =
      "t.yaml: the file is empty; a scenario is a map with at least 'name' and 'broker'";
  CHECK(error_of("") == empty);
  CHECK(error_of("# only a comment\n\n") == empty);
  CHECK(error_of("---\n") == empty);
  CHECK(error_of("- a\n- b\n") ==
        "t.yaml:1:1: the top level of a scenario must be a map, got a sequence");
  CHECK(error_of("hello") == "t.yaml:1:1: the top level of a scenario must be a map, got 'hello'");
  CHECK(error_of("name: a\n---\nname: b\n") ==
        "t.yaml:2:1: the file holds more than one YAML document; a scenario is exactly one");
}

TEST_CASE("a token that cannot start a node is an error, not a hang", "[scenario][errors]") {
  // yaml-cpp 0.7's LoadAll loops forever, allocating, on these (jbeder/yaml-cpp issue 1040);
  // the fuzz test found the first one. The loader must stop and report the token.
  CHECK(error_of(",") == "t.yaml:1:1: YAML syntax error: unexpected token ','");
  CHECK(error_of(",# c\nname: n\n") == "t.yaml:1:1: YAML syntax error: unexpected token ','");
  CHECK(error_of("name: n\n...\n,\n") == "t.yaml:3:1: YAML syntax error: unexpected token ','");
}

TEST_CASE("missing, unreadable and empty files", "[scenario][errors]") {
  std::string const dir = std::string(MQCHECK_SOURCE_DIR) + "/tests/sim/data";
  auto const load_error = [](std::string const& path) {
    try {
      (void)load_scenario(path);
    } catch (InputError const& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(load_error(dir + "/no_such_file.yaml") == dir + "/no_such_file.yaml: no such file");
  CHECK(load_error(dir) == dir + ": is a directory, not a scenario file");
  CHECK(load_error("/dev/null") ==
        "/dev/null: the file is empty; a scenario is a map with at least 'name' and 'broker'");
}

TEST_CASE("broker_config values must be scalars", "[scenario][errors]") {
  CHECK(error_of(head + "broker_config:\n  acks: [1, 2]\n") ==
        "t.yaml:4:9: key 'broker_config.acks': must be a scalar (text, a number or a boolean), "
        "got a sequence");
  CHECK(error_of(head + "broker_config:\n  acks:\n") ==
        "t.yaml:4:3: key 'broker_config.acks': must be a scalar (text, a number or a boolean), "
        "got nothing");
  CHECK(error_of(head_jobs + "consumers: [{group: g, topic: jobs, config: {ack: {a: 1}}}]\n") ==
        "t.yaml:4:51: key 'consumers[0].config.ack': must be a scalar (text, a number or a "
        "boolean), got a map");
}

TEST_CASE("choices suggest the nearest spelling", "[scenario][errors]") {
  CHECK(error_of("name: n\nbroker: kafak\n") ==
        "t.yaml:2:9: key 'broker': unknown broker 'kafak'; did you mean 'kafka'?");
  CHECK(error_of("name: n\nbroker: activemq\n") ==
        "t.yaml:2:9: key 'broker': unknown broker 'activemq'; expected one of 'reference', "
        "'kafka', 'rabbitmq', 'rocketmq'");
  CHECK(error_of(head + "expect: {at-least-onse: valid}\n") ==
        "t.yaml:3:10: key 'expect.at-least-onse': unknown key; did you mean 'at-least-once'?");
  CHECK(error_of(head + "expect: {exactly-once: invalud}\n") ==
        "t.yaml:3:24: key 'expect.exactly-once': unknown verdict 'invalud'; did you mean "
        "'invalid'?");
  CHECK(error_of(head + "fault_rates: [{fault: crsh, targets: [a], rate_per_s: 1, downtime: 1s}]\n"
                        "quiesce: 1s\n") ==
        "t.yaml:3:23: key 'fault_rates[0].fault': unknown fault 'crsh'; did you mean 'crash'?");
}

TEST_CASE("cross-references: topics, producer ids, consumer groups", "[scenario][errors]") {
  CHECK(error_of(head + "topics: [{name: orders}]\n"
                        "producers: [{id: p1, topic: ordrs, messages: 1, rate_per_s: 1}]\n") ==
        "t.yaml:4:29: key 'producers[0].topic': unknown topic 'ordrs'; did you mean 'orders'?");
  CHECK(error_of(head + "consumers: [{group: g, topic: jobs}]\n") ==
        "t.yaml:3:31: key 'consumers[0].topic': unknown topic 'jobs': no topics or queues are "
        "declared");
  CHECK(error_of(head + "topics: [{name: t}]\nqueues: [{name: t}]\n") ==
        "t.yaml:4:17: key 'queues[0].name': topic or queue 't' is already declared at line 3");
  CHECK(error_of(head_jobs + "producers:\n  - {id: p, topic: jobs, messages: 1, rate_per_s: 1}\n"
                             "  - {id: p, topic: jobs, messages: 1, rate_per_s: 1}\n") ==
        "t.yaml:6:10: key 'producers[1].id': producer id 'p' is already declared at line 5");
  CHECK(error_of(head_jobs +
                 "consumers:\n  - {group: g, topic: jobs}\n  - {group: g, topic: jobs}\n") ==
        "t.yaml:6:13: key 'consumers[1].group': consumer group 'g' of topic 'jobs' is already "
        "declared at line 5");
  CHECK(error_of(head_jobs + "producers: [{id: p, topic: jobs, messages: 1, rate_per_s: 1, "
                             "interval: 1ms}]\n") ==
        "t.yaml:4:72: key 'producers[0].interval': give either 'rate_per_s' or 'interval', not "
        "both");
}

TEST_CASE("timed faults: one action, `for` only where it can be undone", "[scenario][errors]") {
  std::string const tail = "quiesce: 1s\n";
  CHECK(error_of(head + "faults: [{at: 1ms, crash: a, pause: b}]\n" + tail) ==
        "t.yaml:3:30: key 'faults[0].pause': a fault takes exactly one action, and this one "
        "already has 'crash'");
  CHECK(error_of(head + "faults: [{at: 1ms}]\n" + tail) ==
        "t.yaml:3:10: key 'faults[0]': expected one action: crash, power_loss, restart, pause, "
        "resume, partition or heal");
  CHECK(error_of(head + "faults: [{crash: a}]\n" + tail) ==
        "t.yaml:3:10: key 'faults[0].at': required key is missing");
  CHECK(error_of(head + "faults: [{at: 1ms, restart: a, for: 1ms}]\n" + tail) ==
        "t.yaml:3:37: key 'faults[0].for': 'for' is allowed only with crash, power_loss, pause "
        "and partition, not with 'restart'");
  CHECK(error_of(head + "faults: [{at: 1ms, crash: a, for: 0}]\n" + tail) ==
        "t.yaml:3:35: key 'faults[0].for': must be greater than 0");
  CHECK(error_of(head + "faults: [{at: 1ms, heal: some}]\n" + tail) ==
        "t.yaml:3:26: key 'faults[0].heal': heal takes 'all' (the only value), got 'some'");
  CHECK(error_of(head + "faults: [{at: 1ms, crash: ''}]\n" + tail) ==
        "t.yaml:3:27: key 'faults[0].crash': must not be empty");
  CHECK(error_of(head + "faults: [{at: 2s, crash: a}]\n" + tail) ==
        "t.yaml:3:10: key 'faults[0].at': at 2s is after quiesce (1s); no fault strikes after "
        "quiesce");
}

TEST_CASE("partitions and fault rates check their name lists", "[scenario][errors]") {
  std::string const tail = "quiesce: 1s\n";
  CHECK(error_of(head + "faults: [{at: 0, partition: {groups: [[a, b], [b]]}}]\n" + tail) ==
        "t.yaml:3:48: key 'faults[0].partition.groups[1][0]': 'b' is listed twice (first at "
        "line 3)");
  CHECK(error_of(head + "faults: [{at: 0, partition: {groups: [[a], []]}}]\n" + tail) ==
        "t.yaml:3:44: key 'faults[0].partition.groups[1]': must list at least one name");
  CHECK(error_of(head + "faults: [{at: 0, partition: {groups: []}}]\n" + tail) ==
        "t.yaml:3:38: key 'faults[0].partition.groups': must list at least one group");
  CHECK(error_of(head +
                 "fault_rates: [{fault: pause, targets: [], rate_per_s: 1, downtime: 1s}]\n" +
                 tail) == "t.yaml:3:39: key 'fault_rates[0].targets': must list at least one name");
  CHECK(error_of(head + "fault_rates: [{fault: pause, targets: [a], rate_per_s: 1}]\n" + tail) ==
        "t.yaml:3:15: key 'fault_rates[0].downtime': required key is missing");
}

TEST_CASE("a link must name its ends and override something", "[scenario][errors]") {
  CHECK(error_of(head + "network:\n  links: [{from: a, to: b}]\n") ==
        "t.yaml:4:11: key 'network.links[0]': a link must override at least one of 'latency', "
        "'drop', 'duplicate' and 'reorder'");
  CHECK(error_of(head + "network:\n  links: [{from: a, drop: 1}]\n") ==
        "t.yaml:4:11: key 'network.links[0].to': required key is missing");
}

TEST_CASE("a Kafka consumer's delay: names the key and the nearest valid one",
          "[scenario][errors]") {
  // Lines 1 to 3; the consumer on line 4, its `delay:` map at column 41.
  std::string const kafka = "name: n\nbroker: kafka\ntopics: [{name: t}]\n";
  std::string const consumer = "consumers: [{group: g, topic: t, delay: ";
  CHECK(error_of(kafka + consumer + "{ms: 300, wait: sleap}}]\n") ==
        "t.yaml:4:57: key 'consumers[0].delay.wait': unknown delay wait 'sleap'; did you mean "
        "'sleep'?");
  CHECK(error_of(kafka + consumer + "{ms: 300, wiat: sleep}}]\n") ==
        "t.yaml:4:51: key 'consumers[0].delay.wiat': unknown key; did you mean 'wait'?");
  CHECK(error_of(kafka + consumer + "{ms: 0}}]\n") ==
        "t.yaml:4:46: key 'consumers[0].delay.ms': must be within [1, 86400000], got 0");
  CHECK(error_of(kafka + consumer + "{wait: pause}}]\n") ==
        "t.yaml:4:41: key 'consumers[0].delay.ms': required key is missing");
  CHECK(error_of("name: n\nbroker: reference\nqueues: [{name: q}]\n"
                 "consumers: [{group: g, topic: q, delay: {ms: 5}}]\n") ==
        "t.yaml:4:41: key 'consumers.delay': only broker: kafka models delay through paused "
        "consumption");
}
